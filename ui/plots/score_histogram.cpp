#include "ui/plots/score_histogram.h"

#include "ui/plots/plot_export.h"
#include "ui/plots/plot_style.h"

#include <qcustomplot.h>

#include <QMenu>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace gateau::ui {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// On a log axis a bar cannot start at 0; it starts here and empty bins are simply not drawn.
constexpr double kLogBase = 0.5;

QString formatScore(double v) { return QString::number(v, 'g', 4); }

}  // namespace

ScoreHistogram::ScoreHistogram(QWidget* parent)
    : QWidget(parent), plot_(new QCustomPlot(this)) {
    data_.threshold = kNaN;
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_);

    plotstyle::applyBaseStyle(plot_);
    plotstyle::useScaledTickLabels(plot_->xAxis, QString());
    plot_->yAxis->setLabel(QStringLiteral("Samples"));

    auto makeBars = [this](const QColor& fill, const QColor& edge) {
        auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
        bars->setWidthType(QCPBars::wtPlotCoords);
        bars->setBrush(fill);
        bars->setPen(QPen(edge, 1));
        bars->setAntialiased(false);
        return bars;
    };
    belowBars_ = makeBars(plotstyle::kGrey.lighter(125), plotstyle::kGrey.darker(115));
    aboveBars_ = makeBars(plotstyle::kBlue, plotstyle::kBlue.darker(130));
    highlightBars_ = makeBars(QColor(0x20, 0x20, 0x20, 150), QColor(0, 0, 0));
    highlightBars_->setName(QStringLiteral("Highlighted"));

    thresholdLine_ = new QCPItemStraightLine(plot_);
    thresholdLine_->setPen(QPen(QColor(0x20, 0x20, 0x20), 1.5, Qt::DashLine));
    thresholdText_ = new QCPItemText(plot_);
    thresholdText_->position->setTypeX(QCPItemPosition::ptPlotCoords);
    thresholdText_->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    thresholdText_->setFont(QFont(QStringLiteral("DejaVu Sans"), 8));
    thresholdText_->setColor(QColor(0x20, 0x20, 0x20));
    thresholdText_->setBrush(QColor(255, 255, 255, 220));
    thresholdText_->setPadding(QMargins(3, 1, 3, 1));
    thresholdText_->setClipToAxisRect(true);

    plotstyle::placeLegendBelow(plot_);
    // The cut label flips to the left of the line when the line nears the right edge.
    connect(plot_, &QCustomPlot::beforeReplot, this, &ScoreHistogram::placeThresholdLabel);
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
    plot_->setMouseTracking(true);
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        if (e->buttons() == Qt::NoButton) showBinToolTip(e->pos());
    });
    installPlotContextMenu(plot_, [this](QMenu* menu) {
        QAction* log = menu->addAction(QStringLiteral("Log y axis"));
        log->setCheckable(true);
        log->setChecked(logY_);
        connect(log, &QAction::toggled, this, &ScoreHistogram::setLogY);
        menu->addAction(QStringLiteral("Reset view"), this, &ScoreHistogram::resetView);
    });
    rebuild();
}

void ScoreHistogram::setScores(std::vector<double> values, QString label) {
    setPrepared(prepareHistogram(std::move(values), threshold_, std::move(selected_)), std::move(label));
}

void ScoreHistogram::setThreshold(double value, std::vector<bool> selected) {
    threshold_ = value;
    selected_ = std::move(selected);
    rebuild();
}

void ScoreHistogram::clearThreshold() { setThreshold(kNaN); }

void ScoreHistogram::setHighlightedValues(std::vector<double> values) {
    highlighted_ = std::move(values);
    updateBars();
    plot_->replot();
}

void ScoreHistogram::setLogY(bool on) {
    if (on == logY_) return;
    logY_ = on;
    if (on) {
        plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
        plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog));
    } else {
        plot_->yAxis->setScaleType(QCPAxis::stLinear);
        plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    updateBars();
    resetView();
}

