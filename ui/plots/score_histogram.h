#pragma once
// Distribution of one score with the selection cut marked.

#include "ui/plots/histogram_bins.h"

#include <QString>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPBars;
class QCPItemStraightLine;
class QCPItemText;

namespace gateau::ui {

// What ScoreHistogram draws of its values, computed off the GUI thread (a sort of n values
// and a bin search per value).
struct HistogramData {
    std::vector<double> values;
    std::vector<bool> selected;  // as ScoreHistogram::setThreshold
    double threshold;            // NaN: no cut
    HistogramBins bins;
    std::vector<int> selectedCounts;  // per bin
    double cutPercent = 0;            // share of finite values >= threshold, in percent
};
// Pure: safe on any thread.
HistogramData prepareHistogram(std::vector<double> values, double threshold, std::vector<bool> selected = {});

// Selected samples are blue, the rest grey, per bin (a bin can hold both: a dropped sample
// above the cut, a kept one below it, ties at the cut). Bins are aligned so the cut is a bin
// edge (see computeHistogramBins), which means changing the threshold can shift the bins
// slightly.
// Interaction: wheel zooms, drag pans, double-click resets, hover shows the bin's count,
// right-click offers log y axis and export.
class ScoreHistogram : public QWidget {
    Q_OBJECT
public:
    explicit ScoreHistogram(QWidget* parent = nullptr);

    // NaN/inf values are left out.
    void setScores(std::vector<double> values, QString label);
    // `value` is the score of the last sample inside the cut; the label reads "top k% cut"
    // with k measured from the data. `selected` (parallel to setScores' values) says which
    // samples are selected, as the ranking decided (overrides, ties); empty: the values >= the
    // cut. The legend's "Selected (N)" counts them.
    void setThreshold(double value, std::vector<bool> selected = {});
    void clearThreshold();
    // Values, cut and bins at once (prepareHistogram); the label as setScores'.
    void setPrepared(HistogramData data, QString label);
    double threshold() const { return threshold_; }
    // Overlays the distribution of a subset (e.g. brushed samples) as dark outlined bars.
    void setHighlightedValues(std::vector<double> values);

    void setLogY(bool on);
    bool logY() const { return logY_; }

    std::vector<int> binCounts() const { return bins_.counts; }
    std::vector<double> binEdges() const { return bins_.edges; }
    std::vector<int> highlightedBinCounts() const { return highlightCounts_; }
    // Where the cut line is drawn (plot x coordinate); NaN when no line is shown.
    double thresholdLinePosition() const;
    QString thresholdLabelText() const;

    QCustomPlot* customPlot() const { return plot_; }
    void resetView();

    QSize minimumSizeHint() const override { return {320, 220}; }
    QSize sizeHint() const override { return {700, 450}; }

private:
    void rebuild();  // prepares on the calling thread
    void updateBars();
    void placeThresholdLabel();
    void showBinToolTip(const QPoint& pixel);

    QCustomPlot* plot_;
    QCPBars* belowBars_;
    QCPBars* aboveBars_;
    QCPBars* highlightBars_;
    QCPItemStraightLine* thresholdLine_;
    QCPItemText* thresholdText_;
    HistogramData data_;  // what is shown; values_, selected_, threshold_ and bins_ name its parts
    std::vector<double>& values_ = data_.values;
    std::vector<bool>& selected_ = data_.selected;
    std::vector<double> highlighted_;
    std::vector<int> highlightCounts_;
    QString label_;
    double& threshold_ = data_.threshold;
    bool logY_ = false;
    HistogramBins& bins_ = data_.bins;
};

}  // namespace gateau::ui
