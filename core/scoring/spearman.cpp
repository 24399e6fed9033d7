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

}  // namespace gateau::scoring
