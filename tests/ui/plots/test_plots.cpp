// Behaviour of the score plots, checked against expectations computed independently here
// (naive loops, hand-worked numbers), not against the plots' own helpers.
#include "sample_scores.h"
#include "ui/plots/histogram_bins.h"
#include "ui/plots/plot_export.h"
#include "ui/plots/plots_panel.h"
#include "ui/plots/rank_agreement_plot.h"
#include "ui/plots/rank_stats.h"
#include "ui/plots/score_histogram.h"
#include "ui/plots/score_scatter.h"
#include "ui/plots/scatter_points.h"
#include "ui/tasks/task_runner.h"

#include <qcustomplot.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QToolTip>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

using namespace gateau::ui;

namespace {

QPoint toPixel(QCustomPlot* plot, double x, double y) {
    return QPoint(qRound(plot->xAxis->coordToPixel(x)), qRound(plot->yAxis->coordToPixel(y)));
}

// Left-drag from one plot coordinate to another, as a user would draw a rubber band.
void dragRect(QCustomPlot* plot, QPointF from, QPointF to, Qt::KeyboardModifiers mods = {}) {
    const QPoint a = toPixel(plot, from.x(), from.y());
    const QPoint b = toPixel(plot, to.x(), to.y());
    QTest::mousePress(plot, Qt::LeftButton, mods, a);
    QTest::mouseMove(plot, (a + b) / 2);
    QTest::mouseMove(plot, b);
    QTest::mouseRelease(plot, Qt::LeftButton, mods, b);
}

QVector<qint64> brushedIds(const QSignalSpy& spy, int i) { return spy.at(i).at(0).value<QVector<qint64>>(); }

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// 10x10 grid of points at integer coordinates; id = 100 + 10*x + y.
std::vector<PlotPoint> gridPoints() {
    std::vector<PlotPoint> pts;
    const PlotDecision ds[] = {PlotDecision::AutoSelected, PlotDecision::AutoRejected, PlotDecision::Keep,
                               PlotDecision::Drop};
    for (int x = 0; x < 10; ++x) {
        for (int y = 0; y < 10; ++y) pts.push_back({100 + 10 * x + y, double(x), double(y), ds[(x + y) % 4]});
    }
    return pts;
}

double naivePearson(const std::vector<double>& a, const std::vector<double>& b) {
    const double n = double(a.size());
    double ma = 0, mb = 0;
    for (size_t i = 0; i < a.size(); ++i) { ma += a[i] / n; mb += b[i] / n; }
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / std::sqrt(saa * sbb);
}

}  // namespace

class TestPlots : public QObject {
    Q_OBJECT
private slots:
    void histogramCountsMatchNaiveCount();
    void histogramWithoutThresholdSpansData();
    void histogramThresholdLineAndLabel();
    void histogramHighlightAndLogAxis();
    void scatterBrushEmitsIdsInsideRect();
    void scatterClickClearsOrPicksPoint();
    void scatterCtrlDragPansWithoutBrushing();
    void scatterSetHighlightedDoesNotEmit();
    void scatterHoverShowsToolTip();
    void ranksBreakTiesByIdAndPutNanLast();
    void spearmanHandChecked();
    void topCountRounding();
    void rankAgreementPlotStatsAndBrushing();
    void exportFormats();
    void scatterHundredThousandPoints();
    void panelDefaultsAndLinkedBrushing();
    void panelDropsAnOlderPreparation();
    void thinningKeepsEveryOccupiedCell();
};

