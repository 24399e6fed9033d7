#include "core/scoring/spearman.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace gateau::scoring {

std::vector<double> averageRanks(const std::vector<double>& values) {
    const size_t n = values.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(n);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && values[order[j]] == values[order[i]]) ++j;
        const double avg = (double(i + 1) + double(j)) / 2.0;
        for (size_t k = i; k < j; ++k) ranks[order[k]] = avg;
        i = j;
    }
    return ranks;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    const size_t n = x.size();
    if (n < 2 || y.size() != n) return kNaN;
    for (size_t i = 0; i < n; ++i)
        if (std::isnan(x[i]) || std::isnan(y[i])) return kNaN;
    const std::vector<double> rx = averageRanks(x), ry = averageRanks(y);
    const double mean = (double(n) + 1.0) / 2.0;  // the mean of any average-rank vector
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; ++i) {
        sxy += (rx[i] - mean) * (ry[i] - mean);
        sxx += (rx[i] - mean) * (rx[i] - mean);
        syy += (ry[i] - mean) * (ry[i] - mean);
    }
    if (sxx == 0 || syy == 0) return kNaN;
    return sxy / std::sqrt(sxx * syy);
}

namespace {

// Pairs within runs of equal values of a sorted sequence: sum of t(t-1)/2.
template <class Equal>
double tiedPairs(size_t n, Equal equal) {
    double pairs = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && equal(i, j)) ++j;
        pairs += double(j - i) * double(j - i - 1) / 2.0;
        i = j;
    }
    return pairs;
}

// Stable merge sort of v[lo, hi) ascending; returns how many inversions (strictly greater
// before smaller) it removed, which is the number of discordant pairs.
double mergeCountSwaps(std::vector<double>& v, std::vector<double>& tmp, size_t lo, size_t hi) {
    if (hi - lo < 2) return 0;
    const size_t mid = lo + (hi - lo) / 2;
    double swaps = mergeCountSwaps(v, tmp, lo, mid) + mergeCountSwaps(v, tmp, mid, hi);
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        if (v[j] < v[i]) {
            swaps += double(mid - i);
            tmp[k++] = v[j++];
        } else {
            tmp[k++] = v[i++];
        }
    }
    while (i < mid) tmp[k++] = v[i++];
    while (j < hi) tmp[k++] = v[j++];
    std::copy(tmp.begin() + std::ptrdiff_t(lo), tmp.begin() + std::ptrdiff_t(hi), v.begin() + std::ptrdiff_t(lo));
    return swaps;
}

}  // namespace

double kendallTauB(const std::vector<double>& x, const std::vector<double>& y) {
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    const size_t n = x.size();
    if (n < 2 || y.size() != n) return kNaN;
    for (size_t i = 0; i < n; ++i)
        if (std::isnan(x[i]) || std::isnan(y[i])) return kNaN;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return x[a] != x[b] ? x[a] < x[b] : y[a] < y[b]; });
    const double n0 = double(n) * double(n - 1) / 2.0;
    const double tiesX = tiedPairs(n, [&](size_t i, size_t j) { return x[order[i]] == x[order[j]]; });
    const double tiesXY = tiedPairs(
        n, [&](size_t i, size_t j) { return x[order[i]] == x[order[j]] && y[order[i]] == y[order[j]]; });
    // Within a run of equal x the y are already ascending, so the merge counts only pairs
    // that differ in x as swaps: exactly the discordant ones.
    std::vector<double> ys(n), tmp(n);
    for (size_t i = 0; i < n; ++i) ys[i] = y[order[i]];
    const double discordant = mergeCountSwaps(ys, tmp, 0, n);
    const double tiesY = tiedPairs(n, [&](size_t i, size_t j) { return ys[i] == ys[j]; });
    const double denom = std::sqrt((n0 - tiesX) * (n0 - tiesY));
    if (denom == 0) return kNaN;
    return (n0 - tiesX - tiesY + tiesXY - 2.0 * discordant) / denom;
}

}  // namespace gateau::scoring
