// Perplexity guidance (METHOD.md "Baselines"): PPL_B(y | c, x), and PPL_A beside it; raw,
// high first.
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/scorer.h"

namespace gateau::scoring {

namespace {

class PplScorer : public Scorer {
public:
    std::string key() const override { return "ppl"; }
    std::string displayName() const override { return "PPL"; }
    std::string description() const override { return "Perplexity of the response given the whole prompt"; }
    Passes passes() const override { return kPassFullB | kPassFullA; }
    std::vector<std::string> rawKeys() const override { return {"ppl_a", "ppl_b"}; }
    bool storedInScoreColumns() const override { return true; }
    RawValues compute(const SampleRawScores& s, const ScorerSettings&) const override {
        return {{"ppl_a", s.pplA}, {"ppl_b", s.pplB}};
    }
    std::vector<ScoreDef> scores() const override {
        return {{"ppl_b", "PPL_B", "Perplexity guidance: PPL of the response under the long model B given the whole prompt", true},
                {"ppl_a", "PPL_A", "PPL of the response under the short model A given the whole prompt", true}};
    }
    std::vector<double> poolValues(const std::string& scoreKey, const std::vector<RawValues>& pool) const override {
        return column(pool, scoreKey);
    }
};

}  // namespace

const Scorer& pplScorer() {
    static const PplScorer s;
    return s;
}

}  // namespace gateau::scoring
