#pragma once
// Rank statistics over plain score vectors: average ranks (ties share the mean of their
// positions), Spearman's rank correlation and Kendall's tau-b. auroc() ranks through
// averageRanks too.
#include <vector>

namespace gateau::scoring {

// 1-based ranks in ascending order of value; tied values get the mean of the ranks they span.
// Values must not be NaN.
std::vector<double> averageRanks(const std::vector<double>& values);

// Spearman's rho with ties: the Pearson correlation of the two vectors' average ranks.
// NaN when the sizes differ, there are fewer than 2 values, either side is constant, or a
// value is NaN.
double spearman(const std::vector<double>& x, const std::vector<double>& y);

// Kendall's tau-b: (concordant - discordant) / sqrt((n0 - ties in x) (n0 - ties in y)),
// n0 = n(n-1)/2, a pair tied in x or y being neither concordant nor discordant. Knight's
// O(n log n) algorithm (sort by x then y, count the swaps of a merge sort by y), so 100k
// samples take milliseconds. NaN under the same conditions as spearman().
double kendallTauB(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace gateau::scoring
