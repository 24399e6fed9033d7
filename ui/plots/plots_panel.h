#pragma once
// The "Plots" area of the workbench: histogram, score scatter and rank agreement in tabs,
// all fed from one score table and linked by brushing.

#include "ui/plots/plot_data.h"

#include <QStringList>
#include <QVector>
#include <QWidget>

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

class QComboBox;
class QTabWidget;
class QTimer;

namespace gateau::ui {

class RankAgreementPlot;
class ScoreHistogram;
class ScoreScatter;

// The ranking column is the one named like "combined"/"GATEAU" (else the first); the
// threshold and the top fraction refer to it. Defaults: histogram of the ranking column,
// scatter HMG vs CAM, rank agreement combined vs IFD (falling back to the first columns when
// a name is missing). Brushing in any plot rings the same samples in all of them.
// Only the tab on show is redrawn: its data (bins, ranks, point sets) is prepared on the task
// runner, one lane per plot (latest wins), and swapped into the plot on the GUI thread; a
// hidden plot is marked stale and prepared when its tab is shown.
class PlotsPanel : public QWidget {
    Q_OBJECT
public:
    explicit PlotsPanel(QWidget* parent = nullptr);

    // columns[c][i] is score names[c] of sample ids[i]; decisions[i] likewise.
    void setScoreTable(std::vector<int64_t> ids, QStringList names, std::vector<std::vector<double>> columns,
                       std::vector<PlotDecision> decisions);
    // Score (in the ranking column) of the last selected sample. Also sets the top fraction
    // used by the rank agreement tab to the share of samples at or above it.
    void setThreshold(double value);
    // Top fraction for the rank agreement tab when no threshold is known (default 0.1).
    void setTopFraction(double fraction);
    // Rings these samples in every plot; does not emit brushed().
    void setSelection(QVector<qint64> ids);
    QVector<qint64> selection() const { return selection_; }

    // Column choices (indices into names); out-of-range indices are ignored.
    void setHistogramColumn(int column);
    void setScatterColumns(int xColumn, int yColumn);
    void setRankColumns(int aColumn, int bColumn);
    int rankingColumn() const { return rankingColumn_; }

    enum Plot { HistogramPlot, ScatterPlot, RankPlot, PlotCount };  // also their tab order

    QTabWidget* tabs() const { return tabs_; }
    // A change not yet shown by the tab on show (the preparation is queued or running).
    bool refreshPending() const;
    // Times each plot was given new data (tests: hidden plots are not recomputed).
    int refreshCount(int tab) const { return refreshCount_[size_t(tab)]; }
    ScoreHistogram* histogram() const { return histogram_; }
    ScoreScatter* scatter() const { return scatter_; }
    RankAgreementPlot* rankAgreement() const { return rank_; }

    // Small enough for a 768 px high laptop under the table; the plots scale down.
    QSize minimumSizeHint() const override { return {320, 180}; }
    QSize sizeHint() const override { return {700, 450}; }

signals:
    // Samples brushed in any of the plots (ascending ids; empty when cleared).
    void brushed(QVector<qint64> sampleIds);

private:
    // The score table, shared read-only with the background preparations.
    struct Table {
        std::vector<int64_t> ids;
        std::vector<std::vector<double>> columns;
        std::vector<PlotDecision> decisions;
        std::unordered_map<int64_t, size_t> rowOfId;
    };

    int findColumn(std::initializer_list<const char*> needles, int fallback) const;
    void refillCombos();
    void invalidate(Plot plot);      // prepares it now when on show, else when shown
    void refreshShown();             // the tab on show: stale data, then the highlight
    void prepare(Plot plot);
    void updateHistogram() { invalidate(HistogramPlot); }
    void updateScatter() { invalidate(ScatterPlot); }
    void updateRank() { invalidate(RankPlot); }
    void highlight(Plot plot);
    int shownPlot() const;           // -1: another tab (Compare) is on show
    std::vector<double> selectedValues(int column) const;
    void onBrushed(const QVector<qint64>& ids);

    QTabWidget* tabs_;
    ScoreHistogram* histogram_;
    ScoreScatter* scatter_;
    RankAgreementPlot* rank_;
    QComboBox* histColumn_;
    QComboBox* scatterX_;
    QComboBox* scatterY_;
    QComboBox* rankA_;
    QComboBox* rankB_;

    std::array<QWidget*, PlotCount> pages_{};
    std::array<bool, PlotCount> stale_{};
    std::array<int, PlotCount> refreshCount_{};
    QTimer* refreshTimer_;  // coalesces a burst of changes (table, then threshold) into one
    std::shared_ptr<const Table> table_;
    QStringList names_;
    int rankingColumn_ = 0;
    double threshold_;
    double topFraction_ = 0.1;
    QVector<qint64> selection_;
    bool updatingCombos_ = false;
};

}  // namespace gateau::ui
