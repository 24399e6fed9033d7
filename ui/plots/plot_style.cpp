#include "ui/plots/plot_style.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace gateau::ui::plotstyle {
namespace {

const char* const kBaseLabelProperty = "gateauBaseLabel";

// Prints tick / 10^exponent; the exponent is shown once, in the axis label.
class ScaledTicker : public QCPAxisTicker {
public:
    void setExponent(int e) { exponent_ = e; }
    int exponent() const { return exponent_; }

protected:
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override {
        double v = exponent_ == 0 ? tick : tick / std::pow(10.0, exponent_);
        // Tick positions are accumulated in floating point, so "0" can arrive as 3e-20.
        if (std::abs(v) < 1e-9) v = 0.0;
        return QCPAxisTicker::getTickLabel(v, locale, formatChar, precision);
    }

private:
    int exponent_ = 0;
};

void refreshScaledAxis(QCPAxis* axis) {
    auto ticker = axis->ticker().dynamicCast<ScaledTicker>();
    if (!ticker) return;
    const int e = tickScaleExponent(axis->range().lower, axis->range().upper);
    ticker->setExponent(e);
    const QString base = axis->property(kBaseLabelProperty).toString();
    axis->setLabel(e == 0 ? base : QStringLiteral("%1 (%2)").arg(base, powerOfTenText(e)));
}

// Picks the most legend columns that fit the plot's width, so a narrow plot wraps its legend
// onto more rows instead of clipping entries.
void fitLegendToWidth(QCustomPlot* plot, QCPLegend* legend) {
    // itemCount() counts grid cells, and a wrapped grid has empty ones.
    std::vector<int> widths;
    for (int i = 0; i < legend->itemCount(); ++i) {
        if (QCPAbstractLegendItem* item = legend->item(i)) widths.push_back(item->minimumOuterSizeHint().width());
    }
    const int n = static_cast<int>(widths.size());
    if (n == 0) return;
    const QMargins m = legend->margins();
    const int available = plot->width() - m.left() - m.right() - 8;
    int columns = n;
    for (; columns > 1; --columns) {
        int total = legend->columnSpacing() * (columns - 1);
        for (int c = 0; c < columns; ++c) {
            int colWidth = 0;
            for (int i = c; i < n; i += columns) colWidth = std::max(colWidth, widths[static_cast<size_t>(i)]);
            total += colWidth;
        }
        if (total <= available) break;
    }
    if (legend->wrap() != columns || legend->columnCount() > columns) {
        legend->setWrap(columns);
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    }
}

}  // namespace

QColor decisionColour(PlotDecision d) {
    switch (d) {
        case PlotDecision::AutoSelected: return kBlue;
        case PlotDecision::AutoRejected: return kGrey;
        case PlotDecision::Keep: return kGreen;
        case PlotDecision::Drop: return kVermillion;
    }
    return kGrey;
}

QString decisionName(PlotDecision d) {
    switch (d) {
        case PlotDecision::AutoSelected: return QStringLiteral("Selected");
        case PlotDecision::AutoRejected: return QStringLiteral("Not selected");
        case PlotDecision::Keep: return QStringLiteral("Keep (manual)");
        case PlotDecision::Drop: return QStringLiteral("Drop (manual)");
    }
    return {};
}

void applyBaseStyle(QCustomPlot* plot) {
    QFont tickFont(QStringLiteral("DejaVu Sans"), 8);
    QFont labelFont(QStringLiteral("DejaVu Sans"), 9);
    plot->setFont(labelFont);
    plot->setBackground(Qt::white);
    for (QCPAxis* axis : plot->axisRect()->axes()) {
        axis->setTickLabelFont(tickFont);
        axis->setLabelFont(labelFont);
        axis->setBasePen(QPen(QColor(0x60, 0x60, 0x60)));
        axis->setTickPen(QPen(QColor(0x60, 0x60, 0x60)));
        axis->setSubTickPen(QPen(QColor(0x90, 0x90, 0x90)));
        axis->grid()->setPen(QPen(QColor(0xE4, 0xE4, 0xE4), 0, Qt::SolidLine));
        axis->grid()->setZeroLinePen(Qt::NoPen);
    }
    plot->legend->setFont(tickFont);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    plot->axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
    // Dragging a 100k-point plot stays fluid when it is drawn without antialiasing meanwhile.
    plot->setNoAntialiasingOnDrag(true);
}

QCPLegend* placeLegendBelow(QCustomPlot* plot) {
    QCPLegend* legend = plot->legend;
    legend->setVisible(true);
    if (plot->axisRect()->insetLayout()->take(legend)) {
        // Empty grids either side take the spare width, so the legend keeps its natural width
        // and stays centred instead of spreading its entries across the whole plot.
        auto* row = new QCPLayoutGrid;
        const int r = plot->plotLayout()->rowCount();
        plot->plotLayout()->addElement(r, 0, row);
        plot->plotLayout()->setRowStretchFactor(r, 0.001);
        plot->plotLayout()->setRowSpacing(0);
        row->addElement(0, 0, new QCPLayoutElement(plot));
        row->addElement(0, 1, legend);
        row->addElement(0, 2, new QCPLayoutElement(plot));
        row->setColumnStretchFactors({1.0, 0.001, 1.0});
        row->setMargins(QMargins(0, 0, 0, 0));
        row->setMinimumMargins(QMargins(0, 0, 0, 0));
    }
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    legend->setMargins(QMargins(4, 0, 4, 2));
    legend->setColumnSpacing(14);
    legend->setIconSize(14, 10);
    QObject::connect(plot, &QCustomPlot::beforeReplot, legend, [plot, legend] { fitLegendToWidth(plot, legend); });
    return legend;
}

int tickScaleExponent(double lower, double upper) {
    const double m = std::max(std::abs(lower), std::abs(upper));
    if (!(m > 0.0) || !std::isfinite(m)) return 0;
    const int e = static_cast<int>(std::floor(std::log10(m)));
    if (e >= -2 && e < 6) return 0;
    return e;
}

QString powerOfTenText(int exponent) {
    static const QChar kSuperDigits[10] = {QChar(0x2070), QChar(0x00B9), QChar(0x00B2), QChar(0x00B3),
                                           QChar(0x2074), QChar(0x2075), QChar(0x2076), QChar(0x2077),
                                           QChar(0x2078), QChar(0x2079)};
    QString digits;
    for (QChar c : QString::number(std::abs(exponent))) digits += kSuperDigits[c.digitValue()];
    return QStringLiteral("\u00D710") + (exponent < 0 ? QString(QChar(0x207B)) : QString()) + digits;
}

void useScaledTickLabels(QCPAxis* axis, const QString& label) {
    axis->setProperty(kBaseLabelProperty, label);
    if (!axis->ticker().dynamicCast<ScaledTicker>()) {
        axis->setTicker(QSharedPointer<QCPAxisTicker>(new ScaledTicker));
        QObject::connect(axis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), axis,
                         [axis](const QCPRange&) { refreshScaledAxis(axis); });
    }
    refreshScaledAxis(axis);
}

void setScaledAxisLabel(QCPAxis* axis, const QString& label) {
    axis->setProperty(kBaseLabelProperty, label);
    refreshScaledAxis(axis);
}

}  // namespace gateau::ui::plotstyle
