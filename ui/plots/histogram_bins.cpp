#include "ui/plots/histogram_bins.h"

#include <algorithm>
#include <cmath>

namespace gateau::ui {
namespace {

double quantileSorted(const std::vector<double>& s, double q) {
    const double pos = q * static_cast<double>(s.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, s.size() - 1);
    return s[lo] + (pos - static_cast<double>(lo)) * (s[hi] - s[lo]);
}

}  // namespace

int suggestedBinCount(const std::vector<double>& sortedFinite) {
    const size_t n = sortedFinite.size();
    if (n < 2) return 10;
    const double range = sortedFinite.back() - sortedFinite.front();
    const double iqr = quantileSorted(sortedFinite, 0.75) - quantileSorted(sortedFinite, 0.25);
    double bins = std::sqrt(static_cast<double>(n));
    if (iqr > 0.0 && range > 0.0) {
        const double width = 2.0 * iqr / std::cbrt(static_cast<double>(n));
        bins = std::ceil(range / width);
    }
    return static_cast<int>(std::clamp(bins, 10.0, 100.0));
}

HistogramBins computeHistogramBins(const std::vector<double>& values, double threshold) {
    HistogramBins out;
    std::vector<double> finite;
    finite.reserve(values.size());
    for (double v : values) {
        if (std::isfinite(v)) finite.push_back(v);
    }
    if (finite.empty()) return out;
    std::sort(finite.begin(), finite.end());
    const int nb = suggestedBinCount(finite);
    double lo = finite.front();
    double hi = finite.back();
    if (hi == lo) {
        // One distinct value: give it a visible neighbourhood instead of zero-width bins.
        const double span = lo != 0.0 ? std::abs(lo) * 0.1 : 1.0;
        lo -= span / 2;
        hi += span / 2;
    }
    const double width = (hi - lo) / nb;

    if (std::isfinite(threshold) && threshold > lo && threshold <= hi) {
        const auto below = static_cast<int>(std::ceil((threshold - lo) / width));
        const int above = std::max(1, static_cast<int>(std::ceil((hi - threshold) / width)));
        for (int i = below; i > 0; --i) out.edges.push_back(threshold - i * width);
        out.edges.push_back(threshold);  // exact, so values equal to it land on the selected side
        for (int j = 1; j <= above; ++j) out.edges.push_back(threshold + j * width);
        // Rounding in the multiplications must not leave the extremes uncovered.
        if (out.edges.front() > lo) out.edges.insert(out.edges.begin(), out.edges.front() - width);
        if (out.edges.back() < hi) out.edges.push_back(out.edges.back() + width);
    } else {
        for (int i = 0; i < nb; ++i) out.edges.push_back(lo + i * width);
        out.edges.push_back(hi);
    }

    out.counts.assign(out.edges.size() - 1, 0);
    for (double v : finite) {
        const int idx = histogramBinIndex(out.edges, v);
        if (idx >= 0) ++out.counts[static_cast<size_t>(idx)];
    }
    return out;
}

int histogramBinIndex(const std::vector<double>& edges, double value) {
    if (edges.size() < 2 || !(value >= edges.front() && value <= edges.back())) return -1;
    const auto it = std::upper_bound(edges.begin(), edges.end(), value);
    const auto idx = static_cast<int>(it - edges.begin()) - 1;
    return std::min(idx, static_cast<int>(edges.size()) - 2);
}

}  // namespace gateau::ui
