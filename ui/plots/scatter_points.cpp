#include "ui/plots/scatter_points.h"

#include <algorithm>

namespace gateau::ui {

ScatterPoints prepareScatter(std::vector<ScatterItem> items, size_t seriesCount) {
    ScatterPoints p;
    std::vector<QVector<QCPGraphData>> data(seriesCount);
    for (const ScatterItem& it : items) {
        if (!drawable(it) || it.series < 0 || size_t(it.series) >= seriesCount) continue;
        data[size_t(it.series)].push_back(QCPGraphData(it.x, it.y));
        p.xlo = std::min(p.xlo, it.x);
        p.xhi = std::max(p.xhi, it.x);
        p.ylo = std::min(p.ylo, it.y);
        p.yhi = std::max(p.yhi, it.y);
    }
    for (auto& d : data) {
        std::stable_sort(d.begin(), d.end(), [](const QCPGraphData& a, const QCPGraphData& b) { return a.key < b.key; });
        auto container = QSharedPointer<QCPGraphDataContainer>::create();
        container->set(d, true);
        p.series.push_back(std::move(container));
    }
    p.items = std::move(items);
    return p;
}

}  // namespace gateau::ui
