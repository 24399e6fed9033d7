#pragma once
// tokenizer.model files (SentencePiece ModelProto), read and run natively: the protobuf is parsed
// by sp_model_proto.cpp and BPE and unigram models are encoded with SentencePiece's own
// algorithms (bpe_model.cc, unigram_model.cc), so ids match the reference exactly. libsentencepiece is not used: it exports
// its own copy of protobuf-lite, which clashes with the libprotobuf that libtorch loads.
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/tokenizer/flat_map.h"
#include "core/tokenizer/sp_model_proto.h"
#include "core/tokenizer/tokenizer.h"

namespace gateau::tok {

class SpTokenizer final : public Tokenizer {
public:
    // Throws TokenizerError naming path when the file is missing or not a SentencePiece model.
    explicit SpTokenizer(const std::string& path);
    // Builds a tokenizer from the bytes of a tokenizer.model; name is only used in messages.
    static std::unique_ptr<SpTokenizer> fromBytes(std::string_view bytes, const std::string& name);
    ~SpTokenizer() override;

    Encoding encodeWithOffsets(std::string_view text, bool addSpecial) const override;
    std::string decode(const std::vector<int32_t>& ids, bool skipSpecial) const override;
    std::string tokenText(int32_t id) const override;
    int32_t vocabSize() const override;
    std::optional<int32_t> bosId() const override;
    std::optional<int32_t> eosId() const override;

private:
    struct FromBytesTag {};
    SpTokenizer(std::string_view bytes, const std::string& name, FromBytesTag);
    void init(std::string_view bytes);

    // A byte trie: longest-prefix matching of USER_DEFINED pieces, and the unigram lattice.
    struct TrieNode {
        std::vector<std::pair<unsigned char, int>> next;  // sorted by byte
        int value = -1;                                   // piece id ending here, or -1
    };
    static void trieInsert(std::vector<TrieNode>& trie, std::string_view key, int value);
    static int trieChild(const std::vector<TrieNode>& trie, int node, unsigned char c);

    int pieceToId(std::string_view piece) const;  // reserved first, then normal; else unk
    bool isType(int id, int type) const;
    size_t userDefinedPrefix(std::string_view s) const;     // 0 when none matches
    std::pair<std::string_view, size_t> normalizePrefix(std::string_view s) const;
    AlignedText normalize(std::string_view text) const;
    std::vector<std::pair<std::string_view, int>> bpe(std::string_view normalized) const;
    std::vector<std::pair<std::string_view, int>> unigram(std::string_view normalized) const;
    std::string decodeRun(const std::vector<int32_t>& run, bool atStart) const;

    std::string path_;
    SpModelProto model_;
    TokenIdMap pieces_;    // NORMAL, USER_DEFINED and UNUSED pieces: what BPE may produce
    TokenIdMap reserved_;  // CONTROL, UNKNOWN and BYTE pieces
    std::vector<TrieNode> userTrie_;
    std::vector<TrieNode> pieceTrie_;  // unigram: NORMAL, USER_DEFINED and UNUSED pieces
    float minScore_ = 0.0f;            // unigram: over NORMAL pieces
    float maxScore_ = 0.0f;
    std::array<int, 256> byteIds_{};
    std::vector<int> byteValue_;  // per id: the byte of a BYTE piece, else -1
    int unkId_ = -1;
    int bosId_ = -1;
    int eosId_ = -1;
    // precompiled_charsmap: Darts double-array trie units and the normalized strings blob.
    std::vector<uint32_t> charsTrie_;
    std::string charsNormalized_;
};

}  // namespace gateau::tok
