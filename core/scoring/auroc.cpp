#include "core/scoring/auroc.h"

#include "core/scoring/spearman.h"

#include <cmath>

namespace gateau::scoring {

double auroc(const std::vector<double>& scores, const std::vector<bool>& positive) {
    if (scores.size() != positive.size()) throw ScoringError("auroc: scores and labels differ in length");
    const size_t n = scores.size();
    for (double v : scores)
        if (std::isnan(v)) throw ScoringError("auroc: NaN score");
    // U = sum of the positives' average ranks (ties counted half) - P(P+1)/2.
    const std::vector<double> ranks = averageRanks(scores);
    double rankSumPos = 0;
    size_t pos = 0;
    for (size_t i = 0; i < n; ++i)
        if (positive[i]) {
            rankSumPos += ranks[i];
            ++pos;
        }
    const size_t neg = n - pos;
    if (pos == 0 || neg == 0) throw ScoringError("auroc: needs at least one positive and one negative sample");
    const double u = rankSumPos - double(pos) * double(pos + 1) / 2.0;
    return u / (double(pos) * double(neg));
}

}  // namespace gateau::scoring
