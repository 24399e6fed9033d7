#include "db/score_columns.h"

#include <functional>

namespace gateau::db {

std::vector<scoring::ScoreColumn> scoreColumns(const Ranking& ranking, const RankInputs& inputs) {
    using Value = std::function<double(const RankInput&, const RankedRow&)>;
    struct Spec {
        const char* key;
        const char* displayName;
        bool higherIsSelected;
        Value value;
    };
    // Directions: METHOD.md selects high combined/HMG/CAM, and the baselines perplexity
    // guidance (PPL_B) and IFD high first. CAS is the similarity whose complement is CAM's
    // raw value, so low CAS is selected; PPL_A follows PPL_B's convention.
    static const Spec kSpecs[] = {
        {"combined", "combined", true, [](const RankInput&, const RankedRow& r) { return r.score; }},
        {"hmg", "HMG", true, [](const RankInput&, const RankedRow& r) { return r.hmg; }},
        {"cam", "CAM", true, [](const RankInput&, const RankedRow& r) { return r.cam; }},
        {"ppl_b", "PPL_B", true, [](const RankInput& s, const RankedRow&) { return s.pplB; }},
        {"ifd", "IFD", true, [](const RankInput& s, const RankedRow&) { return s.ifd; }},
        {"ppl_a", "PPL_A", true, [](const RankInput& s, const RankedRow&) { return s.pplA; }},
        {"cas", "CAS", false, [](const RankInput& s, const RankedRow&) { return s.cas; }},
    };
    const size_t n = inputs.samples.size();
    std::vector<const RankedRow*> rowOf(n, nullptr);
    for (const RankedRow& r : ranking.rows)
        if (r.input < n) rowOf[r.input] = &r;
    static const RankedRow kUnranked{};
    std::vector<scoring::ScoreColumn> out;
    for (const Spec& spec : kSpecs) {
        scoring::ScoreColumn c{spec.key, spec.displayName, std::vector<double>(n), spec.higherIsSelected};
        for (size_t i = 0; i < n; ++i) c.values[i] = spec.value(inputs.samples[i], rowOf[i] ? *rowOf[i] : kUnranked);
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<int64_t> sampleIds(const RankInputs& inputs) {
    std::vector<int64_t> ids;
    ids.reserve(inputs.samples.size());
    for (const RankInput& s : inputs.samples) ids.push_back(s.sampleId);
    return ids;
}

}  // namespace gateau::db
