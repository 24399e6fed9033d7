// Long-context key tokens (LongPPL's long-short difference, LSD): per response token
// log p_B - log p_A, from the two full-prompt passes HMG already runs (no extra pass).
// key_token_share: the share of response tokens whose LSD exceeds key_token_threshold;
// key_token_gain: their mean LSD. Both raw, high first.
#include "core/scoring/scorers/key_tokens.h"

#include "core/scoring/formulas.h"
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/scorer.h"

#include <cmath>
#include <string>

namespace gateau::scoring {

KeyTokenStats keyTokenStats(const std::vector<float>& a, const std::vector<float>& b, double threshold) {
    if (a.empty() || a.size() != b.size())
        throw ScoringError("key tokens: model A has " + std::to_string(a.size()) + " response log-probs, model B " +
                           std::to_string(b.size()) + " (need the same, at least one)");
    KeyTokenStats out;
    double sum = 0;
    for (size_t t = 0; t < a.size(); ++t) {
        if (std::isnan(a[t]) || std::isnan(b[t]))
            throw ScoringError("key tokens: NaN log-prob at response token " + std::to_string(t));
        const double lsd = double(b[t]) - double(a[t]);
        if (lsd > threshold) {
            ++out.keyTokens;
            sum += lsd;
        }
    }
    out.share = double(out.keyTokens) / double(a.size());
    out.gain = out.keyTokens ? sum / double(out.keyTokens) : 0.0;
    return out;
}

namespace {

constexpr const char* kThreshold = "key_token_threshold";

class KeyTokensScorer : public Scorer {
public:
    std::string key() const override { return "key_tokens"; }
    std::string displayName() const override { return "Key tokens"; }
    std::string description() const override {
        return "Long-context key tokens (LongPPL): response tokens whose log p_B - log p_A exceeds a threshold";
    }
    std::vector<ScorerConfigKey> configKeys() const override {
        return {{kThreshold, 2.0, -100.0, 100.0,
                 "nats of log p_B - log p_A above which a response token counts as a long-context key token "
                 "(LongPPL's LSD threshold, 2)"}};
    }
    Passes passes() const override { return kPassFullB | kPassFullA; }
    std::vector<std::string> rawKeys() const override { return {"key_token_share", "key_token_gain"}; }
    RawValues compute(const SampleRawScores& s, const ScorerSettings& settings) const override {
        const KeyTokenStats k = keyTokenStats(s.logprobsA, s.logprobsB, settingOf(settings, kThreshold));
        return {{"key_token_share", k.share}, {"key_token_gain", k.gain}};
    }
    std::vector<ScoreDef> scores() const override {
        return {{"key_token_share", "Key share",
                 "Share of response tokens whose log p_B - log p_A exceeds the key-token threshold (LongPPL): how much "
                 "of the response needs the long context",
                 true},
                {"key_token_gain", "Key gain",
                 "Mean log p_B - log p_A (nats) over the long-context key tokens; 0 when there are none", true}};
    }
    std::vector<double> poolValues(const std::string& scoreKey, const std::vector<RawValues>& pool) const override {
        return column(pool, scoreKey);
    }
};

}  // namespace

const Scorer& keyTokensScorer() {
    static const KeyTokensScorer s;
    return s;
}

}  // namespace gateau::scoring