void TestPlots::histogramCountsMatchNaiveCount() {
    std::mt19937 rng(3);
    std::lognormal_distribution<double> dist(-7.5, 0.8);
    std::vector<double> values(3000);
    for (double& v : values) v = dist(rng);
    values.push_back(std::nan(""));  // ignored
    std::vector<double> sorted(values.begin(), values.end() - 1);
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    const double threshold = sorted[299];  // the 300th best: top 10%

    ScoreHistogram h;
    h.setScores(values, QStringLiteral("combined"));
    h.setThreshold(threshold);
    const std::vector<double> edges = h.binEdges();
    const std::vector<int> counts = h.binCounts();
    QCOMPARE(edges.size(), counts.size() + 1);
    QVERIFY(counts.size() >= 10 && counts.size() <= 102);  // 10..100 plus the two alignment bins

    for (size_t i = 0; i < counts.size(); ++i) {
        const bool last = i + 1 == counts.size();
        int naive = 0;
        for (double v : values) {
            if (v >= edges[i] && (v < edges[i + 1] || (last && v == edges[i + 1]))) ++naive;
        }
        QCOMPARE(counts[i], naive);
    }
    int total = 0;
    for (int c : counts) total += c;
    QCOMPARE(total, 3000);
    // The cut is a bin edge and the bins right of it hold exactly the selected samples.
    const auto cut = std::find(edges.begin(), edges.end(), threshold);
    QVERIFY(cut != edges.end());
    int right = 0;
    for (size_t i = size_t(cut - edges.begin()); i < counts.size(); ++i) right += counts[i];
    QCOMPARE(right, 300);
    // Equal widths throughout.
    const double w = edges[1] - edges[0];
    for (size_t i = 1; i + 1 < edges.size(); ++i) QVERIFY(std::abs((edges[i + 1] - edges[i]) - w) < 1e-9 * w + 1e-18);
}

void TestPlots::histogramWithoutThresholdSpansData() {
    std::vector<double> values;
    for (int i = 0; i < 400; ++i) values.push_back(0.5 + 0.001 * i);  // uniform: FD gives ~ n^(1/3) bins
    ScoreHistogram h;
    h.setScores(values, QStringLiteral("IFD"));
    const auto edges = h.binEdges();
    QCOMPARE(edges.front(), 0.5);
    QCOMPARE(edges.back(), 0.5 + 0.001 * 399);
    // Freedman–Diaconis by hand: IQR = 0.1995, n^(1/3) = 7.368, h = 0.05415, range 0.399 -> 8 bins,
    // clamped up to 10.
    QCOMPARE(h.binCounts().size(), size_t(10));
    QCOMPARE(h.binCounts().front(), 40);
    QVERIFY(std::isnan(h.thresholdLinePosition()));

    // A constant score still yields visible bins holding every value.
    h.setScores(std::vector<double>(50, 0.25), QStringLiteral("PPL"));
    int total = 0;
    for (int c : h.binCounts()) total += c;
    QCOMPARE(total, 50);
    QVERIFY(h.binEdges().front() < 0.25 && h.binEdges().back() > 0.25);
}

void TestPlots::histogramThresholdLineAndLabel() {
    std::vector<double> values;
    for (int i = 1; i <= 100; ++i) values.push_back(i * 1e-5);  // tiny softmax-like scores
    const double threshold = 91e-5;                              // 10 values are >= it
    ScoreHistogram h;
    h.resize(600, 400);
    h.show();
    QVERIFY(QTest::qWaitForWindowExposed(&h));
    h.setScores(values, QStringLiteral("combined"));
    h.setThreshold(threshold);
    QCOMPARE(h.thresholdLinePosition(), threshold);
    QCOMPARE(h.thresholdLabelText(), QStringLiteral("top 10% cut"));
    // Values reach 1e-3, so ticks print mantissas and the label carries x10^-3.
    QCOMPARE(h.customPlot()->xAxis->label(), QStringLiteral("combined (\u00D710\u207B\u00B3)"));

    // The dashed line is really drawn at that x: near-black pixels in its pixel column.
    QCustomPlot* plot = h.customPlot();
    plot->replot();
    const QImage img = plot->toPixmap().toImage();
    const int px = qRound(plot->xAxis->coordToPixel(threshold));
    const QRect area = plot->axisRect()->rect();
    int dark = 0;
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int dx = -1; dx <= 1; ++dx) {
            const QColor c = img.pixelColor(px + dx, y);
            if (c.red() < 80 && c.green() < 80 && c.blue() < 80) { ++dark; break; }
        }
    }
    QVERIFY2(dark > area.height() / 3, qPrintable(QStringLiteral("dark pixels: %1").arg(dark)));

    h.clearThreshold();
    QVERIFY(std::isnan(h.thresholdLinePosition()));
    QVERIFY(h.thresholdLabelText().isEmpty());
}

