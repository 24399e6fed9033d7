#include "core/scoring/formulas.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace gateau::scoring {

namespace {

void requireNonEmpty(size_t n, const char* what) {
    if (n == 0) throw ScoringError(std::string(what) + ": empty input");
}

void requireSameSize(size_t a, size_t b, const char* what) {
    if (a != b)
        throw ScoringError(std::string(what) + ": mismatched lengths " + std::to_string(a) + " and " +
                           std::to_string(b));
}

void requireFinite(const std::vector<double>& v, const char* what) {
    for (size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i]))
            throw ScoringError(std::string(what) + ": value #" + std::to_string(i) + " is not finite");
}

// Perplexities feed 1/PPL and min-max; a PPL <= 0 can only come from a bug upstream.
void requirePpls(const std::vector<double>& v, const char* what) {
    requireNonEmpty(v.size(), what);
    requireFinite(v, what);
    for (size_t i = 0; i < v.size(); ++i)
        if (!(v[i] > 0))
            throw ScoringError(std::string(what) + ": perplexity #" + std::to_string(i) + " is " +
                               std::to_string(v[i]) + ", must be > 0");
}

void requirePpl(double p, const char* what) {
    if (!std::isfinite(p) || !(p > 0))
        throw ScoringError(std::string(what) + ": perplexity " + std::to_string(p) + " must be finite and > 0");
}

void requireAlpha(double alpha) {
    if (!(alpha >= 0 && alpha <= 1)) throw ScoringError("combined: alpha " + std::to_string(alpha) + " not in [0, 1]");
}

}  // namespace

double perplexity(const std::vector<float>& responseLogprobs) {
    requireNonEmpty(responseLogprobs.size(), "perplexity (no response tokens)");
    double sum = 0;  // accumulate in double: 64k float terms lose digits otherwise
    for (size_t i = 0; i < responseLogprobs.size(); ++i) {
        if (std::isnan(responseLogprobs[i]))
            throw ScoringError("perplexity: log-prob #" + std::to_string(i) + " is NaN");
        sum += double(responseLogprobs[i]);
    }
    const double ppl = std::exp(-sum / double(responseLogprobs.size()));
    if (!std::isfinite(ppl)) throw ScoringError("perplexity: result is not finite (a log-prob is -inf or huge)");
    return ppl;
}

std::vector<double> minMaxNormalize(const std::vector<double>& v) {
    requireNonEmpty(v.size(), "minMaxNormalize");
    requireFinite(v, "minMaxNormalize");
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    const double min = *lo, range = *hi - *lo;
    std::vector<double> out(v.size(), 0.0);
    if (range > 0)
        for (size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - min) / range;
    return out;
}

std::vector<double> poolSoftmax(const std::vector<double>& v) {
    requireNonEmpty(v.size(), "poolSoftmax");
    requireFinite(v, "poolSoftmax");
    const double max = *std::max_element(v.begin(), v.end());
    std::vector<double> out(v.size());
    double sum = 0;
    for (size_t i = 0; i < v.size(); ++i) sum += out[i] = std::exp(v[i] - max);
    for (double& x : out) x /= sum;
    return out;
}

std::vector<double> hmgScores(const std::vector<double>& pplA, const std::vector<double>& pplB) {
    requireSameSize(pplA.size(), pplB.size(), "hmgScores");
    requirePpls(pplA, "hmgScores (model A)");
    requirePpls(pplB, "hmgScores (model B)");
    const auto nA = minMaxNormalize(pplA), nB = minMaxNormalize(pplB);
    std::vector<double> d(nA.size());
    for (size_t i = 0; i < d.size(); ++i) d[i] = nA[i] - nB[i];
    return poolSoftmax(d);
}

std::vector<double> segmentImportance(const std::vector<double>& segmentPpls) {
    requirePpls(segmentPpls, "segmentImportance");
    std::vector<double> out(segmentPpls.size());
    double sum = 0;
    for (size_t i = 0; i < out.size(); ++i) sum += out[i] = 1.0 / segmentPpls[i];
    for (double& x : out) x /= sum;
    return out;
}

std::vector<double> attentionDistribution(const std::vector<std::vector<double>>& layerSegments) {
    requireNonEmpty(layerSegments.size(), "attentionDistribution (no layers)");
    const size_t segments = layerSegments.front().size();
    requireNonEmpty(segments, "attentionDistribution (no segments)");
    std::vector<double> mean(segments, 0.0);
    for (size_t l = 0; l < layerSegments.size(); ++l) {
        const auto& row = layerSegments[l];
        requireSameSize(row.size(), segments, "attentionDistribution (layer rows)");
        for (size_t s = 0; s < segments; ++s) {
            if (!std::isfinite(row[s]) || row[s] < 0)
                throw ScoringError("attentionDistribution: layer " + std::to_string(l) + " segment " +
                                   std::to_string(s) + " is " + std::to_string(row[s]) +
                                   ", must be finite and >= 0");
            mean[s] += row[s];
        }
    }
    // Dividing by the layer count first would cancel in the renormalisation; skip it.
    const double sum = std::accumulate(mean.begin(), mean.end(), 0.0);
    if (sum > 0)
        for (double& x : mean) x /= sum;
    return mean;
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
    requireSameSize(a.size(), b.size(), "cosine");
    requireFinite(a, "cosine");
    requireFinite(b, "cosine");
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    if (na == 0 || nb == 0) return 0;
    return dot / (std::sqrt(na) * std::sqrt(nb));
}

