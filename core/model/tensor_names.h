#pragma once
// The Hugging Face tensor names and shapes of each supported architecture, in one table
// (the counterpart of llama.cpp's MODEL_TENSOR_NAMES). Validation, the tiny-model writer
// and the engine all ask here instead of spelling names themselves.
#include <cstdint>
#include <string>
#include <vector>

#include "core/model/config.h"

namespace gateau::model {

enum class TensorRole {
    TokenEmbedding,
    OutputNorm,
    Output,
    AttnNorm,
    AttnQ,
    AttnK,
    AttnV,
    AttnOut,
    AttnQBias,
    AttnKBias,
    AttnVBias,
    FfnNorm,
    FfnGate,
    FfnUp,
    FfnDown,
};

bool isPerLayer(TensorRole role);
bool isNormWeight(TensorRole role);

// Name template with "{L}" standing for the layer index; empty when the architecture
// has no such tensor.
const char* hfTensorNameTemplate(Arch arch, TensorRole role);
std::string hfTensorName(Arch arch, TensorRole role, int64_t layer = -1);

struct TensorSpec {
    std::string name;
    TensorRole role;
    int64_t layer;  // -1 for global tensors
    std::vector<int64_t> shape;
};

// Every tensor a checkpoint of this config must hold, with its HF (out, in) shape, in the
// order transformers lists them (embeddings, layers, final norm, lm_head).
std::vector<TensorSpec> expectedTensors(const ModelConfig& c);

std::string shapeString(const std::vector<int64_t>& shape);  // "[32, 64]"

}  // namespace gateau::model
