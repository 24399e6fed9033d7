#pragma once
// The test suites' independent Spearman reference: by the definition, O(n^2).
#include <cmath>
#include <cstddef>
#include <vector>

namespace gateau::test {

// rank = 1 + #smaller + (#equal others) / 2 (average ranks for ties), then Pearson of the
// ranks; the mean rank is (n + 1) / 2 either way.
inline double naiveSpearman(const std::vector<double>& x, const std::vector<double>& y) {
    auto ranks = [](const std::vector<double>& v) {
        std::vector<double> r(v.size(), 1.0);
        for (size_t i = 0; i < v.size(); ++i)
            for (size_t j = 0; j < v.size(); ++j)
                if (j != i) r[i] += v[j] < v[i] ? 1.0 : v[j] == v[i] ? 0.5 : 0.0;
        return r;
    };
    const auto rx = ranks(x), ry = ranks(y);
    const double m = (double(x.size()) + 1) / 2;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sxy += (rx[i] - m) * (ry[i] - m);
        sxx += (rx[i] - m) * (rx[i] - m);
        syy += (ry[i] - m) * (ry[i] - m);
    }
    return sxy / std::sqrt(sxx * syy);
}

}  // namespace gateau::test
