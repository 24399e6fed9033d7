// CAM, contextual awareness (METHOD.md "Score 2"): cam_raw = 1 - CAS per sample, softmax of
// min-max cam_raw over the pool; CAS itself is shown as a raw column (low = misaligned).
#include "core/scoring/formulas.h"
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/scorer.h"

namespace gateau::scoring {

namespace {

class CamScorer : public Scorer {
public:
    std::string key() const override { return "cam"; }
    std::string displayName() const override { return "CAM"; }
    std::string description() const override {
        return "Contextual awareness: 1 - cos(segment importance, B's attention over segments), softmax over the "
               "pool of its min-max normalised values";
    }
    Passes passes() const override { return kPassFullB | kPassSegments; }
    std::vector<std::string> rawKeys() const override { return {"cas", "cam_raw"}; }
    bool storedInScoreColumns() const override { return true; }
    RawValues compute(const SampleRawScores& s, const ScorerSettings&) const override {
        return {{"cas", s.cas}, {"cam_raw", s.camRaw}};
    }
    std::vector<ScoreDef> scores() const override {
        return {{"cam", "CAM", description(), true},
                {"cas", "CAS",
                 "Contextual awareness score: cosine of segment importance and B's attention (1 = attention lands "
                 "where the response's evidence is)",
                 false}};
    }
    std::vector<double> poolValues(const std::string& scoreKey, const std::vector<RawValues>& pool) const override {
        if (scoreKey == "cas") return column(pool, "cas");
        return camScores(column(pool, "cam_raw"));
    }
};

}  // namespace

const Scorer& camScorer() {
    static const CamScorer s;
    return s;
}

}  // namespace gateau::scoring
