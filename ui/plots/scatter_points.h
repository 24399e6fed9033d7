#pragma once
// A scatter's points made ready for drawing off the GUI thread: the per-category QCustomPlot
// data (sorted by x, which QCPGraph needs) is built by prepareScatter on a worker, and the
// GUI thread only shares the containers into its graphs (no copy, no sort). At 100k points
// building and sorting these cost ~40 ms of the GUI thread per plot (bench_browser).

#include <qcustomplot.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace gateau::ui {

struct ScatterItem {
    int64_t id;
    double x;
    double y;
    int series;     // index into the series list; series are drawn in list order, last on top
};

inline bool drawable(const ScatterItem& it) { return std::isfinite(it.x) && std::isfinite(it.y); }

struct ScatterPoints {
    std::vector<ScatterItem> items;  // all of them, for ids, brushing and hit tests
    // Drawable items of each series (x, y), sorted by x. Never written once made, so the
    // graphs and a newer preparation may share them.
    std::vector<QSharedPointer<QCPGraphDataContainer>> series;
    // Bounds of the drawable items; lo > hi when there are none.
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
};

// Pure: safe on any thread. Items whose series is outside [0, seriesCount) are kept in
// items but drawn in no series.
ScatterPoints prepareScatter(std::vector<ScatterItem> items, size_t seriesCount);

}  // namespace gateau::ui
