#pragma once
// Writes a small random checkpoint in exact Hugging Face layout, for tests and demos.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/config.h"
#include "core/model/dtype.h"

namespace gateau::model {

struct TinyModelSpec {
    Arch arch = Arch::Llama;
    std::string tokenizerPath;        // folder or tokenizer file; empty: needs vocabSize
    std::optional<int64_t> vocabSize;  // overrides the size read from the tokenizer
    int64_t layers = 2;
    int64_t hidden = 64;
    int64_t heads = 4;
    int64_t kvHeads = 2;
    int64_t intermediate = 128;
    std::optional<int64_t> headDim;    // default hidden / heads
    uint64_t seed = 0;
    DType dtype = DType::F32;          // F32 or BF16
    double ropeTheta = 10000.0;
    int64_t maxPositionEmbeddings = 2048;
    RopeScaling ropeScaling;
    bool tieEmbeddings = false;
    std::optional<int64_t> slidingWindow;  // families with a window rule (arch.h)
    int64_t maxWindowLayers = 0;           // qwen2/qwen3: first windowed layer
    double partialRotaryFactor = 1.0;      // phi3
    int shards = 1;                    // >1: model-0000i-of-0000n.safetensors + index
};

struct TinyModelResult {
    ModelConfig config;
    uint64_t parameterCount = 0;
    std::vector<std::string> files;  // everything written, relative to the output folder
};

// Creates `outDir` (it must not hold a config.json already) and writes config.json,
// generation_config.json, the weights and the tokenizer files. The same spec gives the same
// bytes on every machine: each tensor's values come from seed and tensor name only.
TinyModelResult makeTinyModel(const std::string& outDir, const TinyModelSpec& spec);

// The values makeTinyModel stores for one tensor, before dtype conversion.
std::vector<float> tinyModelTensorValues(const std::string& name, bool isNorm, uint64_t numel, uint64_t seed);

}  // namespace gateau::model
