#pragma once
// The model-shape options of `make-tiny-model`, shared with `train` so that both take the
// same flags with the same checks.
#include <string>
#include <vector>

#include "app/cli/command.h"
#include "core/model/tiny_model.h"

namespace gateau::cli {

inline const std::vector<std::string> kModelSpecFlagNames = {"tie"};
inline const std::vector<std::string> kModelSpecValueNames = {
    "arch", "tokenizer", "vocab", "layers", "hidden", "heads", "kv-heads", "intermediate", "head-dim",
    "seed", "dtype", "rope-theta", "max-pos", "rope-scaling", "sliding-window", "max-window-layers",
    "partial-rotary", "shards"};
inline const char* kModelSpecUsage =
    "[--arch llama|mistral|qwen2|qwen3|gemma2|gemma3|phi3] [--vocab N] [--layers N] [--hidden N] [--heads N] [--kv-heads N] "
    "[--intermediate N] [--head-dim N] [--seed S] [--dtype f32|bf16] [--rope-theta X] [--max-pos N] "
    "[--rope-scaling TYPE:FACTOR] [--sliding-window N] [--max-window-layers N] [--partial-rotary F] [--tie] "
    "[--shards N]";

// Reads the options above into a spec (defaults: TinyModelSpec's, arch llama); throws
// CliError (exit 2) on bad values. The caller checks which of them it requires.
model::TinyModelSpec parseModelSpec(const ArgParser& p);

// "linear:2", "dynamic:4", "llama3:8", "yarn:4", "longrope:4"; "" or "none": no scaling.
model::RopeScaling parseRopeScaling(const std::string& s, int64_t maxPos);

}  // namespace gateau::cli