double ScoreHistogram::thresholdLinePosition() const {
    return thresholdLine_->visible() ? thresholdLine_->point1->coords().x() : kNaN;
}

QString ScoreHistogram::thresholdLabelText() const {
    return thresholdText_->visible() ? thresholdText_->text() : QString();
}

HistogramData prepareHistogram(std::vector<double> values, double threshold, std::vector<bool> selected) {
    HistogramData d;
    d.values = std::move(values);
    d.selected = std::move(selected);
    d.threshold = threshold;
    d.bins = computeHistogramBins(d.values, threshold);
    d.selectedCounts.assign(d.bins.counts.size(), 0);
    if (!std::isfinite(threshold)) return d;
    // Selected samples per bin; the blue bar is drawn over the grey one of the whole bin.
    const bool given = d.selected.size() == d.values.size();
    size_t total = 0, above = 0;
    for (size_t v = 0; v < d.values.size(); ++v) {
        const double x = d.values[v];
        if (std::isfinite(x)) {
            ++total;
            if (x >= threshold) ++above;
        }
        if (!(given ? d.selected[v] : x >= threshold)) continue;
        const int idx = histogramBinIndex(d.bins.edges, x);
        if (idx >= 0) ++d.selectedCounts[static_cast<size_t>(idx)];
    }
    d.cutPercent = total ? 100.0 * static_cast<double>(above) / static_cast<double>(total) : 0.0;
    return d;
}

void ScoreHistogram::rebuild() {
    setPrepared(prepareHistogram(std::move(data_.values), data_.threshold, std::move(data_.selected)), label_);
}

void ScoreHistogram::setPrepared(HistogramData data, QString label) {
    data_ = std::move(data);
    if (label != label_) {
        label_ = std::move(label);
        plotstyle::setScaledAxisLabel(plot_->xAxis, label_);
    }
    const bool hasCut = std::isfinite(threshold_) && !bins_.counts.empty();
    thresholdLine_->setVisible(hasCut);
    thresholdText_->setVisible(hasCut);
    if (hasCut) {
        // Two points with y > 0, so the line also exists on a log axis.
        thresholdLine_->point1->setCoords(threshold_, 1.0);
        thresholdLine_->point2->setCoords(threshold_, 2.0);
        thresholdText_->setText(QStringLiteral("top %1% cut").arg(QString::number(data_.cutPercent, 'g', 3)));
    }
    updateBars();
    resetView();
}

void ScoreHistogram::updateBars() {
    const bool hasCut = std::isfinite(threshold_);
    const double base = logY_ ? kLogBase : 0.0;
    const QVector<double> none;
    QVector<double> belowKeys, belowVals, aboveKeys, aboveVals, hlKeys, hlVals;
    const std::vector<int>& selectedCounts = data_.selectedCounts;
    int belowTotal = 0;
    int aboveTotal = 0;
    double width = 0.0;
    for (size_t i = 0; i < bins_.counts.size(); ++i) {
        const double l = bins_.edges[i];
        const double r = bins_.edges[i + 1];
        width = r - l;
        const int c = bins_.counts[i];
        const int sel = selectedCounts[i];
        aboveTotal += sel;
        belowTotal += c - sel;
        if (sel > 0 || (!logY_ && hasCut)) { aboveKeys << (l + r) / 2; aboveVals << sel - base; }
        if (c > sel || (!logY_ && sel == 0)) { belowKeys << (l + r) / 2; belowVals << c - base; }
    }
    for (QCPBars* b : {belowBars_, aboveBars_, highlightBars_}) {
        b->setWidth(width);
        b->setBaseValue(base);
    }
    belowBars_->setData(belowKeys, belowVals, true);
    aboveBars_->setData(aboveKeys, aboveVals, true);

    highlightCounts_.assign(bins_.counts.size(), 0);
    for (double v : highlighted_) {
        const int idx = histogramBinIndex(bins_.edges, v);
        if (idx >= 0) ++highlightCounts_[static_cast<size_t>(idx)];
    }
    for (size_t i = 0; i < highlightCounts_.size(); ++i) {
        if (highlightCounts_[i] == 0) continue;
        hlKeys << (bins_.edges[i] + bins_.edges[i + 1]) / 2;
        hlVals << highlightCounts_[i] - base;
    }
    highlightBars_->setData(hlKeys, hlVals, true);

    if (hasCut) {
        belowBars_->setName(QStringLiteral("Not selected (%1)").arg(belowTotal));
        aboveBars_->setName(QStringLiteral("Selected (%1)").arg(aboveTotal));
        aboveBars_->addToLegend();
        belowBars_->setBrush(plotstyle::kGrey.lighter(125));
        belowBars_->setPen(QPen(plotstyle::kGrey.darker(115), 1));
    } else {
        // Without a cut nothing is "not selected"; draw the plain distribution in blue.
        belowBars_->setName(QStringLiteral("Samples (%1)").arg(belowTotal));
        aboveBars_->removeFromLegend();
        belowBars_->setBrush(plotstyle::kSkyBlue);
        belowBars_->setPen(QPen(plotstyle::kSkyBlue.darker(130), 1));
    }
    if (hlKeys.isEmpty()) {
        highlightBars_->removeFromLegend();
    } else {
        highlightBars_->setName(QStringLiteral("Highlighted (%1)").arg(highlighted_.size()));
        highlightBars_->addToLegend();
    }
}

