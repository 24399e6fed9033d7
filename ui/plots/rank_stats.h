#pragma once
// Rank arithmetic for comparing two scorings of the same samples.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gateau::ui {

// Rank of each sample (parallel to ids/values): 1 = highest value. Ties, and NaN values
// (ranked after every number), are broken by ascending id, so the ranks are always a
// permutation of 1..n and a ranking never depends on input order.
std::vector<int64_t> ranksDescending(const std::vector<int64_t>& ids, const std::vector<double>& values);

// Spearman's rho of two rankings that are permutations of 1..n: 1 - 6*sum(d^2)/(n(n^2-1)).
// NaN when n < 2 or the sizes differ.
double spearmanRho(const std::vector<int64_t>& ranksA, const std::vector<int64_t>& ranksB);

// How many samples the top `fraction` of n is: ceil(fraction * n), clamped to [0, n], so any
// positive fraction selects at least one sample.
size_t topCount(size_t n, double fraction);

}  // namespace gateau::ui
