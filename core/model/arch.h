#pragma once
// The architecture table: one row per model family (the counterpart of llama.cpp's
// llama-arch.cpp). A row names the family's model_type and class names, its tensors, and
// the ops its layers use; config parsing, checkpoint validation, the engine's layer loop,
// make-tiny-model and the tests' reference all read it. A new dense family is a row here
// plus whatever op it needs that no other row has.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/model/config.h"
#include "core/model/tensor_names.h"

namespace gateau::model {

enum class NormKind {
    Rms,         // w * normalise(x), the product in the model dtype (Llama)
    RmsOnePlus,  // (1 + w) * normalise(x) in float32, then cast (Gemma)
};
enum class Activation { Silu, GeluTanh };

// Which projections carry biases.
enum class BiasRule {
    None,
    QkvAlways,              // Qwen2: q/k/v biases, no o_proj bias
    FromAttentionBiasKey,   // Llama, Qwen3, Gemma: q/k/v and o_proj when "attention_bias"
};

// Which layers use config.slidingWindow (when it is set).
enum class WindowRule {
    None,                 // the family has no sliding window: the keys are ignored
    AllLayers,            // Mistral, Phi-3
    FromMaxWindowLayers,  // Qwen2/Qwen3: layers >= max_window_layers, if use_sliding_window
    Pattern,              // Gemma: every slidingWindowPattern-th layer (1-based) is global
};

struct TensorNameRow {
    TensorRole role;
    const char* name;  // "{L}" stands for the layer index
};

struct ArchInfo {
    Arch arch;
    const char* name;       // HF model_type written by make-tiny-model; --arch value
    const char* className;  // HF architectures[0] written by make-tiny-model
    std::vector<std::string> modelTypes;  // config "model_type" values of this family
    std::vector<std::string> classNames;  // config "architectures" values of this family
    std::vector<TensorNameRow> tensors;   // every tensor the family can have

    NormKind norm = NormKind::Rms;
    Activation activation = Activation::Silu;
    // Spellings of the activation in config.json ("hidden_activation", else "hidden_act").
    std::vector<std::string> activationNames{"silu"};
    BiasRule bias = BiasRule::None;
    bool qkNorm = false;         // per-head RMSNorm of q and k before RoPE (Qwen3, Gemma 3)
    bool sandwichNorms = false;  // norms after attention and MLP too (Gemma 2/3)
    bool fusedQkv = false;       // one qkv_proj tensor (Phi-3)
    bool fusedGateUp = false;    // one gate_up_proj tensor, gate first (Phi-3)
    bool embedScale = false;     // embeddings * sqrt(hidden_size) (Gemma)
    WindowRule window = WindowRule::None;
    const char* windowSwitch = nullptr;  // key that must be true for the window to apply
    // Config keys the family reads beyond the common ones.
    bool softCapping = false;         // attn_logit_softcapping, final_logit_softcapping
    bool queryPreAttnScalar = false;  // query_pre_attn_scalar
    bool localRope = false;           // rope_local_base_freq for sliding layers
    bool partialRotary = false;       // partial_rotary_factor
    // Key holding the language model's config inside a multimodal config, and the prefix
    // its tensors carry in such a checkpoint.
    const char* textConfigKey = nullptr;
    const char* textTensorPrefix = nullptr;
    // Hugging Face's defaults for keys that published configs leave out (JSON object).
    const char* defaults = "{}";
    int64_t defaultMaxPositions = 2048;
};

const std::vector<ArchInfo>& architectures();
const ArchInfo& archInfo(Arch arch);
// The row whose modelTypes (or, failing that, classNames) hold `name`; null when none.
const ArchInfo* findArchByModelType(const std::string& modelType);
const ArchInfo* findArchByClassName(const std::string& className);
const ArchInfo* findArchByName(const std::string& name);  // --arch values
std::string supportedArchNames();  // "llama, mistral, ..."

// Whether this config's family has q/k/v biases, an o_proj bias.
bool hasQkvBias(const ModelConfig& c);
bool hasOutBias(const ModelConfig& c);
// The window of layer `layer` (0: full attention), by the family's rule.
int64_t layerWindow(const ModelConfig& c, int64_t layer);
// Whether layer `layer` uses the local RoPE (Gemma 3's sliding layers).
bool layerUsesLocalRope(const ModelConfig& c, int64_t layer);
// The scale of q.k: query_pre_attn_scalar^-0.5 or head_dim^-0.5.
double attentionScale(const ModelConfig& c);

}  // namespace gateau::model
