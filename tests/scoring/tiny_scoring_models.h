#pragma once
// The two tiny homologous checkpoints (models A and B) the scoring suites run on.
#include "core/model/tiny_model.h"

#include <cstdint>
#include <string>

namespace gateau::test {

inline const std::string kTokenizerDir = std::string(GATEAU_SHARED_DIR) + "/testdata/tokenizers/mistral";

// Writes a 2-layer Llama (hidden 64, 4 heads, 2 KV heads) with the Mistral tokenizer to
// PARENT/m<seed> and returns that folder.
inline std::string writeTinyScoringModel(const std::string& parent, uint64_t seed) {
    model::TinyModelSpec spec;
    spec.arch = model::Arch::Llama;
    spec.tokenizerPath = kTokenizerDir;
    spec.layers = 2;
    spec.hidden = 64;
    spec.heads = 4;
    spec.kvHeads = 2;
    spec.intermediate = 128;
    spec.seed = seed;
    const std::string dir = parent + "/m" + std::to_string(seed);
    model::makeTinyModel(dir, spec);
    return dir;
}

}  // namespace gateau::test
