// Behavioural tests for the heatmap widgets. Expected values are computed independently of
// the widget code (palette stops written out by hand, percentiles by sorting, cell positions
// from continuous geometry) so a wrong mapping cannot agree with itself.

#include "ui/heatmap/color_scale.h"
#include "ui/heatmap/matrix_heatmap.h"
#include "ui/heatmap/segment_minimap.h"
#include "ui/heatmap/token_heatmap_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <random>

using namespace gateau::ui;

namespace {

QColor swapRedBlue(const QColor& c) { return QColor(c.blue(), c.green(), c.red()); }

QImage grabImage(QWidget* w) { return w->grab().toImage().convertToFormat(QImage::Format_RGB32); }

// A few hundred tokens with every layout feature: leading spaces, newlines, a double newline,
// punctuation, an empty token and one token much wider than the viewport.
std::vector<QString> knownTokens() {
    const QString words[] = {QStringLiteral(" the"), QStringLiteral(" quick"), QStringLiteral(" brown"),
                             QStringLiteral(" fox"), QStringLiteral(" jumps"), QStringLiteral(" over"),
                             QStringLiteral(","),    QStringLiteral(" lazy"),  QStringLiteral(" dogs"),
                             QStringLiteral(".")};
    std::vector<QString> t;
    for (int i = 0; i < 320; ++i) {
        if (i % 37 == 36) t.push_back(QStringLiteral("\n"));
        else if (i == 100) t.push_back(QStringLiteral("\n\n"));
        else if (i == 150) t.push_back(QString(200, QLatin1Char('W')));
        else if (i == 200) t.push_back(QString());
        else t.push_back(words[(i * 7) % 10]);
    }
    return t;
}

}  // namespace

