#pragma once
// Long-context key tokens (LongPPL, Fang et al., ICLR 2025; docs/scorers.md): the response
// tokens that the long-window model B predicts much better than the short-window model A.
#include <cstdint>
#include <vector>

namespace gateau::scoring {

struct KeyTokenStats {
    int64_t keyTokens = 0;  // tokens with log p_B - log p_A > threshold
    double share = 0;       // keyTokens / response tokens
    double gain = 0;        // mean log p_B - log p_A over the key tokens; 0 when there are none
};

// Throws ScoringError on empty or unequal spans, or a NaN log-prob.
KeyTokenStats keyTokenStats(const std::vector<float>& logprobsA, const std::vector<float>& logprobsB, double threshold);

}  // namespace gateau::scoring
