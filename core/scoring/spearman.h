#pragma once
// Rank statistics over plain score vectors: average ranks (ties share the mean of their
// positions) and Spearman's rank correlation. auroc() ranks through averageRanks too.
#include <vector>

namespace gateau::scoring {

// 1-based ranks in ascending order of value; tied values get the mean of the ranks they span.
// Values must not be NaN.
std::vector<double> averageRanks(const std::vector<double>& values);

// Spearman's rho with ties: the Pearson correlation of the two vectors' average ranks.
// NaN when the sizes differ, there are fewer than 2 values, either side is constant, or a
// value is NaN.
double spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace gateau::scoring