void TestPlots::histogramHighlightAndLogAxis() {
    std::vector<double> values;
    for (int i = 0; i < 200; ++i) values.push_back(std::sin(i * 0.37) + 2.0);
    ScoreHistogram h;
    h.setScores(values, QStringLiteral("CAM"));
    h.setThreshold(2.5);
    const std::vector<double> sub = {values[3], values[50], values[51], values[199]};
    h.setHighlightedValues(sub);
    const auto edges = h.binEdges();
    const auto hl = h.highlightedBinCounts();
    for (size_t i = 0; i < hl.size(); ++i) {
        const bool last = i + 1 == hl.size();
        int naive = 0;
        for (double v : sub) naive += (v >= edges[i] && (v < edges[i + 1] || (last && v == edges[i + 1])));
        QCOMPARE(hl[i], naive);
    }
    const auto before = h.binCounts();
    h.setLogY(true);
    QVERIFY(h.logY());
    QCOMPARE(h.customPlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(h.customPlot()->yAxis->range().lower > 0);
    QCOMPARE(h.binCounts(), before);
    h.setLogY(false);
    QCOMPARE(h.customPlot()->yAxis->scaleType(), QCPAxis::stLinear);
}

void TestPlots::scatterBrushEmitsIdsInsideRect() {
    ScoreScatter s;
    s.resize(600, 450);
    s.show();
    QVERIFY(QTest::qWaitForWindowExposed(&s));
    const auto pts = gridPoints();
    s.setPoints(pts, QStringLiteral("HMG"), QStringLiteral("CAM"));
    QCustomPlot* plot = s.customPlot();
    plot->replot();
    QSignalSpy spy(&s, &ScoreScatter::brushed);

    // Drawn from bottom-right to top-left on purpose: the rect must be normalised.
    const QRectF box(QPointF(2.5, 1.5), QPointF(6.5, 4.5));
    dragRect(plot, box.bottomRight(), box.topLeft());
    QCOMPARE(spy.count(), 1);
    QVector<qint64> expected;
    for (const PlotPoint& p : pts) {
        if (p.x > box.left() && p.x < box.right() && p.y > box.top() && p.y < box.bottom()) expected << p.sampleId;
    }
    std::sort(expected.begin(), expected.end());
    QCOMPARE(expected.size(), 12);  // x in 3..6, y in 2..4
    QCOMPARE(brushedIds(spy, 0), expected);
    QCOMPARE(s.highlighted(), expected);
}

void TestPlots::scatterClickClearsOrPicksPoint() {
    ScoreScatter s;
    s.resize(600, 450);
    s.show();
    QVERIFY(QTest::qWaitForWindowExposed(&s));
    s.setPoints(gridPoints(), QStringLiteral("x"), QStringLiteral("y"));
    QCustomPlot* plot = s.customPlot();
    plot->replot();
    QSignalSpy spy(&s, &ScoreScatter::brushed);
    dragRect(plot, {-0.5, -0.5}, {1.5, 1.5});
    QCOMPARE(spy.count(), 1);
    QCOMPARE(brushedIds(spy, 0).size(), 4);

    // Empty space: midway between grid points, tens of pixels from any of them.
    QTest::mouseClick(plot, Qt::LeftButton, {}, toPixel(plot, 4.5, 4.5));
    QCOMPARE(spy.count(), 2);
    QVERIFY(brushedIds(spy, 1).isEmpty());
    QVERIFY(s.highlighted().isEmpty());

    // On a point: brushes just that sample (x=7, y=2 -> id 172).
    QTest::mouseClick(plot, Qt::LeftButton, {}, toPixel(plot, 7, 2) + QPoint(1, -1));
    QCOMPARE(spy.count(), 3);
    QCOMPARE(brushedIds(spy, 2), QVector<qint64>{172});
}

void TestPlots::scatterCtrlDragPansWithoutBrushing() {
    ScoreScatter s;
    s.resize(600, 450);
    s.show();
    QVERIFY(QTest::qWaitForWindowExposed(&s));
    s.setPoints(gridPoints(), QStringLiteral("x"), QStringLiteral("y"));
    QCustomPlot* plot = s.customPlot();
    plot->replot();
    const QCPRange before = plot->xAxis->range();
    QSignalSpy spy(&s, &ScoreScatter::brushed);
    dragRect(plot, {2, 2}, {5, 2}, Qt::ControlModifier);
    QCOMPARE(spy.count(), 0);
    // Dragging the content right by 3 units moves the visible range left by 3.
    QVERIFY(std::abs(plot->xAxis->range().lower - (before.lower - 3)) < 0.1);

    QTest::mouseDClick(plot, Qt::LeftButton, {}, toPixel(plot, 4.5, 4.5));
    // QTest's widget double-click leaves the button down; a real one ends with a release.
    QTest::mouseRelease(plot, Qt::LeftButton, {}, toPixel(plot, 4.5, 4.5));
    QVERIFY(std::abs(plot->xAxis->range().lower - before.lower) < 1e-9);
}

void TestPlots::scatterSetHighlightedDoesNotEmit() {
    ScoreScatter s;
    s.setPoints(gridPoints(), QStringLiteral("x"), QStringLiteral("y"));
    QSignalSpy spy(&s, &ScoreScatter::brushed);
    s.setHighlighted({100, 155, 199, 424242});  // the last id is unknown
    QCOMPARE(spy.count(), 0);
    QCOMPARE(s.highlighted(), (QVector<qint64>{100, 155, 199, 424242}));
    // Rings are drawn by the top-most graph: one per known id.
    QCustomPlot* plot = s.customPlot();
    QCOMPARE(plot->graph(plot->graphCount() - 1)->dataCount(), 3);
    // Every point is drawn exactly once in the decision graphs.
    int drawn = 0;
    for (int g = 0; g + 1 < plot->graphCount(); ++g) drawn += plot->graph(g)->dataCount();
    QCOMPARE(drawn, 100);
}

void TestPlots::scatterHoverShowsToolTip() {
    ScoreScatter s;
    s.resize(600, 450);
    s.show();
    QVERIFY(QTest::qWaitForWindowExposed(&s));
    s.setPoints(gridPoints(), QStringLiteral("HMG"), QStringLiteral("CAM"));
    QCustomPlot* plot = s.customPlot();
    plot->replot();
    QTest::mouseMove(plot, toPixel(plot, 3, 8) + QPoint(2, 1));
    QTRY_VERIFY(QToolTip::isVisible());
    QVERIFY2(QToolTip::text().contains(QStringLiteral("Sample 138")), qPrintable(QToolTip::text()));
    QVERIFY(QToolTip::text().contains(QStringLiteral("HMG: 3")));
    QVERIFY(QToolTip::text().contains(QStringLiteral("CAM: 8")));
    QTest::mouseMove(plot, toPixel(plot, 4.5, 4.5));
    QTRY_VERIFY(!QToolTip::isVisible());
}

void TestPlots::ranksBreakTiesByIdAndPutNanLast() {
    // Sorted by hand: 0.5 (id 3), 0.5 (id 9), 0.2 (id 5), NaN (id 1).
    const auto r = ranksDescending({5, 3, 9, 1}, {0.2, 0.5, 0.5, std::nan("")});
    QCOMPARE(r, (std::vector<int64_t>{3, 1, 2, 4}));
}

void TestPlots::spearmanHandChecked() {
    const std::vector<int64_t> ids = {1, 2, 3, 4, 5};
    const std::vector<double> a = {10, 20, 30, 40, 50};
    std::vector<double> reversed(a.rbegin(), a.rend());
    QCOMPARE(spearmanRho(ranksDescending(ids, a), ranksDescending(ids, a)), 1.0);
    QCOMPARE(spearmanRho(ranksDescending(ids, a), ranksDescending(ids, reversed)), -1.0);

    // Mixed case by hand. Ranks under a (desc): ids 1..5 -> 5,4,3,2,1.
    // b = {3,1,4,5,2}: ranks ids 1..5 -> 3,5,2,1,4. d = 2,-1,1,1,-3, sum d^2 = 16,
    // rho = 1 - 6*16 / (5*(25-1)) = 1 - 96/120 = 0.2.
    const std::vector<double> b = {3, 1, 4, 5, 2};
    const auto ra = ranksDescending(ids, a);
    const auto rb = ranksDescending(ids, b);
    QCOMPARE(rb, (std::vector<int64_t>{3, 5, 2, 1, 4}));
    QVERIFY(std::abs(spearmanRho(ra, rb) - 0.2) < 1e-12);
    // And it agrees with Pearson's r of the (hand-written) ranks.
    QVERIFY(std::abs(naivePearson({5, 4, 3, 2, 1}, {3, 5, 2, 1, 4}) - 0.2) < 1e-12);
    QVERIFY(std::isnan(spearmanRho({1}, {1})));
}

void TestPlots::topCountRounding() {
    QCOMPARE(topCount(100, 0.07), size_t(7));  // 0.07*100 is 7.000000000000001 in binary
    QCOMPARE(topCount(10, 0.25), size_t(3));   // ceil(2.5)
    QCOMPARE(topCount(2000, 0.1), size_t(200));
    QCOMPARE(topCount(5, 0.0), size_t(0));
    QCOMPARE(topCount(5, 1.5), size_t(5));
    QCOMPARE(topCount(1000, 0.0001), size_t(1));
}

void TestPlots::rankAgreementPlotStatsAndBrushing() {
    RankAgreementPlot p;
    p.resize(600, 450);
    p.show();
    QVERIFY(QTest::qWaitForWindowExposed(&p));
    // Same case as spearmanHandChecked. k = ceil(0.4*5) = 2: top A = {5,4}, top B = {4,3},
    // overlap {4} -> 1/2.
    p.setScores({1, 2, 3, 4, 5}, {10, 20, 30, 40, 50}, QStringLiteral("combined"), {3, 1, 4, 5, 2},
                QStringLiteral("IFD"), 0.4);
    QCOMPARE(p.topK(), size_t(2));
    QVERIFY(std::abs(p.spearman() - 0.2) < 1e-12);
    QCOMPARE(p.topOverlap(), 0.5);
    QVERIFY2(p.titleText().contains(QStringLiteral("\u03C1 = 0.200")), qPrintable(p.titleText()));
    QVERIFY2(p.titleText().contains(QStringLiteral("50% (1 of 2)")), qPrintable(p.titleText()));

    // Brushing the band rank A <= 2 (all B ranks) selects ids 5 and 4.
    QCustomPlot* plot = p.customPlot();
    plot->replot();
    QSignalSpy spy(&p, &RankAgreementPlot::brushed);
    dragRect(plot, {0.5, 0.7}, {2.5, 5.3});
    QCOMPARE(spy.count(), 1);
    QCOMPARE(brushedIds(spy, 0), (QVector<qint64>{4, 5}));

    // Identical scorings: everything on the diagonal, full overlap.
    p.setScores({7, 8, 9, 10}, {1, 2, 3, 4}, QStringLiteral("A"), {1, 2, 3, 4}, QStringLiteral("B"), 0.5);
    QCOMPARE(p.spearman(), 1.0);
    QCOMPARE(p.topOverlap(), 1.0);
}

void TestPlots::exportFormats() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ScoreHistogram h;
    h.resize(400, 300);
    h.show();
    QVERIFY(QTest::qWaitForWindowExposed(&h));
    h.setScores({1, 2, 2, 3, 3, 3, 4}, QStringLiteral("HMG"));
    QCustomPlot* plot = h.customPlot();
    QString error;

    const QString png = dir.filePath(QStringLiteral("h.PNG"));
    QVERIFY2(exportPlot(plot, png, &error), qPrintable(error));
    const QByteArray pngBytes = readAll(png);
    QVERIFY(pngBytes.startsWith(QByteArray("\x89PNG\r\n\x1a\n", 8)));
    QCOMPARE(QImage(png).width(), 2 * plot->width());  // rendered at 2x

    const QString pdf = dir.filePath(QStringLiteral("h.pdf"));
    QVERIFY2(exportPlot(plot, pdf, &error), qPrintable(error));
    QVERIFY(readAll(pdf).startsWith("%PDF"));

    const QString svg = dir.filePath(QStringLiteral("h.svg"));
    QVERIFY2(exportPlot(plot, svg, &error), qPrintable(error));
    const QByteArray svgBytes = readAll(svg);
    QVERIFY(svgBytes.contains("<svg"));
    QVERIFY(svgBytes.size() > 1000);

    error.clear();
    QVERIFY(!exportPlot(plot, dir.filePath(QStringLiteral("h.bmp")), &error));
    QVERIFY(error.contains(QStringLiteral("bmp")));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("h.bmp"))));
    error.clear();
    QVERIFY(!exportPlot(plot, dir.filePath(QStringLiteral("noext")), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!exportPlot(plot, dir.filePath(QStringLiteral("missing/dir/h.png")), nullptr));
}

