#pragma once
// A tokenizer.json pipeline: added tokens -> normalizer -> pre-tokenizer -> BPE -> post-processor.
#include <unordered_map>

#include <nlohmann/json_fwd.hpp>

#include "core/tokenizer/added_tokens.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/decoder.h"
#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/tokenizer.h"

namespace gateau::tok {

class HfTokenizer final : public Tokenizer {
public:
    // root: tokenizer.json (its model.vocab / model.merges are not read again: model is already
    // loaded). config: parsed tokenizer_config.json, or null. Throws TokenizerError naming sourceName.
    HfTokenizer(const nlohmann::json& root, std::unique_ptr<BpeModel> model, const std::string& sourceName,
                const nlohmann::json& config);

    Encoding encodeWithOffsets(std::string_view text, bool addSpecial) const override;
    std::string decode(const std::vector<int32_t>& ids, bool skipSpecial) const override;
    std::string tokenText(int32_t id) const override;
    int32_t vocabSize() const override { return vocabSize_; }
    std::optional<int32_t> bosId() const override { return bos_; }
    std::optional<int32_t> eosId() const override { return eos_; }

private:
    void loadAddedTokens(const nlohmann::json& list);
    void loadPostProcessor(const nlohmann::json& j, int depth);
    void resolveBosEos(const nlohmann::json& config);
    std::optional<int32_t> idOf(const std::string& token) const;
    void encodeText(std::string_view text, size_t base, Encoding& out) const;

    std::string source_;
    std::unique_ptr<Normalizer> normalizer_;
    std::unique_ptr<PreTokenizer> preTokenizer_;
    std::unique_ptr<BpeModel> model_;
    std::unique_ptr<Decoder> decoder_;
    std::unordered_map<int32_t, AddedToken> added_;
    AddedTokenMatcher rawMatcher_, normalizedMatcher_;
    std::vector<int32_t> prefixIds_, suffixIds_;  // what the post-processor puts around a single text
    std::optional<int32_t> bos_, eos_;
    int32_t vocabSize_ = 0;
    bool byteLevel_ = false;
};

}  // namespace gateau::tok
