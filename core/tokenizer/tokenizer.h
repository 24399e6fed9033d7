#pragma once
// Tokenizers for Hugging Face Llama-family checkpoints: tokenizer.json (byte-level or
// SentencePiece-style BPE) and tokenizer.model (SentencePiece). Qt-free.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/tokenizer/aligned_text.h"  // Offsets

namespace gateau::tok {

// Every message names the file (or source name) it is about.
struct TokenizerError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // path: a checkpoint folder (prefers tokenizer.json, else tokenizer.model) or a
    // tokenizer.json / tokenizer.model file.
    static std::unique_ptr<Tokenizer> load(const std::string& path);

    // Builds a tokenizer from tokenizer.json text; sourceName is only used in messages.
    // configJson, when non-empty, is tokenizer_config.json text (for bos/eos names).
    static std::unique_ptr<Tokenizer> fromJsonText(std::string_view json, const std::string& sourceName,
                                                   std::string_view configJson = {});

    // The ids and, per id, the byte range of the text it was made from (what HF's encodings
    // call offsets, untrimmed): the characters a normalizer or pre-tokenizer turned into the
    // token, a literal special token's own bytes, and an empty range at 0 (before the text) or
    // at its end (after it) for the special tokens the post-processor adds.
    struct Encoding {
        std::vector<int32_t> ids;
        std::vector<Offsets> offsets;  // byte ranges into utf8::sanitize(text) (= text when valid)
    };

    // Thread-safe for concurrent calls. Invalid UTF-8 in text is replaced by U+FFFD first.
    virtual Encoding encodeWithOffsets(std::string_view text, bool addSpecial) const = 0;
    std::vector<int32_t> encode(std::string_view text, bool addSpecial) const {
        return encodeWithOffsets(text, addSpecial).ids;
    }
    // Ids outside the vocabulary are skipped.
    virtual std::string decode(const std::vector<int32_t>& ids, bool skipSpecial) const = 0;
    // Display text of one token: real text where the token's bytes are valid UTF-8 on
    // their own, otherwise "<0xNN>" for each byte; "" for ids outside the vocabulary.
    virtual std::string tokenText(int32_t id) const = 0;
    virtual int32_t vocabSize() const = 0;
    virtual std::optional<int32_t> bosId() const = 0;
    virtual std::optional<int32_t> eosId() const = 0;
};

}  // namespace gateau::tok
