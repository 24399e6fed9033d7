#pragma once
// Hugging Face config.json of a Llama-family checkpoint, as the engine needs it.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace gateau::model {

struct ModelError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class Arch { Llama, Mistral, Qwen2 };

struct RopeScaling {
    enum class Type { None, Linear, Dynamic, Llama3, Yarn };
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
    std::optional<double> attentionFactor;
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
    int64_t maxWindowLayers = 0;            // Qwen2: layers below this keep full attention
    std::optional<int64_t> bosTokenId;
    std::optional<int64_t> eosTokenId;
    std::string torchDtype;                 // "bfloat16", "float32", ... as written

    // Parse config.json text; `source` names the file in error messages.
    static ModelConfig fromJson(const std::string& jsonText, const std::string& source);
    static ModelConfig fromFile(const std::string& path);
};

}  // namespace gateau::model
