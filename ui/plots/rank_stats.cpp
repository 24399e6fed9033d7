#include "ui/plots/rank_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace gateau::ui {

std::vector<int64_t> ranksDescending(const std::vector<int64_t>& ids, const std::vector<double>& values) {
    const size_t n = std::min(ids.size(), values.size());
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t l, size_t r) {
        const double a = values[l];
        const double b = values[r];
        const bool aNan = std::isnan(a);
        const bool bNan = std::isnan(b);
        if (aNan != bNan) return bNan;  // numbers before NaN
        if (!aNan && a != b) return a > b;
        return ids[l] < ids[r];
    });
    std::vector<int64_t> ranks(n);
    for (size_t pos = 0; pos < n; ++pos) ranks[order[pos]] = static_cast<int64_t>(pos + 1);
    return ranks;
}

double spearmanRho(const std::vector<int64_t>& ranksA, const std::vector<int64_t>& ranksB) {
    const size_t n = ranksA.size();
    if (n < 2 || ranksB.size() != n) return std::numeric_limits<double>::quiet_NaN();
    long double sumD2 = 0;
    for (size_t i = 0; i < n; ++i) {
        const long double d = static_cast<long double>(ranksA[i] - ranksB[i]);
        sumD2 += d * d;
    }
    const long double nn = static_cast<long double>(n);
    return static_cast<double>(1.0L - 6.0L * sumD2 / (nn * (nn * nn - 1.0L)));
}

size_t topCount(size_t n, double fraction) {
    if (!(fraction > 0.0)) return 0;
    if (fraction >= 1.0) return n;
    // The epsilon keeps e.g. 0.07 * 100 (= 7.000000000000001 in binary) at 7, not 8.
    const double k = std::ceil(fraction * static_cast<double>(n) - 1e-9);
    return std::min(n, static_cast<size_t>(std::max(0.0, k)));
}

}  // namespace gateau::ui
