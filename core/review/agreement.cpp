#include "core/review/agreement.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace gateau::review {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 1 - p_e is 0 when chance agreement is certain: kappa is undefined there, not 0 or 1.
double kappaOf(double observed, double expected) {
    const double room = 1.0 - expected;
    return std::fabs(room) < 1e-12 ? kNaN : (observed - expected) / room;
}
}  // namespace

PairAgreement cohenKappa(const std::vector<int>& a, const std::vector<int>& b, int categories) {
    if (a.size() != b.size())
        throw std::invalid_argument("cohenKappa: " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
                                    " ratings; both annotators must rate the same items");
    if (categories < 1) throw std::invalid_argument("cohenKappa: no categories");
    PairAgreement out;
    out.items = a.size();
    if (a.empty()) {
        out.observed = out.expected = out.kappa = kNaN;
        return out;
    }
    std::vector<double> shareA(size_t(categories), 0.0), shareB(size_t(categories), 0.0);
    size_t same = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] < 0 || a[i] >= categories || b[i] < 0 || b[i] >= categories)
            throw std::invalid_argument("cohenKappa: item " + std::to_string(i) + " has a category outside [0, " +
                                        std::to_string(categories) + ")");
        same += a[i] == b[i] ? 1 : 0;
        shareA[size_t(a[i])] += 1;
        shareB[size_t(b[i])] += 1;
    }
    const double n = double(a.size());
    out.observed = double(same) / n;
    for (int k = 0; k < categories; ++k) out.expected += (shareA[size_t(k)] / n) * (shareB[size_t(k)] / n);
    out.kappa = kappaOf(out.observed, out.expected);
    return out;
}

GroupAgreement fleissKappa(const std::vector<std::vector<int>>& counts) {
    GroupAgreement out;
    out.items = counts.size();
    if (counts.empty()) {
        out.observed = out.expected = out.kappa = kNaN;
        return out;
    }
    const size_t k = counts[0].size();
    int raters = 0;
    for (int c : counts[0]) raters += c;
    if (raters < 2) throw std::invalid_argument("fleissKappa: item 0 has " + std::to_string(raters) + " ratings, need >= 2");
    out.raters = size_t(raters);
    std::vector<double> categoryTotal(k, 0.0);
    double sumP = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        if (counts[i].size() != k) throw std::invalid_argument("fleissKappa: item " + std::to_string(i) + " has another number of categories");
        int total = 0;
        double squares = 0;
        for (size_t j = 0; j < k; ++j) {
            if (counts[i][j] < 0) throw std::invalid_argument("fleissKappa: item " + std::to_string(i) + " has a negative count");
            total += counts[i][j];
            squares += double(counts[i][j]) * counts[i][j];
            categoryTotal[j] += counts[i][j];
        }
        if (total != raters)
            throw std::invalid_argument("fleissKappa: item " + std::to_string(i) + " has " + std::to_string(total) +
                                        " ratings, item 0 has " + std::to_string(raters));
        sumP += (squares - raters) / (double(raters) * (raters - 1));
    }
    const double N = double(counts.size());
    out.observed = sumP / N;
    for (double t : categoryTotal) out.expected += (t / (N * raters)) * (t / (N * raters));
    out.kappa = kappaOf(out.observed, out.expected);
    return out;
}

}  // namespace gateau::review
