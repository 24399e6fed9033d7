#pragma once
// Just enough tokenizer reading to size a model's embeddings and find its bos/eos ids,
// without pulling in the tokenizer engine.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gateau::model {

struct TokenizerProbe {
    std::vector<std::string> files;  // paths to copy next to a checkpoint
    int64_t vocabSize = 0;           // 1 + the highest token id
    std::optional<int64_t> bosId;
    std::optional<int64_t> eosId;
};

// `path` is a folder holding tokenizer.json (preferred) or tokenizer.model, or one of those
// files; a tokenizer_config.json / special_tokens_map.json beside it is picked up too.
TokenizerProbe probeTokenizer(const std::string& path);

// Tokenizer file names present in a folder, in a fixed order.
std::vector<std::string> tokenizerFilesIn(const std::string& dir);

// Number of pieces in a SentencePiece ModelProto (tokenizer.model); throws on malformed input.
int64_t sentencePieceCount(const std::string& bytes, const std::string& source);

}  // namespace gateau::model
