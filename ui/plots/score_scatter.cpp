#include "ui/plots/score_scatter.h"

#include "ui/plots/plot_style.h"
#include "ui/plots/scatter_canvas.h"

#include <QVBoxLayout>

namespace gateau::ui {
namespace {

// Drawing order, bottom to top: the many rejected points must not bury the few that matter.
constexpr PlotDecision kOrder[] = {PlotDecision::AutoRejected, PlotDecision::AutoSelected, PlotDecision::Keep,
                                   PlotDecision::Drop};

int seriesOf(PlotDecision d) {
    for (int i = 0; i < 4; ++i) {
        if (kOrder[i] == d) return i;
    }
    return 0;
}

}  // namespace

ScoreScatter::ScoreScatter(QWidget* parent) : QWidget(parent), canvas_(new ScatterCanvas(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(canvas_);
    std::vector<ScatterSeries> series;
    for (PlotDecision d : kOrder) {
        QColor c = plotstyle::decisionColour(d);
        // Grey dots are translucent so density still shows where thousands overlap.
        if (d == PlotDecision::AutoRejected) c.setAlpha(140);
        const bool manual = d == PlotDecision::Keep || d == PlotDecision::Drop;
        series.push_back({plotstyle::decisionName(d), c, manual ? 6.5 : 4.5});
    }
    canvas_->setSeries(std::move(series));
    canvas_->setToolTipText([this](size_t i) {
        const PlotPoint& p = points_[i];
        return QStringLiteral("Sample %1\n%2: %3\n%4: %5\n%6")
            .arg(p.sampleId)
            .arg(xLabel_.isEmpty() ? QStringLiteral("x") : xLabel_)
            .arg(p.x, 0, 'g', 6)
            .arg(yLabel_.isEmpty() ? QStringLiteral("y") : yLabel_)
            .arg(p.y, 0, 'g', 6)
            .arg(plotstyle::decisionName(p.decision));
    });
    connect(canvas_, &ScatterCanvas::brushed, this, &ScoreScatter::brushed);
}

ScoreScatterData prepareScoreScatter(std::vector<PlotPoint> points, QSize plotArea) {
    std::vector<ScatterItem> items;
    items.reserve(points.size());
    for (const PlotPoint& p : points) items.push_back({p.sampleId, p.x, p.y, seriesOf(p.decision)});
    return {std::move(points), prepareScatter(std::move(items), std::size(kOrder), plotArea)};
}

void ScoreScatter::setPoints(std::vector<PlotPoint> points, QString xLabel, QString yLabel) {
    setPrepared(prepareScoreScatter(std::move(points), canvas_->plotArea()), std::move(xLabel), std::move(yLabel));
}

void ScoreScatter::setPrepared(ScoreScatterData data, QString xLabel, QString yLabel) {
    points_ = std::move(data.points);
    xLabel_ = std::move(xLabel);
    yLabel_ = std::move(yLabel);
    canvas_->setPoints(std::move(data.drawn), xLabel_, yLabel_);
}

void ScoreScatter::setHighlighted(QVector<qint64> ids) { canvas_->setHighlighted(ids); }
QVector<qint64> ScoreScatter::highlighted() const { return canvas_->highlighted(); }
QCustomPlot* ScoreScatter::customPlot() const { return canvas_->customPlot(); }
QSize ScoreScatter::plotArea() const { return canvas_->plotArea(); }
void ScoreScatter::resetView() { canvas_->resetView(); }

}  // namespace gateau::ui