void TestPlots::scatterHundredThousandPoints() {
    const testdata::ScoreTable t = testdata::makeScoreTable(100000, 0.1, 5);
    std::vector<PlotPoint> pts;
    pts.reserve(t.ids.size());
    for (size_t i = 0; i < t.ids.size(); ++i) pts.push_back({t.ids[i], t.columns[1][i], t.columns[2][i], t.decisions[i]});
    ScoreScatter s;
    s.resize(700, 450);
    s.show();
    QVERIFY(QTest::qWaitForWindowExposed(&s));

    QElapsedTimer timer;
    timer.start();
    s.setPoints(std::move(pts), QStringLiteral("HMG"), QStringLiteral("CAM"));
    const qint64 setMs = timer.restart();
    const QPixmap shot = s.grab();
    const qint64 grabMs = timer.restart();
    s.customPlot()->replot();
    const qint64 replotMs = timer.elapsed();
    // Brushing everything: the rect query is a linear scan over all points.
    QSignalSpy spy(&s, &ScoreScatter::brushed);
    timer.restart();
    const QCPRange xr = s.customPlot()->xAxis->range();
    const QCPRange yr = s.customPlot()->yAxis->range();
    dragRect(s.customPlot(), {xr.lower, yr.lower}, {xr.upper, yr.upper});
    const qint64 brushMs = timer.elapsed();
    qInfo("100k points: setPoints (incl. first replot) %lld ms, grab %lld ms, replot %lld ms, brush all %lld ms",
          setMs, grabMs, replotMs, brushMs);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(brushedIds(spy, 0).size(), 100000);

    QVERIFY(!shot.isNull());
    QCustomPlot* plot = s.customPlot();
    int drawn = 0;
    for (int g = 0; g + 1 < plot->graphCount(); ++g) drawn += plot->graph(g)->dataCount();
    QCOMPARE(drawn, 100000);
    QCOMPARE(plot->itemCount(), 0);  // no per-point items
    QVERIFY2(setMs + grabMs < 5000, "100k points took more than 5 s");
}

