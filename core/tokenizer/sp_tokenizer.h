#pragma once
// tokenizer.model files, run by libsentencepiece itself so results match the reference exactly.
#include <memory>

#include "core/tokenizer/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace gateau::tok {

class SpTokenizer final : public Tokenizer {
public:
    // Throws TokenizerError naming path when the file is missing or not a SentencePiece model.
    explicit SpTokenizer(const std::string& path);
    ~SpTokenizer() override;

    std::vector<int32_t> encode(std::string_view text, bool addSpecial) const override;
    std::string decode(const std::vector<int32_t>& ids, bool skipSpecial) const override;
    std::string tokenText(int32_t id) const override;
    int32_t vocabSize() const override;
    std::optional<int32_t> bosId() const override;
    std::optional<int32_t> eosId() const override;

private:
    std::string decodeRun(const std::vector<int>& run, bool atStart) const;

    std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
    std::string path_;
};

}  // namespace gateau::tok
