#pragma once
// Synthetic but realistically shaped score tables for the plot tests and the gallery.
// HMG and CAM behave like softmax outputs over the dataset (positive, ~1/N, long right tail,
// correlated); combined = 0.7*HMG + 0.3*CAM as in GATEAU; PPL is a perplexity, IFD a ratio.

#include "ui/plots/plot_data.h"

#include <QStringList>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace gateau::ui::testdata {

struct ScoreTable {
    std::vector<int64_t> ids;
    QStringList names;
    std::vector<std::vector<double>> columns;  // combined, HMG, CAM, PPL, IFD
    std::vector<PlotDecision> decisions;
    double threshold = 0;  // combined score of the last selected sample
};

inline std::vector<double> softmax(const std::vector<double>& logits) {
    const double m = *std::max_element(logits.begin(), logits.end());
    std::vector<double> out(logits.size());
    double sum = 0;
    for (size_t i = 0; i < logits.size(); ++i) sum += out[i] = std::exp(logits[i] - m);
    for (double& v : out) v /= sum;
    return out;
}

inline ScoreTable makeScoreTable(size_t n, double topFraction, unsigned seed = 7) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<double> lh(n), lc(n), ppl(n), ifd(n);
    for (size_t i = 0; i < n; ++i) {
        lh[i] = 0.9 * normal(rng);
        lc[i] = 0.55 * lh[i] + 0.7 * normal(rng);
        ppl[i] = std::exp(1.6 + 0.45 * normal(rng) - 0.3 * lh[i]);
        ifd[i] = std::clamp(0.85 + 0.1 * lh[i] + 0.12 * normal(rng), 0.2, 1.6);
    }
    ScoreTable t;
    t.names = {QStringLiteral("combined"), QStringLiteral("HMG"), QStringLiteral("CAM"), QStringLiteral("PPL"),
               QStringLiteral("IFD")};
    const std::vector<double> hmg = softmax(lh);
    const std::vector<double> cam = softmax(lc);
    std::vector<double> combined(n);
    for (size_t i = 0; i < n; ++i) combined[i] = 0.7 * hmg[i] + 0.3 * cam[i];
    t.columns = {combined, hmg, cam, ppl, ifd};
    for (size_t i = 0; i < n; ++i) t.ids.push_back(static_cast<int64_t>(1000 + i));

    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return combined[a] > combined[b]; });
    const auto k = static_cast<size_t>(std::ceil(topFraction * static_cast<double>(n)));
    t.decisions.assign(n, PlotDecision::AutoRejected);
    for (size_t r = 0; r < k; ++r) t.decisions[order[r]] = PlotDecision::AutoSelected;
    t.threshold = combined[order[k - 1]];
    // A few manual overrides: drops among the selected, keeps from just below and far below.
    for (size_t r = 3; r < k; r += k / 8 + 1) t.decisions[order[r]] = PlotDecision::Drop;
    for (size_t r = k + 5; r < n; r += n / 14 + 1) t.decisions[order[r]] = PlotDecision::Keep;
    return t;
}

}  // namespace gateau::ui::testdata
