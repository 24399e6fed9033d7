#include "ui/plots/scatter_points.h"

#include <algorithm>

namespace gateau::ui {
namespace {

// Below this many drawable points a replot is cheap: no thinning.
constexpr size_t kThinFrom = 20000;
// Dense clouds are drawn as ~3 px discs (ScatterCanvas): two whose centres share a 2x2 pixel
// cell overlap by most of their area, so one of them shows what both would.
constexpr int kCellPx = 2;

QSharedPointer<QCPGraphDataContainer> containerOf(QVector<QCPGraphData>& d) {
    std::stable_sort(d.begin(), d.end(), [](const QCPGraphData& a, const QCPGraphData& b) { return a.key < b.key; });
    auto container = QSharedPointer<QCPGraphDataContainer>::create();
    container->set(d, true);
    return container;
}

}  // namespace

QCPRange homeRange(double lo, double hi) {
    if (!(lo <= hi)) return QCPRange(0, 1);
    if (hi == lo) {
        const double span = lo != 0.0 ? std::abs(lo) * 0.1 : 1.0;
        return QCPRange(lo - span, hi + span);
    }
    const double pad = (hi - lo) * 0.04;
    return QCPRange(lo - pad, hi + pad);
}

ScatterPoints prepareScatter(std::vector<ScatterItem> items, size_t seriesCount, QSize plotArea) {
    ScatterPoints p;
    std::vector<QVector<QCPGraphData>> data(seriesCount);
    size_t drawn = 0;
    for (const ScatterItem& it : items) {
        if (!drawable(it) || it.series < 0 || size_t(it.series) >= seriesCount) continue;
        data[size_t(it.series)].push_back(QCPGraphData(it.x, it.y));
        p.xlo = std::min(p.xlo, it.x);
        p.xhi = std::max(p.xhi, it.x);
        p.ylo = std::min(p.ylo, it.y);
        p.yhi = std::max(p.yhi, it.y);
        ++drawn;
    }
    if (drawn >= kThinFrom && plotArea.width() > 0 && plotArea.height() > 0) {
        // One point per occupied cell and series, in the home view's pixel grid.
        const QCPRange xr = homeRange(p.xlo, p.xhi), yr = homeRange(p.ylo, p.yhi);
        const int w = std::max(1, plotArea.width() / kCellPx), h = std::max(1, plotArea.height() / kCellPx);
        const double sx = w / xr.size(), sy = h / yr.size();
        std::vector<bool> taken(size_t(w) * size_t(h));
        for (auto& d : data) {
            std::fill(taken.begin(), taken.end(), false);
            QVector<QCPGraphData> kept;
            for (const QCPGraphData& g : d) {
                const int cx = std::clamp(int((g.key - xr.lower) * sx), 0, w - 1);
                const int cy = std::clamp(int((g.value - yr.lower) * sy), 0, h - 1);
                const size_t cell = size_t(cy) * size_t(w) + size_t(cx);
                if (taken[cell]) continue;
                taken[cell] = true;
                kept.push_back(g);
            }
            p.thinned.push_back(containerOf(kept));
        }
        p.grid = plotArea;
    }
    for (auto& d : data) p.series.push_back(containerOf(d));
    p.items = std::move(items);
    return p;
}

}  // namespace gateau::ui
