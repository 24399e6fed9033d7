#pragma once
// ProLong's long dependency score (LDS; Chen et al., ACL 2024, docs/scorers.md "LDS"): the
// sample's prompt cut into equal segments, the perplexity of a later segment alone against
// the same segment after an earlier one, over a bounded, per-sample deterministic sample of
// segment pairs. The math and the sampling, apart from the passes (sample_scorer.cpp) so
// that tests can check them against a naive reference. Qt-free, torch-free.
#include <cstdint>
#include <utility>
#include <vector>

#include "core/scoring/scorers/scorer.h"

namespace gateau::scoring {

// One sampled pair: PPL of segment `later` (its tokens after the first) read right after
// segment `earlier` (earlier < later).
struct LdsPair {
    int64_t later = 0, earlier = 0;
    double ppl = 0;
};

struct LdsResult {
    double lds = 0;       // sum over the kept pairs of (strength + distance) * specificity
    double strength = 0;  // mean relative PPL drop over all sampled pairs; 0 without pairs
};

// Where the segments lie in a prompt of `tokens` tokens: `count` = tokens / segmentLen complete
// segments ending at the last token (segment k covers [first + k*len, first + (k+1)*len)); the
// incomplete remainder is at the start (template head), so the response is always covered.
struct LdsSegments {
    int64_t first = 0, count = 0;
};
LdsSegments ldsSegments(int64_t tokens, int64_t segmentLen);

// min(maxPairs, n(n-1)/2) distinct pairs (later, earlier), later > earlier, drawn uniformly
// without replacement by a generator seeded with `seed`, sorted by (later, earlier). All pairs
// when there are no more than maxPairs.
std::vector<std::pair<int64_t, int64_t>> ldsSamplePairs(int64_t segments, int64_t maxPairs, uint64_t seed);

// The sampling seed of one sample: the run's lds_seed mixed with a hash of the prompt's token
// ids, so a sample draws the same pairs in every run and on every device.
uint64_t ldsSampleSeed(const std::vector<int64_t>& ids, uint64_t runSeed);

// The score from the passes' perplexities. singlePpl[k]: segment k alone. windowSegments: the
// distance scale's N (max_tokens / segmentLen), distance = clip((i - j) / (N - 1), 0, 1).
// Throws ScoringError on a pair index out of range, earlier >= later, or a PPL that is not
// finite and positive.
LdsResult longDependencyScore(const std::vector<double>& singlePpl, const std::vector<LdsPair>& pairs,
                              double threshold, int64_t windowSegments);

// What the pass scores for one prompt (its ids up to the response's end) under a run's
// settings: the segments, the distance scale and the sampled pairs.
struct LdsPassPlan {
    int64_t segmentLen = 0, first = 0, segments = 0, windowSegments = 0;
    std::vector<std::pair<int64_t, int64_t>> pairs;  // (later, earlier)
};
LdsPassPlan ldsPassPlan(const std::vector<int64_t>& ids, const ScorerSettings& settings, int64_t maxTokens);

}  // namespace gateau::scoring
