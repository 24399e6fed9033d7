#pragma once
// One score against another, points coloured by the sample's selection decision.

#include "ui/plots/plot_data.h"
#include "ui/plots/scatter_points.h"

#include <QString>
#include <QVector>
#include <QWidget>

#include <vector>

class QCustomPlot;

namespace gateau::ui {

class ScatterCanvas;

// The points and what the canvas draws of them, made off the GUI thread.
struct ScoreScatterData {
    std::vector<PlotPoint> points;
    ScatterPoints drawn;
};
// Pure: safe on any thread.
ScoreScatterData prepareScoreScatter(std::vector<PlotPoint> points, QSize plotArea = {});  // see prepareScatter

// Mouse: drag brushes a rectangle (emits brushed), Ctrl+drag pans, wheel zooms, click on a
// point brushes it, click on empty space clears (emits an empty list), double-click resets.
// Hovering a point shows its id and coordinates.
class ScoreScatter : public QWidget {
    Q_OBJECT
public:
    explicit ScoreScatter(QWidget* parent = nullptr);

    void setPoints(std::vector<PlotPoint> points, QString xLabel, QString yLabel);
    void setPrepared(ScoreScatterData data, QString xLabel, QString yLabel);
    size_t pointCount() const { return points_.size(); }

    // Rings these samples; does not emit brushed().
    void setHighlighted(QVector<qint64> ids);
    QVector<qint64> highlighted() const;

    QCustomPlot* customPlot() const;
    QSize plotArea() const;
    void resetView();

    QSize minimumSizeHint() const override { return {320, 240}; }
    QSize sizeHint() const override { return {700, 450}; }

signals:
    // Ids in ascending order; empty when the brushing was cleared.
    void brushed(QVector<qint64> sampleIds);

private:
    ScatterCanvas* canvas_;
    std::vector<PlotPoint> points_;
    QString xLabel_;
    QString yLabel_;
};

}  // namespace gateau::ui
