#pragma once
// The scatter machinery behind ScoreScatter and RankAgreementPlot: categorised points drawn
// as one QCPGraph per category (no per-point items, so 100k points stay cheap), rubber-band
// brushing, highlight rings, hover tool tips, zoom/pan/reset and the export menu.
// Internal to the plot library; use ScoreScatter or RankAgreementPlot.

#include "ui/plots/scatter_points.h"

#include <QString>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPRange;
class QCPTextElement;

namespace gateau::ui {

inline const QString kTitleSeparator = QStringLiteral("   \u00B7   ");

struct ScatterSeries {
    QString name;   // legend text; the point count is appended
    QColor colour;
    double size;    // disc diameter in pixels at moderate point counts
};


// Mouse: drag draws a brushing rectangle; Ctrl+drag pans; wheel zooms; a click on a point
// brushes that point, a click on empty space clears; double-click resets the view.
class ScatterCanvas : public QWidget {
    Q_OBJECT
public:
    using ToolTipText = std::function<QString(size_t itemIndex)>;

    explicit ScatterCanvas(QWidget* parent = nullptr);

    void setSeries(std::vector<ScatterSeries> series);
    // Items with NaN/inf coordinates are kept (for ids) but neither drawn nor brushable.
    void setItems(std::vector<ScatterItem> items, const QString& xLabel, const QString& yLabel);
    // The same with points prepared off the GUI thread (prepareScatter for these series).
    void setPoints(ScatterPoints points, const QString& xLabel, const QString& yLabel);
    const std::vector<ScatterItem>& items() const { return points_.items; }
    void setToolTipText(ToolTipText text) { toolTipText_ = std::move(text); }
    // Parts separated by kTitleSeparator go on separate lines when the plot is too narrow.
    void setTitle(const QString& title);
    QString title() const;

    // Draws rings around these points; never emits brushed().
    void setHighlighted(const QVector<qint64>& ids);
    QVector<qint64> highlighted() const { return highlighted_; }

    // Ids (ascending) of drawable points with x in [x.lower, x.upper] and y in [y.lower, y.upper].
    QVector<qint64> idsInRange(const QCPRange& x, const QCPRange& y) const;
    // The drawable point nearest to `pixel` within `radius` pixels.
    std::optional<size_t> itemNear(const QPoint& pixel, double radius) const;

    QCustomPlot* customPlot() const { return plot_; }
    QSize plotArea() const;  // the axis rect in pixels: prepareScatter's thinning grid
    void resetView();

    QSize minimumSizeHint() const override { return {320, 240}; }
    QSize sizeHint() const override { return {700, 450}; }

signals:
    void brushed(QVector<qint64> sampleIds);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void fitTitleToWidth();
    void rebuildGraphs();
    void chooseData();  // thinned points for the home view, else all
    void updateHighlightGraph();
    void brush(QVector<qint64> ids);
    void onRectAccepted(const QRect& rect);
    void onMouseRelease(QMouseEvent* event);
    void onMouseMove(QMouseEvent* event);

    QCustomPlot* plot_;
    QCPTextElement* title_ = nullptr;
    std::vector<ScatterSeries> series_;
    std::vector<QCPGraph*> graphs_;
    QCPGraph* highlightGraph_ = nullptr;
    ScatterPoints points_;
    QVector<qint64> highlighted_;
    ToolTipText toolTipText_;
    QPoint pressPos_;
    bool brushGesture_ = false;
    bool thinnedShown_ = false;
};

}  // namespace gateau::ui
