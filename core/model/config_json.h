#pragma once
// ModelConfig back to Hugging Face config.json form, and display names for its enums.
#include <nlohmann/json.hpp>

#include "core/model/config.h"

namespace gateau::model {

const char* archName(Arch a);             // "llama", "mistral", "qwen2" (HF model_type)
const char* archClassName(Arch a);        // "LlamaForCausalLM", ...
const char* ropeScalingTypeName(RopeScaling::Type t);  // "none", "linear", ...

// The config.json transformers would write for this config; fromJson reads it back
// to an equal ModelConfig.
nlohmann::json toHfConfigJson(const ModelConfig& c);

}  // namespace gateau::model
