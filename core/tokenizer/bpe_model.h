#pragma once
// The "model" section of tokenizer.json when it is BPE: vocabulary, merge ranks and the merge loop.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/tokenizer/aligned_text.h"
#include "core/tokenizer/flat_map.h"

namespace gateau::tok {

class BpeModel {
public:
    // Loading happens in three steps so that tokenizer.json can be read either through
    // nlohmann::json or (much faster for 10 MB files) straight from a simdjson DOM:
    // the constructor reads the options (vocab and merges are ignored there), then every
    // vocab entry is added, then every merge in rank order. All throw TokenizerError naming
    // sourceName for non-BPE models, bad entries or merges of unknown tokens.
    BpeModel(const nlohmann::json& modelOptions, const std::string& sourceName);
    void reserve(size_t vocabSize, size_t mergeCount);
    void addToken(std::string_view token, int64_t id);
    void finishVocab();
    void addMerge(std::string_view left, std::string_view right);
    // The nlohmann path: feeds model.vocab and model.merges from the same json.
    void loadTables(const nlohmann::json& model);

    // Appends the ids of one pre-tokenized piece (valid UTF-8). Thread-safe.
    void encode(const std::string& piece, std::vector<int32_t>& out) const;
    // Appends the byte range in piece of each of the n ids that encode(piece) produced. The
    // tokens' own strings are matched against the piece, so a range is exact or this throws.
    void spans(const std::string& piece, const int32_t* ids, size_t n, std::vector<Offsets>& out) const;

    std::optional<int32_t> tokenId(std::string_view token) const;
    const std::string* tokenString(int32_t id) const;  // nullptr when the id is not in the vocabulary
    int32_t idLimit() const { return static_cast<int32_t>(idToToken_.size()); }
    bool byteFallback() const { return byteFallback_; }

private:
    void initialSymbols(const std::string& word, std::vector<int32_t>& ids) const;
    void mergeAll(std::vector<int32_t>& ids) const;
    std::optional<int32_t> charId(std::string_view ch, bool first, bool last) const;

    std::string source_;
    TokenIdMap vocab_;
    std::vector<std::string> idToToken_;
    std::vector<bool> hasToken_;
    MergeMap merges_;
    std::vector<int32_t> cpIds_;  // fast id lookup for single chars below cpIds_.size(); -1 when absent
    std::array<int32_t, 256> byteIds_{};  // "<0xNN>" tokens for byte_fallback; -1 when absent
    std::optional<int32_t> unkId_;
    std::string prefix_, suffix_;  // continuing_subword_prefix / end_of_word_suffix
    bool byteFallback_ = false;
    bool fuseUnk_ = false;
    bool ignoreMerges_ = false;
    std::string unkToken_;
    int32_t nextRank_ = 0;
    std::string mergedScratch_;

    // Repeated words are common in real text; caching them skips the merge loop.
    mutable std::shared_mutex cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace gateau::tok
