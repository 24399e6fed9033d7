#include "db/score_columns.h"

#include <set>

namespace gateau::db {

namespace {

scoring::ScoreDef combinedDef() {
    return {"combined", "combined", "Combined GATEAU score: alpha * HMG + (1 - alpha) * CAM, both over this pool", true};
}

}  // namespace

std::vector<scoring::ScoreDef> scoreDefs() {
    std::vector<scoring::ScoreDef> out{combinedDef()};
    for (const scoring::Scorer* s : scoring::registeredScorers())
        for (auto& d : s->scores()) out.push_back(std::move(d));
    return out;
}

scoring::RawValues rawValuesOf(const RankInput& r) {
    scoring::RawValues v = {{"ppl_a", r.pplA}, {"ppl_b", r.pplB}, {"ppl_response_only", r.pplResponseOnly},
                            {"ifd", r.ifd},    {"cas", r.cas},    {"cam_raw", r.camRaw}};
    for (const auto& [k, x] : r.values) v[k] = x;
    return v;
}

namespace {

// Every registered scorer's columns over the pool, the raw values built once; a scorer whose
// raw values some sample lacks contributes none. Empty for an empty pool.
std::vector<ScoreColumn> registeredColumns(const RankInputs& inputs) {
    std::vector<ScoreColumn> out;
    if (inputs.samples.empty()) return out;
    std::vector<scoring::RawValues> pool;
    pool.reserve(inputs.samples.size());
    for (const RankInput& r : inputs.samples) pool.push_back(rawValuesOf(r));
    for (const scoring::Scorer* s : scoring::registeredScorers()) {
        bool complete = true;
        for (const auto& k : s->rawKeys())
            for (const auto& p : pool) complete = complete && p.count(k);
        if (!complete) continue;
        for (const scoring::ScoreDef& d : s->scores())
            out.push_back({d.key, d.displayName, s->poolValues(d.key, pool), d.higherSelected, d.description});
    }
    return out;
}

}  // namespace

std::vector<ScoreColumn> scoreColumns(const RankInputs& inputs, const Ranking& ranking) {
    const scoring::ScoreDef d = combinedDef();
    ScoreColumn combined{d.key, d.displayName, std::vector<double>(inputs.samples.size(), 0.0), d.higherSelected,
                         d.description};
    for (const RankedRow& r : ranking.rows) combined.values[r.input] = r.score;
    std::vector<ScoreColumn> out{std::move(combined)};
    for (auto& c : registeredColumns(inputs)) out.push_back(std::move(c));
    return out;
}

std::vector<int64_t> sampleIds(const RankInputs& inputs) {
    std::vector<int64_t> ids;
    ids.reserve(inputs.samples.size());
    for (const RankInput& s : inputs.samples) ids.push_back(s.sampleId);
    return ids;
}

bool isLegacyScore(const std::string& key) {
    static const std::set<std::string> legacy = {"combined", "hmg", "cam", "ppl_a", "ppl_b", "ifd", "cas"};
    return legacy.count(key) > 0;
}

std::vector<scoring::ScoreDef> pluginScoreDefs() {
    std::vector<scoring::ScoreDef> out;
    for (auto& d : scoreDefs())
        if (!isLegacyScore(d.key)) out.push_back(std::move(d));
    return out;
}

std::vector<std::vector<double>> pluginScoreValues(const RankInputs& inputs) {
    const std::vector<scoring::ScoreDef> defs = pluginScoreDefs();
    std::vector<std::vector<double>> out(defs.size());
    for (auto& c : registeredColumns(inputs))
        for (size_t i = 0; i < defs.size(); ++i)
            if (defs[i].key == c.key) out[i] = std::move(c.values);
    return out;
}

}  // namespace gateau::db
