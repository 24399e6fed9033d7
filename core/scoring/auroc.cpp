#include "core/scoring/auroc.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace gateau::scoring {

double auroc(const std::vector<double>& scores, const std::vector<bool>& positive) {
    if (scores.size() != positive.size()) throw ScoringError("auroc: scores and labels differ in length");
    const size_t n = scores.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    for (double s : scores)
        if (std::isnan(s)) throw ScoringError("auroc: NaN score");
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
    // Average ranks (1-based) over ties, then U = sum of positive ranks - P(P+1)/2.
    double rankSumPos = 0;
    size_t pos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && scores[order[j]] == scores[order[i]]) ++j;
        const double avg = (double(i + 1) + double(j)) / 2.0;
        for (size_t k = i; k < j; ++k)
            if (positive[order[k]]) {
                rankSumPos += avg;
                ++pos;
            }
        i = j;
    }
    const size_t neg = n - pos;
    if (pos == 0 || neg == 0) throw ScoringError("auroc: needs at least one positive and one negative sample");
    const double u = rankSumPos - double(pos) * double(pos + 1) / 2.0;
    return u / (double(pos) * double(neg));
}

}  // namespace gateau::scoring
