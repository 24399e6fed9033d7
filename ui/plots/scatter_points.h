#pragma once
// A scatter's points made ready for drawing off the GUI thread: the per-category QCustomPlot
// data (sorted by x, which QCPGraph needs) is built by prepareScatter on a worker, and the
// GUI thread only shares the containers into its graphs (no copy, no sort). For the home view
// (all points, the plot's size when prepared) it also thins each category to one point per
// occupied pixel cell: what the screen can show of a dense cloud, drawn in a fraction of the
// time (100k points held the GUI thread ~80 ms per replot, bench_browser). Zoomed, panned or
// resized, the canvas draws the full data; brushing and hit tests always use every item.

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
    // series thinned for the home view on a plot area of `grid` pixels; empty: not thinned.
    std::vector<QSharedPointer<QCPGraphDataContainer>> thinned;
    QSize grid;
};

// The home view's axis range for data in [lo, hi] (a little padding; a unit span when empty).
QCPRange homeRange(double lo, double hi);

// Pure: safe on any thread. Items whose series is outside [0, seriesCount) are kept in
// items but drawn in no series. `plotArea`: the plot's axis rect in pixels, for thinning
// (invalid: no thinning).
ScatterPoints prepareScatter(std::vector<ScatterItem> items, size_t seriesCount, QSize plotArea = {});

}  // namespace gateau::ui
