// IFD (Cherry-LLM, METHOD.md "Baselines"): PPL_B(y | c, x) / PPL_B(y); raw, high first.
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/scorer.h"

namespace gateau::scoring {

namespace {

class IfdScorer : public Scorer {
public:
    std::string key() const override { return "ifd"; }
    std::string displayName() const override { return "IFD"; }
    std::string description() const override {
        return "Instruction-following difficulty (Cherry-LLM): PPL_B(response | context, instruction) / "
               "PPL_B(response alone)";
    }
    Passes passes() const override { return kPassFullB | kPassResponseOnly; }
    std::vector<std::string> rawKeys() const override { return {"ifd", "ppl_response_only"}; }
    bool storedInScoreColumns() const override { return true; }
    RawValues compute(const SampleRawScores& s, const ScorerSettings&) const override {
        return {{"ifd", s.ifd}, {"ppl_response_only", s.pplResponseOnly}};
    }
    std::vector<ScoreDef> scores() const override { return {{"ifd", "IFD", description(), true}}; }
    std::vector<double> poolValues(const std::string&, const std::vector<RawValues>& pool) const override {
        return column(pool, "ifd");
    }
};

}  // namespace

const Scorer& ifdScorer() {
    static const IfdScorer s;
    return s;
}

}  // namespace gateau::scoring