void TestPlots::panelDefaultsAndLinkedBrushing() {
    const testdata::ScoreTable t = testdata::makeScoreTable(500, 0.1);
    PlotsPanel panel;
    panel.resize(700, 450);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setScoreTable(t.ids, t.names, t.columns, t.decisions);
    panel.setThreshold(t.threshold);
    QVERIFY(panel.refreshPending());
    QTRY_VERIFY(!panel.refreshPending());

    QCOMPARE(panel.tabs()->count(), 3);
    QCOMPARE(panel.tabs()->tabText(1), QStringLiteral("Scatter"));
    QCOMPARE(panel.histogram()->thresholdLinePosition(), t.threshold);
    // Only the tab on show is prepared, once for the table and the threshold together; the
    // hidden plots wait until shown.
    QCOMPARE(panel.refreshCount(PlotsPanel::HistogramPlot), 1);
    QCOMPARE(panel.refreshCount(PlotsPanel::ScatterPlot), 0);
    QCOMPARE(panel.refreshCount(PlotsPanel::RankPlot), 0);
    QCOMPARE(panel.scatter()->pointCount(), size_t(0));

    panel.tabs()->setCurrentIndex(2);
    QTRY_VERIFY(!panel.refreshPending());
    QCOMPARE(panel.refreshCount(PlotsPanel::RankPlot), 1);
    QCOMPARE(panel.refreshCount(PlotsPanel::ScatterPlot), 0);
    QVERIFY(panel.rankAgreement()->titleText().startsWith(QStringLiteral("combined vs IFD")));
    // Threshold -> top fraction: 50 of 500 are at or above it.
    QCOMPARE(panel.rankAgreement()->topK(), size_t(50));

    // Brushing in the scatter reaches the panel and the other plots (when shown).
    panel.tabs()->setCurrentIndex(1);
    QTRY_VERIFY(!panel.refreshPending());
    QCOMPARE(panel.refreshCount(PlotsPanel::ScatterPlot), 1);
    QCOMPARE(panel.scatter()->pointCount(), size_t(500));
    QVERIFY(panel.scatter()->customPlot()->xAxis->label().startsWith(QStringLiteral("HMG")));
    QVERIFY(panel.scatter()->customPlot()->yAxis->label().startsWith(QStringLiteral("CAM")));
    QCustomPlot* plot = panel.scatter()->customPlot();
    plot->replot();
    QSignalSpy spy(&panel, &PlotsPanel::brushed);
    const QCPRange xr = plot->xAxis->range();
    const QCPRange yr = plot->yAxis->range();
    const QPointF from(xr.lower + 0.05 * xr.size(), yr.lower + 0.05 * yr.size());
    const QPointF to(xr.lower + 0.3 * xr.size(), yr.lower + 0.3 * yr.size());
    dragRect(plot, from, to);
    QCOMPARE(spy.count(), 1);
    const QVector<qint64> ids = brushedIds(spy, 0);
    QVERIFY(!ids.isEmpty());
    panel.tabs()->setCurrentIndex(2);
    QTRY_VERIFY(!panel.refreshPending());
    QCOMPARE(panel.refreshCount(PlotsPanel::RankPlot), 1);  // not stale: only the highlight
    QCOMPARE(panel.rankAgreement()->highlighted(), ids);
    panel.tabs()->setCurrentIndex(0);
    QTRY_VERIFY(!panel.refreshPending());
    int histHighlighted = 0;
    for (int c : panel.histogram()->highlightedBinCounts()) histHighlighted += c;
    QCOMPARE(histHighlighted, ids.size());

    // setSelection highlights the plot on show without emitting.
    panel.tabs()->setCurrentIndex(1);
    QTRY_VERIFY(!panel.refreshPending());
    panel.setSelection({t.ids[0], t.ids[1]});
    QCOMPARE(spy.count(), 1);
    QCOMPARE(panel.scatter()->highlighted(), (QVector<qint64>{t.ids[0], t.ids[1]}));

    // The cut only belongs on the ranking score's histogram.
    panel.tabs()->setCurrentIndex(0);
    panel.setHistogramColumn(2);
    QTRY_VERIFY(!panel.refreshPending());
    QVERIFY(std::isnan(panel.histogram()->thresholdLinePosition()));
    panel.setHistogramColumn(0);
    QTRY_VERIFY(!panel.refreshPending());
    QCOMPARE(panel.histogram()->thresholdLinePosition(), t.threshold);
}