class TestHeatmap : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QApplication::setFont(QFont(QStringLiteral("DejaVu Sans"), 10)); }

    // --- ColorScale ------------------------------------------------------------------------
    void sequentialEndpointsAndMidpoint() {
        const ColorScale s = ColorScale::sequential(2.0f);
        QCOMPARE(s.color(0.0f), QColor(255, 255, 255));
        QCOMPARE(s.color(2.0f), QColor(179, 0, 0));
        QCOMPARE(s.color(1.0f), QColor(253, 187, 132));       // stop at t = 0.5
        QCOMPARE(s.color(0.5f), QColor(254, 232, 200));       // stop at t = 0.25
        QCOMPARE(s.color(0.25f), QColor(255, 244, 228));      // half-way white -> that stop
        QCOMPARE(s.color(50.0f), QColor(179, 0, 0));          // clamped above
        QCOMPARE(s.color(-1.0f), QColor(255, 255, 255));      // clamped below
        QCOMPARE(s.minimum(), 0.0f);
        QCOMPARE(s.maximum(), 2.0f);
    }

    void gammaAndLogLiftSmallValues() {
        const ColorScale g = ColorScale::sequential(1.0f, 0.5f);
        QVERIFY(std::fabs(g.normalized(0.25f) - 0.5) < 1e-6);
        QCOMPARE(g.color(0.25f), ColorScale::sequential(1.0f).color(0.5f));
        const ColorScale l = ColorScale::sequentialLog(1.0f, 1e-4f);
        QCOMPARE(l.normalized(1e-4f), 0.0);
        QCOMPARE(l.normalized(1.0f), 1.0);
        QVERIFY(std::fabs(l.normalized(1e-2f) - 0.5) < 1e-4);  // half-way in decades
        // 1/65536 of the mass is next to invisible linearly but clearly coloured on a log scale.
        auto distanceFromWhite = [](const QColor& c) { return 3 * 255 - c.red() - c.green() - c.blue(); };
        QVERIFY(distanceFromWhite(ColorScale::sequential(1e-3f).color(1.0f / 65536)) < 10);
        QVERIFY(distanceFromWhite(ColorScale::sequentialLog(1e-3f, 1e-3f).color(1.0f / 65536)) > 60);
    }

    void nanIsGrey() {
        const QColor grey(160, 160, 160);
        QCOMPARE(ColorScale::sequential(1.0f).color(std::nanf("")), grey);
        QCOMPARE(ColorScale::diverging(1.0f).color(std::nanf("")), grey);
        QCOMPARE(ColorScale::nanColor(), grey);
    }

    void divergingIsSymmetric() {
        const ColorScale d = ColorScale::diverging(2.0f);
        QCOMPARE(d.minimum(), -2.0f);
        QCOMPARE(d.color(0.0f), QColor(255, 255, 255));
        QCOMPARE(d.color(2.0f), QColor(215, 48, 39));
        QCOMPARE(d.color(-2.0f), QColor(39, 48, 215));
        QCOMPARE(d.color(1.0f), QColor(253, 174, 97));
        for (float v : {0.01f, 0.3f, 0.77f, 1.5f, 2.0f, 9.0f}) {
            QCOMPARE(d.normalized(-v), -d.normalized(v));
            QCOMPARE(d.color(-v), swapRedBlue(d.color(v)));
            QVERIFY(d.color(v).red() > d.color(v).blue());    // positive is warm
            QVERIFY(d.color(-v).blue() > d.color(-v).red());  // negative is cold
        }
    }

    void robustMaxIgnoresOneOutlier() {
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> u(0.0f, 1.0f);
        std::vector<float> v(537);
        for (float& x : v) x = u(rng);
        v.push_back(1000.0f);
        v.push_back(std::nanf(""));  // NaN must neither count nor crash
        std::vector<float> sorted;
        for (float x : v) if (!std::isnan(x)) sorted.push_back(x);
        std::sort(sorted.begin(), sorted.end());
        const size_t n = sorted.size();                 // 538
        const size_t rank = (99 * n + 99) / 100;        // ceil(0.99 n), nearest-rank
        const float expected = sorted[rank - 1];
        QCOMPARE(ColorScale::robustMax(v, 0.99), expected);
        const ColorScale s = ColorScale::fromValues(v, ColorScale::Kind::Sequential);
        QCOMPARE(s.maximum(), expected);
        QVERIFY(s.maximum() < 1.0f);
        QVERIFY(s.color(0.5f) != s.color(0.0f));  // the bulk still shows gradation

        // Diverging uses magnitudes: a huge negative outlier must not set the range either.
        std::vector<float> signedV(v.begin(), v.begin() + 537);
        for (size_t i = 0; i < signedV.size(); i += 2) signedV[i] = -signedV[i];
        signedV.push_back(-1000.0f);
        std::vector<float> mags;
        for (float x : signedV) mags.push_back(std::fabs(x));
        std::sort(mags.begin(), mags.end());
        const ColorScale d = ColorScale::fromValues(signedV, ColorScale::Kind::Diverging);
        QCOMPARE(d.kind(), ColorScale::Kind::Diverging);
        QCOMPARE(d.maximum(), mags[(99 * mags.size() + 99) / 100 - 1]);
        // Degenerate inputs fall back to a usable range.
        QCOMPARE(ColorScale::robustMax({}), 1.0f);
        QCOMPARE(ColorScale::robustMax({0.0f, 0.0f}), 1.0f);
    }

    void legendText() {
        QVERIFY(ColorScale::sequential(0.5f).legendText().contains(QStringLiteral("0.5")));
        const QString d = ColorScale::diverging(3.0f).legendText();
        QVERIFY(d.contains(QStringLiteral("-3")) && d.contains(QStringLiteral("+3")));
        QVERIFY(ColorScale::sequentialLog(1.0f).legendText().contains(QStringLiteral("log")));
    }

    void legendWidgetDrawsTheRamp() {
        ColorLegend legend;
        legend.setScale(ColorScale::diverging(1.0f));
        legend.resize(300, legend.sizeHint().height());
        const QImage img = grabImage(&legend);
        const int y = legend.fontMetrics().height() / 8 + legend.fontMetrics().height() / 3;
        // Just inside the outline the ramp is within a few steps of its end colours.
        auto near = [](const QColor& a, const QColor& b) {
            return std::abs(a.red() - b.red()) <= 4 && std::abs(a.green() - b.green()) <= 4 &&
                   std::abs(a.blue() - b.blue()) <= 4;
        };
        QVERIFY(near(QColor(img.pixel(1, y)), QColor(39, 48, 215)));    // left end: minimum
        QVERIFY(near(QColor(img.pixel(298, y)), QColor(215, 48, 39)));  // right end: maximum
        QVERIFY(near(QColor(img.pixel(150, y)), QColor(255, 255, 255)));
    }

    // The "sample range" scale: linear from the sample's lowest to its highest value.
    void sampleRangeScale() {
        const ColorScale r = ColorScale::sequentialRange(0.2f, 0.6f);
        QCOMPARE(r.minimum(), 0.2f);
        QCOMPARE(r.maximum(), 0.6f);
        QCOMPARE(r.normalized(0.2f), 0.0);
        QVERIFY(std::fabs(r.normalized(0.4f) - 0.5) < 1e-6);
        QVERIFY(std::fabs(r.normalized(0.6f) - 1.0) < 1e-6);
        QCOMPARE(r.normalized(0.1f), 0.0);
        QCOMPARE(r.normalized(0.9f), 1.0);
        QVERIFY(r != ColorScale::sequential(0.6f));
        QVERIFY(r.legendText().startsWith(QStringLiteral("0.2")));
        // Nothing to spread (min >= max): the plain 0..max scale.
        QCOMPARE(ColorScale::sequentialRange(0.6f, 0.6f).minimum(), 0.0f);
    }

    // Legend labels never overlap, however narrow the legend: the centre label goes first,
    // then the left one; the right one (the maximum) always stays.
    void legendLabelsNeverOverlap() {
        const QFontMetrics fm(QApplication::font());
        const ColorScale log = ColorScale::sequentialLog(0.00372f, 0.2f);
        const QString minText = QStringLiteral("≤0.000744");
        for (int width : {400, 200, 150, 120, 100, 80, 60, 30}) {
            const QStringList l = ColorLegend::legendLabels(log, minText, fm, width);
            QCOMPARE(l.size(), 3);
            QVERIFY(!l[2].isEmpty());
            const int gap = fm.horizontalAdvance(QLatin1Char(' '));
            const int left = fm.horizontalAdvance(l[0]), right = fm.horizontalAdvance(l[2]);
            const int centre = fm.horizontalAdvance(l[1]);
            // Left label [0, left), centre [(w - c) / 2, (w + c) / 2), right [w - right, w).
            if (!l[0].isEmpty()) QVERIFY2(left + gap <= width - right, qPrintable(QString::number(width)));
            if (!l[1].isEmpty()) {
                QVERIFY2(left + gap <= (width - centre) / 2, qPrintable(QString::number(width)));
                QVERIFY2((width + centre + 1) / 2 + gap <= width - right, qPrintable(QString::number(width)));
            }
            if (width == 400) QVERIFY(!l[0].isEmpty() && !l[1].isEmpty());
        }
    }

    // A span of tokens by Shift+click and by dragging; the evidence bar is drawn under its tokens.
    void spanSelectionAndEvidenceBar() {
        TokenHeatmapView view;
        view.resize(500, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const std::vector<QString> texts = knownTokens();
        view.setTokens(texts, std::vector<float>(texts.size(), 0.0f), ColorScale{});
        QCOMPARE(view.span(), std::make_pair(-1, -1));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.tokenRect(7).center());
        QCOMPARE(view.span(), std::make_pair(7, 7));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, Qt::ShiftModifier, view.tokenRect(3).center());
        QCOMPARE(view.span(), std::make_pair(3, 7));
        QTest::keyClick(&view, Qt::Key_Right, Qt::ShiftModifier);
        QCOMPARE(view.span(), std::make_pair(4, 7));
        QTest::keyClick(&view, Qt::Key_Right);  // without Shift: one token again
        QCOMPARE(view.span(), std::make_pair(5, 5));
        // Drag from 10 to 14.
        QTest::mousePress(view.viewport(), Qt::LeftButton, {}, view.tokenRect(10).center());
        QMouseEvent move(QEvent::MouseMove, QPointF(view.tokenRect(14).center()), view.viewport()->mapToGlobal(QPointF(view.tokenRect(14).center())),
                         Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(view.viewport(), &move);
        QTest::mouseRelease(view.viewport(), Qt::LeftButton, {}, view.tokenRect(14).center());
        QCOMPARE(view.span(), std::make_pair(10, 14));

        view.setSpan(-1, -1);
        view.setEvidence(2, 5);
        QCOMPARE(view.evidence(), std::make_pair(2, 5));
        const QImage img = grabImage(view.viewport());
        const QRect r = view.tokenRect(3);
        const QColor bar(img.pixel(r.center().x(), r.bottom() - 1));
        QVERIFY2(bar.green() > 120 && bar.red() < 60, qPrintable(bar.name()));
        const QColor outside(img.pixel(view.tokenRect(8).center().x(), view.tokenRect(8).bottom() - 1));
        QVERIFY2(!(outside.green() > 120 && outside.red() < 60), qPrintable(outside.name()));
        view.setEvidence(-1, -1);
        QCOMPARE(view.evidence().first, -1);

        // Segment boundaries: a dark bar just before the boundary token, none before others.
        view.setBoundaries({12, 6});
        QCOMPARE(view.boundaries(), (std::vector<int>{6, 12}));
        const QImage marks = grabImage(view.viewport());
        auto darkBefore = [&](int t) {
            const QRect r = view.tokenRect(t);
            return QColor(marks.pixel(r.left() - 1, r.center().y())).lightness() < 100;
        };
        QVERIFY(darkBefore(6));
        QVERIFY(darkBefore(12));
        QVERIFY(!darkBefore(9));
    }

    // --- TokenHeatmapView ------------------------------------------------------------------
    void layoutWrapsInReadingOrder() {
        TokenHeatmapView view;
        view.resize(500, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const std::vector<QString> texts = knownTokens();
        const int n = int(texts.size());
        view.setTokens(texts, std::vector<float>(size_t(n), 0.0f), ColorScale::sequential(1.0f));
        const int vw = view.viewport()->width();
        const int left = view.tokenRect(0).left();
        QVERIFY(left >= 0);
        for (int i = 0; i < n; ++i) {
            const QRect r = view.tokenRect(i);
            QVERIFY2(r.isValid() && r.left() >= 0 && r.right() < vw, qPrintable(QString::number(i)));
            if (i == 0) continue;
            const QRect p = view.tokenRect(i - 1);
            QVERIFY(!r.intersects(p));
            const bool sameLine = r.top() == p.top();
            QVERIFY2(sameLine ? r.left() > p.right() : (r.top() > p.top() && r.left() == left),
                     qPrintable(QString::number(i)));
            const bool prevBreaks = texts[size_t(i - 1)].contains(QLatin1Char('\n'));
            if (prevBreaks) QVERIFY2(!sameLine, qPrintable(QString::number(i)));
            // Greedy wrap: a line is only broken when the next token really does not fit.
            if (!sameLine && !prevBreaks && i - 1 != 150)
                QVERIFY2(p.right() + 1 + r.width() > vw - left, qPrintable(QString::number(i)));
        }
        // "\n\n" leaves one empty line; a single "\n" does not.
        const int lineStep = view.tokenRect(37).top() - view.tokenRect(36).top();
        QVERIFY(lineStep > 0);
        QCOMPARE(view.tokenRect(101).top() - view.tokenRect(100).top(), 2 * lineStep);
        // The oversized token is clipped to the viewport and sits on its own line.
        const QRect wide = view.tokenRect(150);
        QCOMPARE(wide.left(), left);
        QVERIFY(wide.right() < vw);
        QVERIFY(view.tokenRect(151).top() > wide.top());
        QVERIFY(view.tokenRect(149).top() < wide.top());
        // The empty token still has a clickable area.
        QVERIFY(view.tokenRect(200).width() > 0);
    }

    void hitTestingMatchesRects() {
        TokenHeatmapView view;
        view.resize(500, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const std::vector<QString> texts = knownTokens();
        view.setTokens(texts, std::vector<float>(texts.size(), 0.0f), ColorScale{});
        for (int i = 0; i < view.tokenCount(); ++i)
            QCOMPARE(view.tokenAt(view.tokenRect(i).center()), i);
        // Right of the text on a line that ends early (after "\n"), and the left margin.
        const QRect nl = view.tokenRect(36);
        QCOMPARE(view.tokenAt(QPoint(view.viewport()->width() - 2, nl.center().y())), -1);
        QCOMPARE(view.tokenAt(QPoint(0, view.tokenRect(0).center().y())), -1);
        QCOMPARE(view.tokenAt(QPoint(10, -500)), -1);
    }

    void hoverAndClickEmitSignals() {
        TokenHeatmapView view;
        view.resize(500, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const std::vector<QString> texts = knownTokens();
        view.setTokens(texts, std::vector<float>(texts.size(), 0.0f), ColorScale{});
        QSignalSpy hovered(&view, &TokenHeatmapView::tokenHovered);
        QSignalSpy clicked(&view, &TokenHeatmapView::tokenClicked);
        for (int target : {3, 37, 60}) {
            const QPoint c = view.tokenRect(target).center();
            QTest::mouseMove(view.viewport(), c);
            QVERIFY(!hovered.isEmpty());
            QCOMPARE(hovered.last().at(0).toInt(), target);
            QCOMPARE(view.hoveredToken(), target);
            QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, c);
            QCOMPARE(clicked.count(), 1);
            QCOMPARE(clicked.takeFirst().at(0).toInt(), target);
            QCOMPARE(view.selectedToken(), target);
        }
        // Moving onto empty space reports -1; clicking there selects nothing.
        const QPoint empty(view.viewport()->width() - 2, view.tokenRect(36).center().y());
        QTest::mouseMove(view.viewport(), empty);
        QCOMPARE(hovered.last().at(0).toInt(), -1);
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, empty);
        QCOMPARE(clicked.count(), 0);
    }

    void keyboardMovesSelection() {
        TokenHeatmapView view;
        view.resize(500, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const std::vector<QString> texts = knownTokens();
        view.setTokens(texts, std::vector<float>(texts.size(), 0.0f), ColorScale{});
        QSignalSpy clicked(&view, &TokenHeatmapView::tokenClicked);
        view.setSelectedToken(10);
        QTest::keyClick(&view, Qt::Key_Right);
        QCOMPARE(view.selectedToken(), 11);
        QCOMPARE(clicked.last().at(0).toInt(), 11);
        QTest::keyClick(&view, Qt::Key_Left);
        QTest::keyClick(&view, Qt::Key_Left);
        QCOMPARE(view.selectedToken(), 9);
        const QRect before = view.tokenRect(9);
        QTest::keyClick(&view, Qt::Key_Down);
        const int down = view.selectedToken();
        const QRect after = view.tokenRect(down);
        QCOMPARE(view.lineOfToken(down), view.lineOfToken(9) + 1);
        QVERIFY(after.left() <= before.center().x() || down == view.tokenCount() - 1);
        QCOMPARE(clicked.last().at(0).toInt(), down);
        QTest::keyClick(&view, Qt::Key_End);
        QCOMPARE(view.selectedToken(), view.tokenCount() - 1);
        QVERIFY(view.viewport()->rect().contains(view.tokenRect(view.tokenCount() - 1)));
    }

    void scrollToTokenShowsIt() {
        TokenHeatmapView view;
        view.resize(500, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        std::vector<QString> texts;
        for (int i = 0; i < 3000; ++i) texts.push_back(QStringLiteral(" tok%1").arg(i));
        view.setTokens(texts, std::vector<float>(texts.size(), 0.0f), ColorScale{});
        const QRect vp = view.viewport()->rect();
        QVERIFY(!vp.intersects(view.tokenRect(2999)));
        QSignalSpy visible(&view, &TokenHeatmapView::visibleTokensChanged);
        view.scrollToToken(2999);
        QVERIFY(vp.contains(view.tokenRect(2999)));
        QCOMPARE(view.visibleTokenRange().second, 2999);
        QVERIFY(!visible.isEmpty());
        QCOMPARE(visible.last().at(1).toInt(), 2999);
        QVERIFY(vp.intersects(view.tokenRect(visible.last().at(0).toInt())));
        QVERIFY(!vp.intersects(view.tokenRect(visible.last().at(0).toInt() - 40)));
        view.scrollToToken(1500);
        QVERIFY(vp.contains(view.tokenRect(1500)));
        view.scrollToToken(0);
        QVERIFY(vp.contains(view.tokenRect(0)));
        QCOMPARE(view.visibleTokenRange().first, 0);
    }

    void resizeRewrapsOnlyOnWidthChange() {
        TokenHeatmapView view;
        view.resize(500, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const std::vector<QString> texts = knownTokens();
        view.setTokens(texts, std::vector<float>(texts.size(), 0.0f), ColorScale{});
        const int layouts = view.layoutCount();
        const int lines = view.lineCount();
        view.resize(500, 420);
        QCOMPARE(view.layoutCount(), layouts);
        view.resize(300, 420);
        QCOMPARE(view.layoutCount(), layouts + 1);
        QVERIFY(view.lineCount() > lines);
        for (int i = 0; i < view.tokenCount(); ++i)
            QVERIFY(view.tokenRect(i).right() < view.viewport()->width());
    }

    void setValuesRecolours() {
        TokenHeatmapView view;
        view.resize(500, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        std::vector<QString> texts(40, QStringLiteral(" word"));
        texts[7] = QStringLiteral("    ");  // all background: any pixel inside is the fill
        view.setTokens(texts, std::vector<float>(texts.size(), 0.0f), ColorScale::sequential(1.0f));
        const int layouts = view.layoutCount();
        auto sample = [&](int i) {
            const QImage img = grabImage(view.viewport());
            return QColor(img.pixel(view.tokenRect(i).center()));
        };
        auto sampleEdge = [&](int i) {  // left edge: inside the box, before any glyph
            const QImage img = grabImage(view.viewport());
            const QRect r = view.tokenRect(i);
            return QColor(img.pixel(r.left(), r.center().y()));
        };
        QCOMPARE(sample(7), QColor(Qt::white));
        std::vector<float> values(texts.size(), 0.0f);
        values[7] = 0.75f;
        values[12] = 0.3f;
        const ColorScale scale = ColorScale::sequential(1.0f);
        view.setValues(values, scale);
        QCOMPARE(view.layoutCount(), layouts);
        QCOMPARE(sample(7), scale.color(0.75f));
        QCOMPARE(sampleEdge(12), scale.color(0.3f));
        QCOMPARE(sampleEdge(6), QColor(Qt::white));
        const ColorScale d = ColorScale::diverging(1.0f);
        values[7] = -0.5f;
        view.setValues(values, d);
        QCOMPARE(sample(7), d.color(-0.5f));
        values[7] = std::nanf("");
        view.setValues(values, d);
        QCOMPARE(sample(7), ColorScale::nanColor());
    }

    void markedRangeIsOutlined() {
        TokenHeatmapView view;
        view.resize(500, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        std::vector<QString> texts(60, QStringLiteral(" word"));
        view.setTokens(texts, std::vector<float>(texts.size(), 0.0f), ColorScale{});
        view.setMarkedRanges({{10, 20, QColor(0, 0, 255), QStringLiteral("instruction")}});
        const QImage img = grabImage(view.viewport());
        const QRect r = view.tokenRect(10);
        QCOMPARE(QColor(img.pixel(r.left(), r.center().y())), QColor(0, 0, 255));
        const QRect outside = view.tokenRect(30);
        QCOMPARE(QColor(img.pixel(outside.left(), outside.center().y())), QColor(Qt::white));
        QVERIFY(view.toolTipForToken(15).contains(QStringLiteral("instruction")));
        QVERIFY(!view.toolTipForToken(25).contains(QStringLiteral("instruction")));
    }

    void tooltipShowsEscapedTextIdPositionValue() {
        TokenHeatmapView view;
        view.setTokens({QStringLiteral("a"), QStringLiteral(" <b>\n")}, {0.5f, 0.25f}, ColorScale{});
        view.setTokenIds({17, 4242});
        view.setPositionOffset(1000);
        const QString tip = view.toolTipForToken(1);
        QVERIFY2(tip.contains(QStringLiteral("·&lt;b&gt;↵")), qPrintable(tip));
        QVERIFY(!tip.contains(QStringLiteral("<b>\n")));
        QVERIFY(tip.contains(QStringLiteral("4242")));
        QVERIFY(tip.contains(QStringLiteral("1001")));
        QVERIFY(tip.contains(QStringLiteral("0.25")));
        QVERIFY(view.toolTipForToken(2).isEmpty());

        // The hover tooltip goes through the viewport's ToolTip event.
        view.resize(300, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QPoint pos = view.tokenRect(1).center();
        QHelpEvent help(QEvent::ToolTip, pos, view.viewport()->mapToGlobal(pos));
        QApplication::sendEvent(view.viewport(), &help);
        QTRY_VERIFY(QToolTip::isVisible());
        QCOMPARE(QToolTip::text(), tip);
        QToolTip::hideText();
    }

    void longContextPaintsOnlyVisibleTokens() {
        TokenHeatmapView view;
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const int n = 65536;
        std::vector<QString> texts;
        std::vector<float> values;
        texts.reserve(n);
        for (int i = 0; i < n; ++i) {
            texts.push_back(i % 50 == 49 ? QStringLiteral("\n") : QStringLiteral(" w%1").arg(i % 997));
            values.push_back(float(i % 101) / 100.0f);
        }
        QElapsedTimer timer;
        timer.start();
        view.setTokens(std::move(texts), std::move(values), ColorScale::sequential(1.0f));
        (void)grabImage(&view);
        qInfo("setTokens + layout + first paint of %d tokens: %lld ms", n, qlonglong(timer.elapsed()));
        QVERIFY(view.measuredStringCount() <= 998);  // each distinct string measured once
        const QRect vp = view.viewport()->rect();
        for (int scroll : {0, view.verticalScrollBar()->maximum() / 2, view.verticalScrollBar()->maximum()}) {
            view.verticalScrollBar()->setValue(scroll);
            (void)grabImage(&view);
            const int painted = view.lastPaintedTokenCount();
            int visible = 0;  // tokens on lines that intersect the viewport, counted independently
            const auto range = view.visibleTokenRange();
            for (int i = std::max(0, range.first - 200); i < std::min(n, range.second + 200); ++i)
                if (vp.intersects(view.tokenRect(i))) ++visible;
            QVERIFY(painted > 0);
            QVERIFY2(painted < 5000, qPrintable(QString::number(painted)));
            QVERIFY2(painted >= visible && painted <= visible + 200,
                     qPrintable(QStringLiteral("%1 vs %2").arg(painted).arg(visible)));
        }
    }

    // --- SegmentMinimap --------------------------------------------------------------------
    void minimapClickMapsToSegment() {
        SegmentMinimap map;
        map.resize(map.sizeHint().width(), 400);
        map.show();
        QVERIFY(QTest::qWaitForWindowExposed(&map));
        const int n = 100;
        map.setData(std::vector<float>(n, 0.1f), ColorScale::sequential(1.0f),
                    std::vector<float>(n, 0.0f), ColorScale::diverging(1.0f));
        QSignalSpy spy(&map, &SegmentMinimap::segmentClicked);
        const QRect s = map.stripRect();
        QVERIFY(s.height() > 300);
        for (int y : {s.top(), s.top() + 1, s.top() + 57, s.center().y(), s.bottom() - 3, s.bottom()}) {
            const int expected = int(std::floor(double(y - s.top()) * n / s.height()));
            QTest::mouseClick(&map, Qt::LeftButton, {}, QPoint(s.center().x(), y));
            QCOMPARE(spy.last().at(0).toInt(), expected);
        }
        // Dragging reports each new segment under the pointer.
        spy.clear();
        QTest::mousePress(&map, Qt::LeftButton, {}, QPoint(s.center().x(), s.top() + 2));
        QMouseEvent move(QEvent::MouseMove, QPointF(s.center().x(), s.top() + s.height() / 2),
                         map.mapToGlobal(QPointF(s.center().x(), s.top() + s.height() / 2)),
                         Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&map, &move);
        QTest::mouseRelease(&map, Qt::LeftButton, {}, QPoint(s.center().x(), s.top() + s.height() / 2));
        QCOMPARE(spy.count(), 2);
        QCOMPARE(spy.at(0).at(0).toInt(), 0);
        QCOMPARE(spy.at(1).at(0).toInt(), (s.height() / 2) * n / s.height());
        QVERIFY(map.toolTipForSegment(42).contains(QStringLiteral("42")));
    }

    void minimapAggregatesWithMax() {
        SegmentMinimap map;
        map.resize(map.sizeHint().width(), 300);
        map.show();
        QVERIFY(QTest::qWaitForWindowExposed(&map));
        const QRect s = map.stripRect();
        const int h = s.height();
        const int n = 20 * h;  // 20 segments per pixel row
        std::vector<float> att(size_t(n), 0.1f);
        std::vector<float> imp(size_t(n), 0.1f);
        const int spike = 20 * (h / 3) + 7;  // lands in row h / 3
        att[size_t(spike)] = 1.0f;
        imp[size_t(spike)] = -0.9f;  // a strong negative beats weak positive neighbours
        const ColorScale a = ColorScale::sequential(1.0f);
        const ColorScale d = ColorScale::diverging(1.0f);
        map.setData(att, a, imp, d);
        map.setVisibleSegments(-1, -1);
        const QImage img = grabImage(&map);
        const int ax = map.attentionColumnRect().center().x();
        const int ix = map.importanceColumnRect().center().x();
        const int row = s.top() + h / 3;
        QCOMPARE(QColor(img.pixel(ax, row)), a.color(1.0f));
        QCOMPARE(QColor(img.pixel(ix, row)), d.color(-0.9f));
        QCOMPARE(QColor(img.pixel(ax, row + 2)), a.color(0.1f));
        QCOMPARE(QColor(img.pixel(ix, row - 2)), d.color(0.1f));
    }

    void minimapShowsVisibleRange() {
        SegmentMinimap map;
        map.resize(map.sizeHint().width(), 300);
        map.show();
        QVERIFY(QTest::qWaitForWindowExposed(&map));
        map.setData(std::vector<float>(10, 0.0f), ColorScale::sequential(1.0f),
                    std::vector<float>(10, 0.0f), ColorScale::diverging(1.0f));
        const QImage before = grabImage(&map);
        map.setVisibleSegments(2, 4);
        const QImage after = grabImage(&map);
        const int x = map.attentionColumnRect().center().x();
        const auto span = map.segmentSpan(3);
        QVERIFY(before.pixel(x, (span.first + span.second) / 2) != after.pixel(x, (span.first + span.second) / 2));
        const auto far = map.segmentSpan(8);
        QCOMPARE(before.pixel(x, (far.first + far.second) / 2), after.pixel(x, (far.first + far.second) / 2));
    }

    // --- MatrixHeatmap ---------------------------------------------------------------------
    void matrixCellUnderMouse() {
        MatrixHeatmap m;
        m.resize(700, 420);
        m.show();
        QVERIFY(QTest::qWaitForWindowExposed(&m));
        const int rows = 12, cols = 40;
        std::vector<float> v(size_t(rows * cols));
        for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) / float(v.size() - 1);
        QStringList labels;
        for (int r = 0; r < rows; ++r) labels << QStringLiteral("L%1").arg(r);
        m.setMatrix(rows, cols, v, labels, QStringLiteral("segment"));
        const QRect c = m.cellsRect();
        QVERIFY(c.width() > cols * 5 && c.height() > rows * 5);
        auto centre = [&](int r, int col) {
            return QPoint(c.left() + int((col + 0.5) * c.width() / cols),
                          c.top() + int((r + 0.5) * c.height() / rows));
        };
        for (int r = 0; r < rows; ++r)
            for (int col = 0; col < cols; ++col)
                QCOMPARE(m.cellAt(centre(r, col)), std::make_pair(r, col));
        QCOMPARE(m.cellAt(QPoint(c.left() - 3, c.center().y())), std::make_pair(-1, -1));
        QSignalSpy hovered(&m, &MatrixHeatmap::cellHovered);
        QSignalSpy clicked(&m, &MatrixHeatmap::cellClicked);
        for (auto [r, col] : {std::pair{0, 0}, std::pair{11, 39}, std::pair{5, 17}}) {
            QTest::mouseMove(&m, centre(r, col));
            QCOMPARE(hovered.last().at(0).toInt(), r);
            QCOMPARE(hovered.last().at(1).toInt(), col);
            QTest::mouseClick(&m, Qt::LeftButton, {}, centre(r, col));
            QCOMPARE(clicked.last().at(0).toInt(), r);
            QCOMPARE(clicked.last().at(1).toInt(), col);
        }
        QVERIFY(m.toolTipForCell(5, 17).contains(QStringLiteral("L5")));
        QVERIFY(m.toolTipForCell(5, 17).contains(QStringLiteral("17")));
    }

    void matrixPixelsMatchScale() {
        MatrixHeatmap m;
        m.resize(700, 420);
        m.show();
        QVERIFY(QTest::qWaitForWindowExposed(&m));
        const int rows = 12, cols = 40;
        std::vector<float> v(size_t(rows * cols));
        for (size_t i = 0; i < v.size(); ++i) v[i] = float((i * 37) % v.size()) / float(v.size());
        m.setMatrix(rows, cols, v);
        QCOMPARE(m.colorScale().kind(), ColorScale::Kind::Sequential);  // no negatives
        const ColorScale s = ColorScale::sequential(1.0f, 0.7f);
        m.setColorScale(s);
        const QImage img = grabImage(&m);
        const QRect c = m.cellsRect();
        for (int r = 0; r < rows; ++r)
            for (int col = 0; col < cols; col += 3) {
                const QPoint p(c.left() + int((col + 0.5) * c.width() / cols),
                               c.top() + int((r + 0.5) * c.height() / rows));
                QCOMPARE(QColor(img.pixel(p)), s.color(v[size_t(r * cols + col)]));
            }
        // Negative data picks a diverging scale until one is set explicitly.
        MatrixHeatmap d;
        d.setMatrix(1, 3, {-1.0f, 0.0f, 1.0f});
        QCOMPARE(d.colorScale().kind(), ColorScale::Kind::Diverging);
    }
};

QTEST_MAIN(TestHeatmap)
#include "test_heatmap.moc"