void ScoreHistogram::resetView() {
    if (bins_.edges.empty()) {
        plot_->xAxis->setRange(0, 1);
        plot_->yAxis->setRange(logY_ ? kLogBase : 0, logY_ ? 10 : 1);
    } else {
        double lo = bins_.edges.front();
        double hi = bins_.edges.back();
        if (std::isfinite(threshold_)) {
            lo = std::min(lo, threshold_);
            hi = std::max(hi, threshold_);
        }
        const double pad = (hi - lo) * 0.02;
        plot_->xAxis->setRange(lo - pad, hi + pad);
        const int maxCount = std::max(1, *std::max_element(bins_.counts.begin(), bins_.counts.end()));
        if (logY_) {
            plot_->yAxis->setRange(kLogBase, maxCount * 2.0);
        } else {
            // Headroom for the cut label, which sits at the top of the plot.
            plot_->yAxis->setRange(0, maxCount * 1.12);
        }
    }
    plot_->replot();
}

void ScoreHistogram::placeThresholdLabel() {
    if (!thresholdText_->visible()) return;
    const QCPRange x = plot_->xAxis->range();
    const bool nearRightEdge = (threshold_ - x.lower) > 0.7 * x.size();
    // A small gap in plot units keeps the label box off the dashed line at any zoom.
    const double gap = 0.008 * x.size();
    thresholdText_->position->setCoords(threshold_ + (nearRightEdge ? -gap : gap), 0.02);
    thresholdText_->setPositionAlignment(Qt::AlignTop | (nearRightEdge ? Qt::AlignRight : Qt::AlignLeft));
}

void ScoreHistogram::showBinToolTip(const QPoint& pixel) {
    if (bins_.counts.empty() || !plot_->axisRect()->rect().contains(pixel)) {
        QToolTip::hideText();
        return;
    }
    const double x = plot_->xAxis->pixelToCoord(pixel.x());
    const int idx = histogramBinIndex(bins_.edges, x);
    if (idx < 0) {
        QToolTip::hideText();
        return;
    }
    const auto i = static_cast<size_t>(idx);
    const bool last = i + 1 == bins_.counts.size();
    QString text = QStringLiteral("%1 in [%2, %3%4\n%5 samples")
                       .arg(label_.isEmpty() ? QStringLiteral("score") : label_, formatScore(bins_.edges[i]),
                            formatScore(bins_.edges[i + 1]), last ? QStringLiteral("]") : QStringLiteral(")"))
                       .arg(bins_.counts[i]);
    if (!highlighted_.empty()) text += QStringLiteral(", %1 highlighted").arg(highlightCounts_[i]);
    QToolTip::showText(plot_->mapToGlobal(pixel), text, plot_);
}

}  // namespace gateau::ui
