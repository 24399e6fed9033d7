// LADM's Contextual Dependency Score (Chen et al., "LADM: Long-context Training Data Selection
// with Attention-based Dependency Measurement for LLMs", ACL 2025, arXiv 2503.02502; reference
// code ZNLP/LADM, modeling_llama2.py). Spans of L tokens at the end of the sample attend to
// spans at growing distances before them; a sample whose spans spread attention unevenly over
// far-away spans (high weighted mass times high spread) depends on its long context.
// Computed from B's full-prompt pass, which keeps the prefix tile attention of the query
// spans (model::SpanRequest::tileLen): no extra forward pass.
#include "core/scoring/scorers/cds.h"

#include "core/scoring/formulas.h"
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/scorer.h"

#include <cmath>
#include <string>

namespace gateau::scoring {

namespace {

int64_t tileOrigin(int64_t n, int64_t L) { return n % L == 0 ? 0 : n % L - L; }

}  // namespace

std::vector<int64_t> cdsQueryTiles(int64_t n, const CdsParams& p) {
    std::vector<int64_t> out;
    if (n < 1 || p.span < 1 || p.queryStride < 1 || p.distanceStep < 1) return out;
    const int64_t L = p.span, o = tileOrigin(n, L), tiles = (n - o) / L;
    // LADM: query spans start after keep_at_start (= L) plus minDistances distance steps.
    const int64_t firstStart = L * (1 + p.minDistances * p.distanceStep);
    for (int64_t i = tiles - 1; i >= 0 && o + i * L > firstStart; i -= p.queryStride) out.insert(out.begin(), i);
    return out;
}

double cdsFromTiles(const std::vector<float>& att, int64_t layers, const std::vector<int64_t>& queryTiles,
                    int64_t numTiles, int64_t n, const CdsParams& p) {
    const int64_t Q = int64_t(queryTiles.size()), L = p.span;
    if (L < 1 || p.distanceStep < 1) throw ScoringError("CDS: span and distance step must be at least 1");
    if (layers < 1 || int64_t(att.size()) != layers * Q * numTiles)
        throw ScoringError("CDS: tile attention has " + std::to_string(att.size()) + " values, expected " +
                           std::to_string(layers) + " layers x " + std::to_string(Q) + " query spans x " +
                           std::to_string(numTiles) + " spans");
    if (Q == 0) return 0.0;  // too short for a query span with enough distances: no measured dependency
    const int64_t o = tileOrigin(n, L);
    double sumLayers = 0;
    for (int64_t l = 0; l < layers; ++l) {
        double sumAfs = 0;
        for (int64_t q = 0; q < Q; ++q) {
            const int64_t qi = queryTiles[size_t(q)], start = o + qi * L;
            if (qi < 0 || qi >= numTiles) throw ScoringError("CDS: query span " + std::to_string(qi) + " out of range");
            std::vector<double> pfs, dist;
            for (int64_t k = 1;; ++k) {
                const int64_t ki = qi - k * p.distanceStep;
                if (ki < 0 || o + ki * L < L) break;  // LADM keeps the first L tokens out (keep_at_start)
                const double v = double(att[size_t((l * Q + q) * numTiles + ki)]);
                if (!std::isfinite(v)) throw ScoringError("CDS: non-finite attention in layer " + std::to_string(l));
                pfs.push_back(v);
                dist.push_back(double(k * p.distanceStep * L));
            }
            if (pfs.size() < 2)
                throw ScoringError("CDS: query span " + std::to_string(qi) + " has " + std::to_string(pfs.size()) +
                                   " key spans, needs at least 2 for their spread");
            double mean = 0;
            for (double v : pfs) mean += v;
            mean /= double(pfs.size());
            double var = 0, weighted = 0;
            for (size_t k = 0; k < pfs.size(); ++k) {
                var += (pfs[k] - mean) * (pfs[k] - mean);
                weighted += pfs[k] * dist[k] / double(n);
            }
            const double sd = std::sqrt(var / double(pfs.size() - 1));  // torch.std: unbiased
            sumAfs += weighted * sd * double(start) / double(n);
        }
        sumLayers += sumAfs / double(Q);
    }
    return sumLayers / double(layers);
}

namespace {

constexpr const char* kSpan = "cds_span";
constexpr const char* kDistanceStep = "cds_distance_step";
constexpr const char* kQueryStride = "cds_query_stride";
constexpr const char* kMinDistances = "cds_min_distances";

class CdsScorer : public Scorer {
public:
    std::string key() const override { return "cds"; }
    std::string displayName() const override { return "CDS"; }
    std::string description() const override {
        return "LADM's Contextual Dependency Score: attention of B's spans to spans at growing distances before them";
    }
    // Opt-in: its query rows leave pass 1's fused attention (docs/scorers.md, what it costs).
    bool optIn() const override { return true; }
    std::vector<ScorerConfigKey> configKeys() const override {
        return {{"cds", 0, 0, 1, "1: compute LADM's CDS (its query spans' attention in B's full pass)"},
                {kSpan, 128, 1, 8192, "CDS: tokens per query and key span (LADM's attn_chunk_size, 128)"},
                {kDistanceStep, 4, 1, 1024,
                 "CDS: key spans lie k times this many spans before a query span (LADM's d_afs, 4)"},
                {kQueryStride, 4, 1, 1024,
                 "CDS: every this-many-th span from the end is a query span (LADM's d_cds, 4)"},
                {kMinDistances, 4, 2, 64,
                 "CDS: a query span needs at least this many key spans before it (LADM: 4)"}};
    }
    Passes passes() const override { return kPassFullB | kPassTileAttention; }
    std::vector<std::string> rawKeys() const override { return {"cds"}; }
    RawValues compute(const SampleRawScores& s, const ScorerSettings& settings) const override {
        const CdsParams p = cdsParams(settings);
        if (s.tileLen == 0)
            throw ScoringError("CDS: this sample was scored without its attention pass (re-score with \"cds\": 1)");
        if (s.tileLen != p.span)
            throw ScoringError("CDS: the pass kept spans of " + std::to_string(s.tileLen) + " tokens, " + kSpan +
                               " is " + std::to_string(p.span));
        return {{"cds", cdsFromTiles(s.tileAttention, s.layers, s.tileQueries, s.numTiles, s.sequenceTokens, p)}};
    }
    std::vector<ScoreDef> scores() const override {
        return {{"cds", "CDS",
                 "LADM's Contextual Dependency Score: distance-weighted, spread-weighted attention of B's spans to "
                 "spans far before them; high = long-range dependencies",
                 true}};
    }
    std::vector<double> poolValues(const std::string& scoreKey, const std::vector<RawValues>& pool) const override {
        return column(pool, scoreKey);
    }
};

}  // namespace

// The CDS parameters of a run's settings; throws ScoringError naming a non-integer key.
CdsParams cdsParams(const ScorerSettings& settings) {
    auto integer = [&](const char* key) {
        const double v = settingOf(settings, key);
        if (v != std::floor(v)) throw ScoringError(std::string(key) + " must be a whole number, got " + std::to_string(v));
        return int64_t(v);
    };
    CdsParams p;
    p.span = integer(kSpan);
    p.distanceStep = integer(kDistanceStep);
    p.queryStride = integer(kQueryStride);
    p.minDistances = integer(kMinDistances);
    return p;
}

const Scorer& cdsScorer() {
    static const CdsScorer s;
    return s;
}

}  // namespace gateau::scoring
