#pragma once
// Hugging Face config.json of a Llama-family checkpoint, as the engine needs it.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gateau::model {

struct ModelError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One value per row of the architecture table (arch.h), which says everything else.
enum class Arch { Llama, Mistral, Qwen2, Qwen3, Gemma2, Gemma3, Phi3 };

struct RopeScaling {
    enum class Type { None, Linear, Dynamic, Llama3, Yarn, LongRope };
    Type type = Type::None;
    double factor = 1.0;
    // llama3
    double lowFreqFactor = 1.0;
    double highFreqFactor = 4.0;
    int64_t originalMaxPositionEmbeddings = 0;
    // yarn
    double betaFast = 32.0;
    double betaSlow = 1.0;
    std::optional<double> mscale;
    std::optional<double> mscaleAllDim;
    std::optional<double> attentionFactor;  // yarn, longrope (longrope: resolved at parse)
    // longrope ("su"): per-frequency divisors, short up to originalMaxPositionEmbeddings
    // tokens, long beyond; rotary_dim / 2 entries each.
    std::vector<double> shortFactor, longFactor;
};

struct ModelConfig {
    Arch arch = Arch::Llama;
    std::string modelType;  // config.json "model_type", verbatim
    int64_t vocabSize = 0;
    int64_t hiddenSize = 0;
    int64_t intermediateSize = 0;
    int64_t numLayers = 0;
    int64_t numHeads = 0;
    int64_t numKvHeads = 0;  // defaults to numHeads
    int64_t headDim = 0;     // defaults to hiddenSize / numHeads
    double rmsNormEps = 1e-6;
    double ropeTheta = 10000.0;
    RopeScaling ropeScaling;
    int64_t maxPositionEmbeddings = 2048;
    bool tieWordEmbeddings = false;
    bool attentionBias = false;             // q/k/v biases (Qwen2 always; Llama "attention_bias")
    std::optional<int64_t> slidingWindow;   // only when config enables it
    // Which layers use the window is the family's rule (arch.h layerWindow): Qwen2/Qwen3
    // from maxWindowLayers on, Gemma all but every slidingWindowPattern-th; an explicit
    // config "layer_types" list (layerSliding) overrides the rule.
    int64_t maxWindowLayers = 0;            // Qwen2/Qwen3: layers below this keep full attention
    int64_t slidingWindowPattern = 0;       // Gemma: every Nth layer (1-based) is global
    std::vector<bool> layerSliding;         // from "layer_types"; empty: the family's rule
    // Gemma: scores scaled by query_pre_attn_scalar^-0.5 instead of head_dim^-0.5.
    std::optional<double> queryPreAttnScalar;
    std::optional<double> attnLogitSoftcapping;   // scores -> cap * tanh(scores / cap)
    std::optional<double> finalLogitSoftcapping;  // logits likewise
    // Gemma 3: sliding layers use this RoPE base without scaling; global layers use
    // ropeTheta with ropeScaling.
    std::optional<double> ropeLocalTheta;
    double partialRotaryFactor = 1.0;       // Phi-4-mini: RoPE on the first part of each head
    // Prepended to every tensor name: "language_model." for the language model inside a
    // multimodal checkpoint (Gemma 3 4B+).
    std::string tensorPrefix;
    std::optional<int64_t> bosTokenId;
    std::optional<int64_t> eosTokenId;
    std::string torchDtype;                 // "bfloat16", "float32", ... as written

    // Channels of each head that RoPE rotates: int(head_dim * partial_rotary_factor).
    int64_t rotaryDim() const { return static_cast<int64_t>(double(headDim) * partialRotaryFactor); }

    // Parse config.json text; `source` names the file in error messages.
    static ModelConfig fromJson(const std::string& jsonText, const std::string& source);
    static ModelConfig fromFile(const std::string& path);
};

}  // namespace gateau::model