void TestPlots::panelDropsAnOlderPreparation() {
    // Big enough that the preparation is still on the runner when the columns change.
    const testdata::ScoreTable t = testdata::makeScoreTable(50000, 0.1);
    PlotsPanel panel;
    panel.resize(700, 450);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.tabs()->setCurrentIndex(1);
    panel.setScoreTable(t.ids, t.names, t.columns, t.decisions);
    const QString lane = QStringLiteral("scatter");
    QElapsedTimer clock;
    clock.start();
    while (!TaskRunner::instance().busy(&panel, lane) && clock.elapsed() < 5000) QCoreApplication::processEvents();
    QVERIFY(TaskRunner::instance().busy(&panel, lane));  // the first preparation has started
    panel.setScatterColumns(3, 1);  // PPL against HMG: supersedes it
    QTRY_VERIFY(!panel.refreshPending());
    QCOMPARE(panel.refreshCount(PlotsPanel::ScatterPlot), 1);  // the first one never landed
    QVERIFY(panel.scatter()->customPlot()->xAxis->label().startsWith(t.names[3]));
    QVERIFY(panel.scatter()->customPlot()->yAxis->label().startsWith(t.names[1]));
    // And what landed is the newer columns' points: every drawn point is one of them.
    QCOMPARE(panel.scatter()->pointCount(), t.ids.size());
    std::set<std::pair<double, double>> newer;
    for (size_t i = 0; i < t.ids.size(); ++i) newer.insert({t.columns[3][i], t.columns[1][i]});
    QCustomPlot* plot = panel.scatter()->customPlot();
    plot->replot();
    int drawn = 0;
    for (int g = 0; g + 1 < plot->graphCount(); ++g) {
        for (auto it = plot->graph(g)->data()->constBegin(); it != plot->graph(g)->data()->constEnd(); ++it) {
            QVERIFY(newer.count({it->key, it->value}));
            ++drawn;
        }
    }
    QVERIFY(drawn > 0);
}

