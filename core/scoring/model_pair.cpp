#include "core/scoring/model_pair.h"

#include "core/model/config_json.h"
#include "core/scoring/run_config.h"
#include "core/tokenizer/tokenizer.h"

#include <algorithm>
#include <filesystem>

namespace gateau::scoring {

namespace fs = std::filesystem;

namespace {

bool isStatic(model::RopeScaling::Type t) {
    using T = model::RopeScaling::Type;
    return t == T::Linear || t == T::Llama3 || t == T::Yarn;
}

std::string scalingText(const model::RopeScaling& rs) {
    if (rs.type == model::RopeScaling::Type::None) return "no rope scaling";
    std::string f = std::to_string(rs.factor);
    f.erase(f.find_last_not_of('0') + 1);
    if (!f.empty() && f.back() == '.') f.pop_back();
    return std::string(model::ropeScalingTypeName(rs.type)) + " rope scaling x" + f;
}

std::string idText(const std::optional<int32_t>& id) { return id ? std::to_string(*id) : std::string("none"); }

// Text whose encoding exercises normalisation and pre-tokenisation: two tokenizers with the
// same vocabulary but different rules split it differently.
constexpr const char* kProbe = "Hello, world! 123 éà 数据 \t  two  spaces\n\nnew paragraph 😀";

}  // namespace

int64_t coveredPositions(const model::ModelConfig& b) {
    const auto& rs = b.ropeScaling;
    if (isStatic(rs.type) && rs.originalMaxPositionEmbeddings > 0)
        return std::max<int64_t>(b.maxPositionEmbeddings,
                                 int64_t(double(rs.originalMaxPositionEmbeddings) * rs.factor));
    return b.maxPositionEmbeddings;
}

PairCheck checkContextBudget(const model::ModelConfig& b, int64_t maxTokens) {
    const int64_t covered = coveredPositions(b);
    if (maxTokens <= covered) return {};
    const std::string what = "max_tokens " + std::to_string(maxTokens) + " exceeds model B's " +
                             std::to_string(covered) + "-token window (max_position_embeddings " +
                             std::to_string(b.maxPositionEmbeddings) + ", " + scalingText(b.ropeScaling) + ")";
    if (b.ropeScaling.type == model::RopeScaling::Type::Dynamic)
        return {PairCheck::Verdict::Warn,
                what + ": prompts longer than the window run with dynamic NTK, which stretches RoPE past "
                       "the positions B was trained on"};
    return {PairCheck::Verdict::Refuse,
            what + ": B has never seen those positions. Set max_tokens to at most " + std::to_string(covered) +
                " (longer prompts then lose context from the left) or use a B with a longer window"};
}

std::string tokenizerDifference(const tok::Tokenizer& a, const tok::Tokenizer& b) {
    if (a.vocabSize() != b.vocabSize())
        return "vocabulary size " + std::to_string(a.vocabSize()) + " in A, " + std::to_string(b.vocabSize()) +
               " in B";
    if (a.bosId() != b.bosId()) return "BOS id " + idText(a.bosId()) + " in A, " + idText(b.bosId()) + " in B";
    if (a.eosId() != b.eosId()) return "EOS id " + idText(a.eosId()) + " in A, " + idText(b.eosId()) + " in B";
    for (int32_t id = 0; id < a.vocabSize(); ++id) {
        const std::string ta = a.tokenText(id), tb = b.tokenText(id);
        if (ta != tb) return "token " + std::to_string(id) + " is \"" + ta + "\" in A, \"" + tb + "\" in B";
    }
    if (a.encode(kProbe, true) != b.encode(kProbe, true))
        return "same vocabulary, but they split the same text into different ids (normalizer or pre-tokenizer)";
    return {};
}

bool hasTokenizerFiles(const std::string& dir) {
    return fs::is_regular_file(fs::path(dir) / "tokenizer.json") || fs::is_regular_file(fs::path(dir) / "tokenizer.model");
}

PairCheck checkTokenizerPair(const std::string& dirA, const std::string& dirB) {
    if (!hasTokenizerFiles(dirA))
        return {PairCheck::Verdict::Ok, "model A has no tokenizer files: B's tokenizer is used for both models"};
    const auto a = tok::Tokenizer::load(dirA), b = tok::Tokenizer::load(dirB);
    const std::string diff = tokenizerDifference(*a, *b);
    if (diff.empty()) return {};
    return {PairCheck::Verdict::Refuse,
            "model A's tokenizer is not model B's (" + diff + "): A reads B's token ids, so both must share one tokenizer"};
}

std::vector<std::string> checkRunModels(const RunConfig& config, const std::string& sourceName) {
    std::vector<std::string> notes;
    for (const PairCheck& c :
         {checkContextBudget(model::ModelConfig::fromFile((fs::path(config.modelB) / "config.json").string()),
                             config.prompt.maxTokens),
          checkTokenizerPair(config.modelA, config.modelB)}) {
        if (c.verdict == PairCheck::Verdict::Refuse) throw ScoringError(sourceName + ": " + c.message);
        if (!c.message.empty()) notes.push_back((c.verdict == PairCheck::Verdict::Warn ? "warning: " : "") + c.message);
    }
    return notes;
}

}  // namespace gateau::scoring
