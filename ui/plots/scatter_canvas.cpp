#include "ui/plots/scatter_canvas.h"

#include "ui/plots/plot_export.h"
#include "ui/plots/plot_style.h"

#include <qcustomplot.h>

#include <QMenu>
#include <QPainter>
#include <QPixmap>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace gateau::ui {
namespace {

constexpr double kHoverRadiusPx = 6.0;
// Above this many points, discs shrink: a dense cloud reads better with small dots.
constexpr size_t kDenseThreshold = 20000;

const char* const kFullTitleProperty = "gateauFullTitle";

}  // namespace

ScatterCanvas::ScatterCanvas(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_);

    plotstyle::applyBaseStyle(plot_);
    plot_->setSelectionRectMode(QCP::srmCustom);
    plot_->selectionRect()->setPen(QPen(plotstyle::kBlue, 1, Qt::DashLine));
    plot_->selectionRect()->setBrush(QColor(0x00, 0x72, 0xB2, 40));
    plotstyle::useScaledTickLabels(plot_->xAxis, QString());
    plotstyle::useScaledTickLabels(plot_->yAxis, QString());
    plotstyle::placeLegendBelow(plot_);
    plot_->setMouseTracking(true);
    plot_->installEventFilter(this);

    connect(plot_->selectionRect(), &QCPSelectionRect::accepted, this,
            [this](const QRect& rect, QMouseEvent*) { onRectAccepted(rect); });
    connect(plot_, &QCustomPlot::mouseRelease, this, &ScatterCanvas::onMouseRelease);
    connect(plot_, &QCustomPlot::mouseMove, this, &ScatterCanvas::onMouseMove);
    connect(plot_, &QCustomPlot::beforeReplot, this, &ScatterCanvas::fitTitleToWidth);
    connect(plot_, &QCustomPlot::beforeReplot, this, &ScatterCanvas::chooseData);
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
    installPlotContextMenu(plot_, [this](QMenu* menu) {
        menu->addAction(QStringLiteral("Reset view"), this, &ScatterCanvas::resetView);
        QAction* clear = menu->addAction(QStringLiteral("Clear brushing"), this, [this] { brush({}); });
        clear->setEnabled(!highlighted_.isEmpty());
        QAction* hint = menu->addAction(QStringLiteral("Drag: brush  \u00B7  Ctrl+drag: pan  \u00B7  Wheel: zoom"));
        hint->setEnabled(false);
    });
    rebuildGraphs();
}

void ScatterCanvas::setSeries(std::vector<ScatterSeries> series) {
    series_ = std::move(series);
    rebuildGraphs();
}

void ScatterCanvas::setItems(std::vector<ScatterItem> items, const QString& xLabel, const QString& yLabel) {
    setPoints(prepareScatter(std::move(items), series_.size(), plotArea()), xLabel, yLabel);
}

void ScatterCanvas::setPoints(ScatterPoints points, const QString& xLabel, const QString& yLabel) {
    points_ = std::move(points);
    plotstyle::setScaledAxisLabel(plot_->xAxis, xLabel);
    plotstyle::setScaledAxisLabel(plot_->yAxis, yLabel);
    rebuildGraphs();
    updateHighlightGraph();
    resetView();
}