void TestPlots::thinningKeepsEveryOccupiedCell() {
    // Independent truth: the set of (series, 2x2 pixel cell) pairs the full data occupies in the
    // home view must equal the one the thinned points occupy, one point per pair.
    std::mt19937 rng(5);
    std::normal_distribution<double> nd(0, 1);
    std::vector<ScatterItem> items;
    for (int i = 0; i < 60000; ++i) items.push_back({i, nd(rng), nd(rng) * 3, i % 7 == 0 ? 1 : 0});
    items.push_back({-1, std::nan(""), 1, 0});  // not drawable
    const QSize area(300, 200);
    const ScatterPoints p = prepareScatter(items, 2, area);
    QCOMPARE(p.items.size(), items.size());
    QCOMPARE(p.thinned.size(), size_t(2));
    QCOMPARE(p.grid, area);
    const QCPRange xr = homeRange(p.xlo, p.xhi), yr = homeRange(p.ylo, p.yhi);
    const auto cellOf = [&](double x, double y) {
        const int w = area.width() / 2, h = area.height() / 2;  // 2x2 pixel cells
        const double sx = w / xr.size(), sy = h / yr.size();
        return std::pair<int, int>(std::clamp(int((x - xr.lower) * sx), 0, w - 1),
                                   std::clamp(int((y - yr.lower) * sy), 0, h - 1));
    };
    for (int s = 0; s < 2; ++s) {
        std::set<std::pair<int, int>> full, thin;
        size_t fullCount = 0;
        for (const ScatterItem& it : items)
            if (it.series == s && std::isfinite(it.x)) full.insert(cellOf(it.x, it.y)), ++fullCount;
        QCOMPARE(size_t(p.series[size_t(s)]->size()), fullCount);  // the full data stays for zooming
        for (auto it = p.thinned[size_t(s)]->constBegin(); it != p.thinned[size_t(s)]->constEnd(); ++it)
            thin.insert(cellOf(it->key, it->value));
        QCOMPARE(thin, full);
        QCOMPARE(size_t(p.thinned[size_t(s)]->size()), full.size());
        QVERIFY(full.size() < fullCount);  // it did thin
    }
    // Too few points to bother: nothing thinned.
    QVERIFY(prepareScatter(std::vector<ScatterItem>(items.begin(), items.begin() + 1000), 2, area).thinned.empty());
}


QTEST_MAIN(TestPlots)
#include "test_plots.moc"
