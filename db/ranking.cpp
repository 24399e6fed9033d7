#include "db/ranking.h"

#include "db/near_duplicates.h"
#include "db/run_store.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

namespace gateau::db {

RankInputs loadRankInputs(ProjectStore& store, int64_t runId) {
    if (!findRun(store, runId)) throw DbError(store.path() + ": no run #" + std::to_string(runId));
    RankInputs in;
    in.runId = runId;
    std::map<int64_t, OverrideEntry> overrides;
    for (auto& o : store.currentOverrides()) overrides[o.sampleId] = o;
    std::map<int64_t, Annotations> annotations = currentAnnotations(store);
    std::map<int64_t, TeamVotes> votes = teamVotes(store);
    const std::map<int64_t, NearDuplicateMatch> near = nearDuplicateLinks(store.db());
    std::map<int64_t, int64_t> nearCopies;
    for (const auto& [id, m] : near) ++nearCopies[m.sampleId];
    for (StoredScore& x : loadRawScores(store, runId, false)) {
        if (x.status != "done") {
            ++in.failed;
            continue;
        }
        RankInput r;
        r.sampleId = x.sampleId;
        r.datasetId = x.datasetId;
        r.externalId = std::move(x.externalId);
        r.datasetName = std::move(x.datasetName);
        r.promptTokens = x.promptTokens;
        r.responseTokens = x.responseTokens;
        r.contextTokens = x.contextTokens;
        r.truncated = x.truncated;
        r.pplA = x.pplA;
        r.pplB = x.pplB;
        r.pplResponseOnly = x.pplResponseOnly;
        r.ifd = x.ifd;
        r.cas = x.cas;
        r.camRaw = x.camRaw;
        r.values = std::move(x.values);
        auto it = overrides.find(r.sampleId);
        if (it != overrides.end()) r.note = it->second.note;
        if (auto v = votes.find(r.sampleId); v != votes.end()) {
            r.team = std::move(v->second);
            r.decision = r.team.effective();
        }
        if (auto a = annotations.find(r.sampleId); a != annotations.end()) r.annotations = std::move(a->second);
        if (auto m = near.find(r.sampleId); m != near.end()) {
            r.nearDuplicateOf = m->second.sampleId;
            r.nearDuplicateSimilarity = m->second.similarity;
        }
        if (auto c = nearCopies.find(r.sampleId); c != nearCopies.end()) r.nearCopies = c->second;
        in.samples.push_back(std::move(r));
    }
    return in;
}

void useAnnotatorDecisions(RankInputs& inputs, const std::string& annotator) {
    bool any = false;
    for (RankInput& r : inputs.samples) {
        auto v = r.team.votes.find(annotator);
        r.decision = v == r.team.votes.end() ? Decision::None : v->second;
        any = any || v != r.team.votes.end();
    }
    if (!any)
        throw DbError("annotator \"" + annotator + "\" decided no sample of run #" + std::to_string(inputs.runId));
}

Ranking rankPool(const RankInputs& inputs, double alpha, const scoring::Selection& selectionIn) {
    Ranking out;
    out.alpha = alpha;
    const size_t n = inputs.samples.size();
    out.pool = int64_t(n);
    if (!(alpha >= 0 && alpha <= 1)) throw scoring::ScoringError("alpha must be in [0, 1], got " + std::to_string(alpha));
    if (n == 0) return out;

    std::vector<int64_t> ids(n), tokens(n);
    std::vector<double> pplA(n), pplB(n), camRaw(n);
    scoring::Selection selection = selectionIn;
    for (size_t i = 0; i < n; ++i) {
        const RankInput& r = inputs.samples[i];
        ids[i] = r.sampleId;
        tokens[i] = r.totalTokens();
        pplA[i] = r.pplA;
        pplB[i] = r.pplB;
        camRaw[i] = r.camRaw;
        if (r.decision == Decision::Keep) selection.overrides[r.sampleId] = scoring::Override::Keep;
        if (r.decision == Decision::Drop) selection.overrides[r.sampleId] = scoring::Override::Drop;
    }
    const std::vector<double> hmg = scoring::hmgScores(pplA, pplB);
    const std::vector<double> cam = scoring::camScores(camRaw);
    const std::vector<double> score = scoring::combined(hmg, cam, alpha);
    // Inputs come in sample id order (loadRankInputs); fall back to a sorted copy otherwise.
    std::vector<std::pair<int64_t, size_t>> byId(n);
    for (size_t i = 0; i < n; ++i) byId[i] = {ids[i], i};
    if (!std::is_sorted(byId.begin(), byId.end())) std::sort(byId.begin(), byId.end());
    for (const auto& r : scoring::rankAndSelect(ids, score, selection, tokens)) {
        const size_t i = std::lower_bound(byId.begin(), byId.end(), std::make_pair(r.sampleId, size_t(0)))->second;
        out.rows.push_back({i, r.rank, r.score, hmg[i], cam[i], r.selected});
        out.selected += r.selected ? 1 : 0;
        out.selectedTokens += r.selected ? tokens[i] : 0;
        // The cut is a prefix of the ranking in every mode, so its last row is the threshold.
        if (r.inCut) {
            out.cut = r.rank;
            out.threshold = r.score;
        }
    }
    return out;
}

scoring::Selection parseTopPercent(const std::string& text) {
    std::string v = text;
    if (!v.empty() && v.back() == '%') v.pop_back();
    try {
        size_t used = 0;
        const double k = std::stod(v, &used);
        if (used == v.size() && k > 0 && k <= 100) return scoring::Selection::topPercent(k);
    } catch (const std::exception&) {
    }
    throw scoring::ScoringError("top percentage must be in (0, 100], e.g. 10%, got '" + text + "'");
}

scoring::Selection parseTokenBudget(const std::string& text) {
    static const std::pair<char, double> kSuffixes[] = {{'k', 1e3}, {'m', 1e6}, {'b', 1e9}, {'g', 1e9}};
    std::string v = text;
    double scale = 1;
    if (!v.empty())
        for (const auto& [c, f] : kSuffixes)
            if (std::tolower(static_cast<unsigned char>(v.back())) == c) {
                scale = f;
                v.pop_back();
                break;
            }
    try {
        size_t used = 0;
        const double x = std::stod(v, &used) * scale;
        // A fraction of a token only makes sense through a suffix (1.5B); 1e15 keeps the
        // int64 sum of a walk far from overflow.
        if (used == v.size() && x >= 0 && x <= 1e15 && (scale > 1 || x == std::floor(x)))
            return scoring::Selection::tokenBudget(int64_t(std::floor(x)));
    } catch (const std::exception&) {
    }
    throw scoring::ScoringError("token budget must be a whole number of tokens >= 0, optionally with k, M or B "
                                "(e.g. 2000000, 50M, 1.5B), got '" + text + "'");
}

}  // namespace gateau::db
