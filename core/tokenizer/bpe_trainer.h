#pragma once
// A small byte-level BPE trainer, so the built-in demo can make a real tokenizer.json on a
// machine without any downloaded tokenizer. Same pre-tokenizer regex as Llama-3; the output
// loads through Tokenizer::load like any Hugging Face file.
#include <cstdint>
#include <string>
#include <vector>

namespace gateau::tok {

struct BpeTrainOptions {
    int merges = 2000;      // vocabulary = 256 bytes + merges + <s>, </s>
    int64_t minCount = 2;   // stop early when the best pair is rarer than this
};

// Returns tokenizer.json text (BOS "<s>" added by the post-processor). Deterministic: ties
// between equally frequent pairs go to the lexicographically smallest pair.
std::string trainByteLevelBpe(const std::vector<std::string>& texts, const BpeTrainOptions& options = {});

// Writes OUT_DIR/tokenizer.json and tokenizer_config.json; returns the vocabulary size.
int64_t writeTrainedTokenizer(const std::string& outDir, const std::vector<std::string>& texts,
                              const BpeTrainOptions& options = {});

}  // namespace gateau::tok
