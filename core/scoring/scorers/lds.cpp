// ProLong's long dependency score (LDS, Chen et al., ACL 2024; docs/scorers.md "LDS"): how
// much earlier segments of the prompt lower the perplexity of later ones, weighted by their
// distance and by how specific the dependency is. Its own pass (kPassSegmentPairs, on the LDS
// model, A by default) and opt-in: a run computes it only when RUN.json says "lds": 1.
#include "core/scoring/scorers/lds.h"

#include "core/scoring/formulas.h"
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/scorer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

namespace gateau::scoring {

namespace {

// splitmix64: a fixed, fully specified generator, so the pairs a sample draws do not depend on
// the standard library (std::uniform_int_distribution's algorithm is unspecified).
uint64_t splitmix(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Uniform in [0, bound), bound >= 1, without modulo bias.
uint64_t below(uint64_t& state, uint64_t bound) {
    const uint64_t limit = ~uint64_t(0) - (~uint64_t(0) % bound);
    for (;;) {
        const uint64_t x = splitmix(state);
        if (x < limit) return x % bound;
    }
}

// Pair number p of the enumeration (1,0), (2,0), (2,1), (3,0), ...: later i has i pairs, which
// start at i(i-1)/2.
std::pair<int64_t, int64_t> pairAt(uint64_t p) {
    auto i = int64_t((1.0 + std::sqrt(1.0 + 8.0 * double(p))) / 2.0);
    while (uint64_t(i) * uint64_t(i - 1) / 2 > p) --i;
    while (uint64_t(i + 1) * uint64_t(i) / 2 <= p) ++i;
    return {i, int64_t(p - uint64_t(i) * uint64_t(i - 1) / 2)};
}

}  // namespace

LdsSegments ldsSegments(int64_t tokens, int64_t segmentLen) {
    if (segmentLen < 1 || tokens < 0)
        throw ScoringError("LDS: segment length must be at least 1, got " + std::to_string(segmentLen));
    LdsSegments s;
    s.count = tokens / segmentLen;
    s.first = tokens - s.count * segmentLen;
    return s;
}

std::vector<std::pair<int64_t, int64_t>> ldsSamplePairs(int64_t segments, int64_t maxPairs, uint64_t seed) {
    std::vector<std::pair<int64_t, int64_t>> out;
    if (segments < 2 || maxPairs < 1) return out;
    const uint64_t total = uint64_t(segments) * uint64_t(segments - 1) / 2;
    const uint64_t k = std::min<uint64_t>(total, uint64_t(maxPairs));
    std::set<uint64_t> chosen;
    if (k == total) {
        for (uint64_t p = 0; p < total; ++p) chosen.insert(p);
    } else {
        // Floyd's algorithm: k distinct numbers of [0, total) in k draws, whatever total is.
        uint64_t state = seed;
        for (uint64_t j = total - k; j < total; ++j) {
            const uint64_t t = below(state, j + 1);
            if (!chosen.insert(t).second) chosen.insert(j);
        }
    }
    out.reserve(chosen.size());
    for (uint64_t p : chosen) out.push_back(pairAt(p));  // ascending p: sorted by (later, earlier)
    return out;
}

uint64_t ldsSampleSeed(const std::vector<int64_t>& ids, uint64_t runSeed) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the ids' 8 little-endian bytes each
    for (int64_t id : ids)
        for (int b = 0; b < 8; ++b) {
            h ^= (uint64_t(id) >> (8 * b)) & 0xffu;
            h *= 0x100000001b3ull;
        }
    uint64_t state = h ^ runSeed;
    return splitmix(state);
}

LdsResult longDependencyScore(const std::vector<double>& singlePpl, const std::vector<LdsPair>& pairs,
                              double threshold, int64_t windowSegments) {
    const auto n = int64_t(singlePpl.size());
    auto usable = [](double ppl) { return std::isfinite(ppl) && ppl > 0; };
    for (int64_t k = 0; k < n; ++k)
        if (!usable(singlePpl[size_t(k)]))
            throw ScoringError("LDS: segment " + std::to_string(k) + " has perplexity " +
                               std::to_string(singlePpl[size_t(k)]));
    // Per later segment: its sampled pairs' absolute PPL drops, the softmax logits of the
    // dependency specificity (as the authors' code: absolute, not relative, drops).
    std::map<int64_t, std::vector<double>> drops;
    for (const LdsPair& p : pairs) {
        if (p.later < 0 || p.later >= n || p.earlier < 0 || p.earlier >= p.later)
            throw ScoringError("LDS: pair (" + std::to_string(p.later) + ", " + std::to_string(p.earlier) +
                               ") is not a later and an earlier segment of " + std::to_string(n));
        if (!usable(p.ppl))
            throw ScoringError("LDS: pair (" + std::to_string(p.later) + ", " + std::to_string(p.earlier) +
                               ") has perplexity " + std::to_string(p.ppl));
        drops[p.later].push_back(singlePpl[size_t(p.later)] - p.ppl);
    }
    std::map<int64_t, double> specificity;
    for (const auto& [i, d] : drops) {
        if (d.size() == 1) {
            specificity[i] = 1.0;
            continue;
        }
        const double top = *std::max_element(d.begin(), d.end());
        double z = 0;
        for (double x : d) z += std::exp(x - top);
        double entropy = 0;
        for (double x : d) {
            const double q = std::exp(x - top) / z;
            if (q > 0) entropy -= q * std::log(q);
        }
        const double maxEntropy = std::log(double(d.size()));
        specificity[i] = std::clamp((maxEntropy - entropy) / maxEntropy, 0.0, 1.0);
    }
    LdsResult out;
    const double distanceScale = windowSegments > 1 ? 1.0 / double(windowSegments - 1) : 0.0;
    for (const LdsPair& p : pairs) {
        const double single = singlePpl[size_t(p.later)];
        const double strength = (single - p.ppl) / single;
        out.strength += strength;
        if (strength > threshold) {
            const double distance = std::clamp(double(p.later - p.earlier) * distanceScale, 0.0, 1.0);
            out.lds += (strength + distance) * specificity[p.later];
        }
    }
    if (!pairs.empty()) out.strength /= double(pairs.size());
    return out;
}

namespace {

constexpr const char* kSegmentLen = "lds_segment_len";
constexpr const char* kPairs = "lds_pairs";
constexpr const char* kSeed = "lds_seed";
constexpr const char* kThreshold = "lds_threshold";

class LdsScorer : public Scorer {
public:
    std::string key() const override { return "lds"; }
    std::string displayName() const override { return "LDS"; }
    std::string description() const override {
        return "ProLong's long dependency score: how much earlier prompt segments lower later segments' perplexity, "
               "weighted by distance and specificity";
    }
    std::vector<ScorerConfigKey> configKeys() const override {
        return {{"lds", 0, 0, 1, "1: compute LDS in this run (opt-in: it costs passes of its own)"},
                {kSegmentLen, 128, 2, 65536, "LDS segment length in tokens (ProLong's chunk_size, 128)"},
                {kPairs, 64, 1, 100000,
                 "LDS segment pairs scored per sample at most, drawn at random (ProLong's sample_size): the cost bound"},
                {kSeed, 0, 0, 4294967295.0,
                 "LDS pair sampling seed, mixed with a hash of each sample's tokens (reruns draw the same pairs)"},
                {kThreshold, 0.1, -1, 1,
                 "LDS: relative perplexity drop above which a pair counts (ProLong's dlt_ppl_threshold, 0.1)"}};
    }
    Passes passes() const override { return kPassSegmentPairs; }
    bool optIn() const override { return true; }
    std::vector<std::string> rawKeys() const override { return {"lds", "lds_strength"}; }
    RawValues compute(const SampleRawScores& s, const ScorerSettings& settings) const override {
        // Not run (a run without LDS, or a row scored before it): no values, so the column is
        // left out for the pool rather than filled with zeros.
        if (!s.ldsRan) return {};
        const LdsResult r =
            longDependencyScore(s.ldsSegmentPpl, s.ldsPairs, settingOf(settings, kThreshold), s.ldsWindowSegments);
        return {{"lds", r.lds}, {"lds_strength", r.strength}};
    }
    std::vector<ScoreDef> scores() const override {
        return {{"lds", "LDS",
                 "ProLong's long dependency score over the prompt's segment pairs (strength + distance, times "
                 "specificity, summed over pairs whose relative PPL drop exceeds lds_threshold)",
                 true},
                {"lds_strength", "LDS strength",
                 "Mean relative perplexity drop of a later prompt segment given an earlier one, over the sampled pairs",
                 true}};
    }
    std::vector<double> poolValues(const std::string& scoreKey, const std::vector<RawValues>& pool) const override {
        return column(pool, scoreKey);
    }
};

}  // namespace

const Scorer& ldsScorer() {
    static const LdsScorer s;
    return s;
}

LdsPassPlan ldsPassPlan(const std::vector<int64_t>& ids, const ScorerSettings& settings, int64_t maxTokens) {
    LdsPassPlan plan;
    plan.segmentLen = int64_t(settingOf(settings, kSegmentLen));
    const LdsSegments seg = ldsSegments(int64_t(ids.size()), plan.segmentLen);
    plan.first = seg.first;
    plan.segments = seg.count;
    plan.windowSegments = maxTokens / plan.segmentLen;
    plan.pairs = ldsSamplePairs(seg.count, int64_t(settingOf(settings, kPairs)),
                                ldsSampleSeed(ids, uint64_t(settingOf(settings, kSeed))));
    return plan;
}

}  // namespace gateau::scoring
