// Renders every plot with realistic data to PNG files so their look can be checked by eye.
// Usage: plots_gallery [output-prefix]   (default /tmp/plots_; run with QT_QPA_PLATFORM=offscreen)
#include "sample_scores.h"
#include "ui/plots/plots_panel.h"
#include "ui/plots/rank_agreement_plot.h"
#include "ui/plots/score_histogram.h"
#include "ui/plots/score_scatter.h"

#include <QApplication>
#include <QTabWidget>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace gateau::ui;

namespace {

void save(QWidget* w, const QString& path) {
    w->show();
    QApplication::processEvents();
    if (w->grab().save(path)) {
        std::printf("%s\n", qPrintable(path));
    } else {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
    }
}

// The panel prepares the tab on show on the task runner: wait for it to land.
void settle(const PlotsPanel& panel) {
    while (panel.refreshPending()) QApplication::processEvents(QEventLoop::AllEvents, 10);
    QApplication::processEvents();
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    const QString prefix = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("/tmp/plots_");
    const testdata::ScoreTable t = testdata::makeScoreTable(2000, 0.10);
    const QSize size(700, 450);

    // A brushed group: 40 samples around the middle of the combined ranking.
    QVector<qint64> brushedIds;
    for (size_t i = 0; i < t.ids.size() && brushedIds.size() < 40; i += 37) brushedIds.push_back(t.ids[i]);

    ScoreHistogram hist;
    hist.resize(size);
    hist.setScores(t.columns[0], QStringLiteral("combined"));
    hist.setThreshold(t.threshold);
    save(&hist, prefix + "histogram.png");
    hist.setLogY(true);
    save(&hist, prefix + "histogram_log.png");

    ScoreScatter scatter;
    scatter.resize(size);
    std::vector<PlotPoint> points;
    for (size_t i = 0; i < t.ids.size(); ++i) points.push_back({t.ids[i], t.columns[1][i], t.columns[2][i], t.decisions[i]});
    scatter.setPoints(points, QStringLiteral("HMG"), QStringLiteral("CAM"));
    scatter.setHighlighted(brushedIds);
    save(&scatter, prefix + "scatter.png");

    RankAgreementPlot rank;
    rank.resize(size);
    rank.setScores(t.ids, t.columns[0], QStringLiteral("combined"), t.columns[4], QStringLiteral("IFD"), 0.10);
    save(&rank, prefix + "rank_agreement.png");

    PlotsPanel panel;
    panel.resize(size);
    panel.setScoreTable(t.ids, t.names, t.columns, t.decisions);
    panel.setThreshold(t.threshold);
    panel.setSelection(brushedIds);
    const char* tabNames[] = {"panel_histogram.png", "panel_scatter.png", "panel_rank.png"};
    for (int i = 0; i < 3; ++i) {
        panel.tabs()->setCurrentIndex(i);
        settle(panel);
        save(&panel, prefix + tabNames[i]);
    }

    // Another score: no cut (it belongs to the ranking score only), plain distribution.
    panel.tabs()->setCurrentIndex(0);
    panel.setHistogramColumn(4);
    settle(panel);
    save(&panel, prefix + "panel_histogram_ifd.png");
    panel.setHistogramColumn(0);

    // A strict cut near the right edge: the label must flip to the left of the line.
    std::vector<double> sorted = t.columns[0];
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    ScoreHistogram strict;
    strict.resize(size);
    strict.setScores(t.columns[0], QStringLiteral("combined"));
    strict.setThreshold(sorted[1]);
    save(&strict, prefix + "histogram_strict_cut.png");

    // The smallest size the panel asks for, to catch overlapping labels.
    panel.resize(panel.minimumSizeHint());
    for (int i = 0; i < 3; ++i) {
        panel.tabs()->setCurrentIndex(i);
        settle(panel);
        save(&panel, prefix + "small_" + tabNames[i]);
    }

    const testdata::ScoreTable big = testdata::makeScoreTable(100000, 0.10, 11);
    ScoreScatter bigScatter;
    bigScatter.resize(size);
    std::vector<PlotPoint> bigPoints;
    for (size_t i = 0; i < big.ids.size(); ++i)
        bigPoints.push_back({big.ids[i], big.columns[1][i], big.columns[2][i], big.decisions[i]});
    bigScatter.setPoints(bigPoints, QStringLiteral("HMG"), QStringLiteral("CAM"));
    save(&bigScatter, prefix + "scatter_100k.png");

    // The panel with 100k samples as wide as a 1366 px laptop screen, every tab.
    PlotsPanel bigPanel;
    bigPanel.resize(1366, 420);
    bigPanel.setScoreTable(big.ids, big.names, big.columns, big.decisions);
    bigPanel.setThreshold(big.threshold);
    bigPanel.setSelection(QVector<qint64>(big.ids.begin(), big.ids.begin() + 30));
    bigPanel.show();
    for (int i = 0; i < 3; ++i) {
        bigPanel.tabs()->setCurrentIndex(i);
        settle(bigPanel);
        save(&bigPanel, prefix + "100k_" + tabNames[i]);
    }
    return 0;
}