double cas(const std::vector<double>& importance, const std::vector<double>& attention) {
    requireNonEmpty(importance.size(), "cas (no segments)");
    requireSameSize(importance.size(), attention.size(), "cas");
    for (const auto* v : {&importance, &attention})
        for (double x : *v)
            if (!(x >= 0)) throw ScoringError("cas: distributions must be non-negative and not NaN");
    // Rounding can push a cosine of two identical vectors a hair above 1.
    return std::min(1.0, cosine(importance, attention));
}

double camRaw(double casValue) {
    if (!std::isfinite(casValue)) throw ScoringError("camRaw: CAS is not finite");
    return 1.0 - casValue;
}

std::vector<double> camScores(const std::vector<double>& camRaws) {
    return poolSoftmax(minMaxNormalize(camRaws));
}

double combined(double hmg, double cam, double alpha) {
    requireAlpha(alpha);
    if (!std::isfinite(hmg) || !std::isfinite(cam)) throw ScoringError("combined: score is not finite");
    return alpha * hmg + (1 - alpha) * cam;
}

std::vector<double> combined(const std::vector<double>& hmg, const std::vector<double>& cam, double alpha) {
    requireSameSize(hmg.size(), cam.size(), "combined");
    requireNonEmpty(hmg.size(), "combined");
    std::vector<double> out(hmg.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = combined(hmg[i], cam[i], alpha);
    return out;
}

double ifd(double pplWithContext, double pplResponseOnly) {
    requirePpl(pplWithContext, "ifd (with context)");
    requirePpl(pplResponseOnly, "ifd (response only)");
    return pplWithContext / pplResponseOnly;
}

int64_t cutSize(size_t poolSize, const Selection& selection) {
    const auto n = int64_t(poolSize);
    if (selection.mode == Selection::Mode::TokenBudget)
        throw ScoringError("token-budget selection: the cut depends on the ranking; count rankAndSelect's inCut rows");
    if (selection.mode == Selection::Mode::TopN) {
        if (selection.count < 0) throw ScoringError("top-N selection: N " + std::to_string(selection.count) + " < 0");
        return std::min(selection.count, n);
    }
    const double k = selection.percent;
    if (!(k > 0 && k <= 100)) throw ScoringError("top-k% selection: k " + std::to_string(k) + " not in (0, 100]");
    // The epsilon absorbs binary rounding: 10% of 30 is 3.0000000000000004 in doubles,
    // which a bare ceil would turn into 4.
    const auto c = int64_t(std::ceil(k * double(n) / 100.0 - 1e-9));
    return std::clamp<int64_t>(c, 0, n);
}

std::vector<RankedSample> rankAndSelect(const std::vector<int64_t>& ids, const std::vector<double>& scores,
                                        const Selection& selection, const std::vector<int64_t>& tokens) {
    requireSameSize(ids.size(), scores.size(), "rankAndSelect (ids and scores)");
    requireNonEmpty(ids.size(), "rankAndSelect (empty pool)");
    for (size_t i = 0; i < ids.size(); ++i)
        if (std::isnan(scores[i]))
            throw ScoringError("rankAndSelect: score of sample " + std::to_string(ids[i]) + " is NaN");
    // A sorted copy finds duplicates without a node per id (pools of 100k re-rank live).
    std::vector<int64_t> sorted = ids;
    if (!std::is_sorted(sorted.begin(), sorted.end())) std::sort(sorted.begin(), sorted.end());
    const auto dup = std::adjacent_find(sorted.begin(), sorted.end());
    if (dup != sorted.end()) throw ScoringError("rankAndSelect: sample id " + std::to_string(*dup) + " appears twice");
    const bool budget = selection.mode == Selection::Mode::TokenBudget;
    if (budget) {
        if (selection.budgetTokens < 0)
            throw ScoringError("token-budget selection: budget " + std::to_string(selection.budgetTokens) + " < 0");
        requireSameSize(ids.size(), tokens.size(), "rankAndSelect (ids and token counts)");
        for (size_t i = 0; i < ids.size(); ++i)
            if (tokens[i] < 0)
                throw ScoringError("rankAndSelect: sample " + std::to_string(ids[i]) + " has a negative token count");
    }
    const int64_t cut = budget ? 0 : cutSize(ids.size(), selection);

    std::vector<std::pair<RankedSample, int64_t>> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i)
        out[i] = std::make_pair(RankedSample{ids[i], scores[i], 0, false, false}, budget ? tokens[i] : int64_t(0));
    // Id order breaks ties so that a ranking never depends on the order rows were loaded.
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.first.score != b.first.score ? a.first.score > b.first.score : a.first.sampleId < b.first.sampleId;
    });
    const auto overrideOf = [&](int64_t id) {
        const auto o = selection.overrides.find(id);
        return o == selection.overrides.end() ? Override::None : o->second;
    };
    // The budget walk: every Keep is paid for first, then the rest in rank order until one
    // would overflow (see Selection). Drops are passed over, so they stay above the line.
    int64_t spent = 0;
    if (budget)
        for (const auto& [r, t] : out) spent += overrideOf(r.sampleId) == Override::Keep ? t : 0;
    bool walking = true;
    std::vector<RankedSample> ranked(out.size());
    for (size_t i = 0; i < out.size(); ++i) {
        auto r = out[i].first;
        const Override o = overrideOf(r.sampleId);
        r.rank = int(i) + 1;
        if (budget) {
            if (walking && o == Override::None) {
                if (out[i].second <= selection.budgetTokens - spent) spent += out[i].second;
                else walking = false;
            }
            r.inCut = walking;
        } else {
            r.inCut = int64_t(i) < cut;
        }
        r.selected = r.inCut;
        if (o == Override::Keep) r.selected = true;
        if (o == Override::Drop) r.selected = false;
        ranked[i] = r;
    }
    return ranked;
}

}  // namespace gateau::scoring
