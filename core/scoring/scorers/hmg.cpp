// HMG, homologous models' guidance (METHOD.md "Score 1"): PPL_A and PPL_B per sample,
// softmax of N_A - N_B over the pool.
#include "core/scoring/formulas.h"
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/scorer.h"

namespace gateau::scoring {

namespace {

class HmgScorer : public Scorer {
public:
    std::string key() const override { return "hmg"; }
    std::string displayName() const override { return "HMG"; }
    std::string description() const override {
        return "Homologous models' guidance: how much more the long-window model B predicts the response than the "
               "short-window model A (softmax over the pool of min-max PPL_A - PPL_B)";
    }
    Passes passes() const override { return kPassFullB | kPassFullA; }
    std::vector<std::string> rawKeys() const override { return {"ppl_a", "ppl_b"}; }
    bool storedInScoreColumns() const override { return true; }
    RawValues compute(const SampleRawScores& s, const ScorerSettings&) const override {
        return {{"ppl_a", s.pplA}, {"ppl_b", s.pplB}};
    }
    std::vector<ScoreDef> scores() const override { return {{"hmg", "HMG", description(), true}}; }
    std::vector<double> poolValues(const std::string&, const std::vector<RawValues>& pool) const override {
        return hmgScores(column(pool, "ppl_a"), column(pool, "ppl_b"));
    }
};

}  // namespace

const Scorer& hmgScorer() {
    static const HmgScorer s;
    return s;
}

}  // namespace gateau::scoring
