#pragma once
// The tensors a checkpoint of a config must hold: Hugging Face names (from the family's
// row in arch.h) and shapes. Validation, the tiny-model writer, the engine, the trainer and
// the tests all ask here instead of spelling names themselves.
#include <cstdint>
#include <string>
#include <vector>

#include "core/model/config.h"

namespace gateau::model {

enum class TensorRole {
    TokenEmbedding,
    OutputNorm,
    Output,
    AttnNorm,      // before attention (input_layernorm)
    AttnQ,
    AttnK,
    AttnV,
    AttnQkv,       // q, k, v fused (Phi-3)
    AttnOut,
    AttnQBias,
    AttnKBias,
    AttnVBias,
    AttnOutBias,
    AttnQNorm,     // per-head, [head_dim] (Qwen3, Gemma 3)
    AttnKNorm,
    AttnPostNorm,  // on the attention output before the residual (Gemma)
    FfnNorm,       // before the MLP (Llama's post_attention_layernorm)
    FfnGate,
    FfnUp,
    FfnGateUp,     // gate, up fused (Phi-3)
    FfnDown,
    FfnPostNorm,   // on the MLP output before the residual (Gemma)
};

bool isPerLayer(TensorRole role);
bool isNormWeight(TensorRole role);

// Name template with "{L}" standing for the layer index; empty when the architecture
// has no such tensor.
const char* hfTensorNameTemplate(Arch arch, TensorRole role);
// The name in a checkpoint of this config (with its tensorPrefix).
std::string hfTensorName(const ModelConfig& c, TensorRole role, int64_t layer = -1);

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