void ScatterCanvas::setTitle(const QString& title) {
    if (!title_) {
        plot_->plotLayout()->insertRow(0);
        title_ = new QCPTextElement(plot_, title, QFont(QStringLiteral("DejaVu Sans"), 9, QFont::Bold));
        title_->setMargins(QMargins(6, 4, 6, 0));
        plot_->plotLayout()->addElement(0, 0, title_);
        plot_->plotLayout()->setRowStretchFactor(0, 0.001);
    }
    title_->setProperty(kFullTitleProperty, title);
    title_->setText(title);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString ScatterCanvas::title() const { return title_ ? title_->property(kFullTitleProperty).toString() : QString(); }

void ScatterCanvas::fitTitleToWidth() {
    if (!title_) return;
    // Titles are "part  ·  part"; when the line is wider than the plot, put each part on its
    // own line rather than clipping.
    const QString full = title();
    const int width = QFontMetrics(title_->font()).horizontalAdvance(full);
    const QString text = width > plot_->width() - 12 ? QString(full).replace(kTitleSeparator, QStringLiteral("\n")) : full;
    if (text != title_->text()) title_->setText(text);
}

void ScatterCanvas::setHighlighted(const QVector<qint64>& ids) {
    highlighted_ = ids;
    updateHighlightGraph();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QVector<qint64> ScatterCanvas::idsInRange(const QCPRange& x, const QCPRange& y) const {
    QVector<qint64> ids;
    for (const ScatterItem& it : points_.items) {
        if (drawable(it) && it.x >= x.lower && it.x <= x.upper && it.y >= y.lower && it.y <= y.upper) {
            ids.push_back(it.id);
        }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::optional<size_t> ScatterCanvas::itemNear(const QPoint& pixel, double radius) const {
    // Prefilter in plot coordinates (cheap comparisons), then measure true pixel distance.
    const QCPRange xr(plot_->xAxis->pixelToCoord(pixel.x() - radius), plot_->xAxis->pixelToCoord(pixel.x() + radius));
    const QCPRange yr(plot_->yAxis->pixelToCoord(pixel.y() - radius), plot_->yAxis->pixelToCoord(pixel.y() + radius));
    std::optional<size_t> best;
    double bestDist = radius * radius;
    for (size_t i = 0; i < points_.items.size(); ++i) {
        const ScatterItem& it = points_.items[i];
        if (!drawable(it) || !xr.contains(it.x) || !yr.contains(it.y)) continue;
        const double dx = plot_->xAxis->coordToPixel(it.x) - pixel.x();
        const double dy = plot_->yAxis->coordToPixel(it.y) - pixel.y();
        const double d = dx * dx + dy * dy;
        if (d <= bestDist) {
            bestDist = d;
            best = i;
        }
    }
    return best;
}

void ScatterCanvas::resetView() {
    plot_->xAxis->setRange(homeRange(points_.xlo, points_.xhi));
    plot_->yAxis->setRange(homeRange(points_.ylo, points_.yhi));
    // Queued: a burst of changes (new points, then the highlight) draws once.
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool ScatterCanvas::eventFilter(QObject* watched, QEvent* event) {
    // QCustomPlot either draws a selection rect or pans on a left drag, never both; choose per
    // press, before it sees the event. Other buttons must not start a rect (right = menu).
    if (watched == plot_ && event->type() == QEvent::MouseButtonPress) {
        auto* me = static_cast<QMouseEvent*>(event);
        pressPos_ = me->pos();
        brushGesture_ = me->button() == Qt::LeftButton && !(me->modifiers() & Qt::ControlModifier);
        plot_->setSelectionRectMode(brushGesture_ ? QCP::srmCustom : QCP::srmNone);
    }
    return QWidget::eventFilter(watched, event);
}

void ScatterCanvas::rebuildGraphs() {
    plot_->clearGraphs();
    graphs_.clear();
    thinnedShown_ = false;
    const bool dense = points_.items.size() > kDenseThreshold;
    for (size_t s = 0; s < series_.size(); ++s) {
        QCPGraph* g = plot_->addGraph();
        g->setLineStyle(QCPGraph::lsNone);
        const double size = dense ? std::max(2.0, series_[s].size * 0.6) : series_[s].size;
        // One cached, antialiased disc image per point: QPainter's ellipse per point made a
        // replot of a 100k-sample scatter cost ~80 ms (and 80-140 ms at 20k, still drawn that way).
        const int px = int(std::ceil(size));
        QPixmap disc(px, px);
        disc.fill(Qt::transparent);
        QPainter p(&disc);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(series_[s].colour);
        p.drawEllipse(QRectF(0, 0, size, size));
        p.end();
        g->setScatterStyle(QCPScatterStyle(disc));
        g->setAntialiasedScatters(false);
        // Shared, not copied: the container was built (and sorted) off the GUI thread. Dense
        // clouds are thinned per pixel when drawn (QCPGraph's adaptive sampling, on by default).
        const int count = s < points_.series.size() ? points_.series[s]->size() : 0;
        if (s < points_.series.size()) g->setData(points_.series[s]);  // chooseData may thin it
        g->setName(QStringLiteral("%1 (%2)").arg(series_[s].name).arg(count));
        if (count == 0) g->removeFromLegend();
        graphs_.push_back(g);
    }
    highlightGraph_ = plot_->addGraph();
    highlightGraph_->setLineStyle(QCPGraph::lsNone);
    highlightGraph_->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 1.6), Qt::NoBrush, dense ? 7 : 10));
    updateHighlightGraph();
}

QSize ScatterCanvas::plotArea() const { return plot_->axisRect()->rect().size(); }

void ScatterCanvas::chooseData() {
    // The thinned points only match the home view at the size they were made for.
    const bool home = !points_.thinned.empty() && plotArea() == points_.grid &&
                      plot_->xAxis->range() == homeRange(points_.xlo, points_.xhi) &&
                      plot_->yAxis->range() == homeRange(points_.ylo, points_.yhi);
    if (home == thinnedShown_) return;
    thinnedShown_ = home;
    const auto& data = home ? points_.thinned : points_.series;
    for (size_t s = 0; s < graphs_.size() && s < data.size(); ++s) graphs_[s]->setData(data[s]);
}

void ScatterCanvas::updateHighlightGraph() {
    if (!highlightGraph_) return;
    const std::unordered_set<qint64> wanted(highlighted_.begin(), highlighted_.end());
    QVector<double> xs, ys;
    if (!wanted.empty()) {
        for (const ScatterItem& it : points_.items) {
            if (drawable(it) && wanted.count(it.id)) {
                xs.push_back(it.x);
                ys.push_back(it.y);
            }
        }
    }
    highlightGraph_->setData(xs, ys);
    highlightGraph_->setName(QStringLiteral("Highlighted (%1)").arg(xs.size()));
    if (xs.isEmpty()) {
        highlightGraph_->removeFromLegend();
    } else {
        highlightGraph_->addToLegend();
    }
}

void ScatterCanvas::brush(QVector<qint64> ids) {
    highlighted_ = ids;
    updateHighlightGraph();
    plot_->replot();
    emit brushed(std::move(ids));
}

void ScatterCanvas::onRectAccepted(const QRect& rect) {
    const QRect r = rect.normalized();
    QCPRange x(plot_->xAxis->pixelToCoord(r.left()), plot_->xAxis->pixelToCoord(r.right()));
    QCPRange y(plot_->yAxis->pixelToCoord(r.top()), plot_->yAxis->pixelToCoord(r.bottom()));
    x.normalize();
    y.normalize();
    brush(idsInRange(x, y));
}

void ScatterCanvas::onMouseRelease(QMouseEvent* event) {
    // QCustomPlot cancels the rect when the mouse barely moved; treat that as a click.
    const bool click = (event->pos() - pressPos_).manhattanLength() <= plot_->selectionTolerance();
    if (!brushGesture_ || !click || event->button() != Qt::LeftButton) return;
    const std::optional<size_t> hit = itemNear(event->pos(), kHoverRadiusPx);
    brush(hit ? QVector<qint64>{points_.items[*hit].id} : QVector<qint64>{});
}

void ScatterCanvas::onMouseMove(QMouseEvent* event) {
    if (event->buttons() != Qt::NoButton) return;
    const std::optional<size_t> hit = itemNear(event->pos(), kHoverRadiusPx);
    if (!hit) {
        QToolTip::hideText();
        return;
    }
    const ScatterItem& it = points_.items[*hit];
    const QString text = toolTipText_ ? toolTipText_(*hit)
                                      : QStringLiteral("Sample %1\nx = %2\ny = %3")
                                            .arg(it.id)
                                            .arg(it.x, 0, 'g', 6)
                                            .arg(it.y, 0, 'g', 6);
    QToolTip::showText(plot_->mapToGlobal(event->pos()), text, plot_);
}

}  // namespace gateau::ui
