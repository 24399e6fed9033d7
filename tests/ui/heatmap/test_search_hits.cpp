// Search hits in a token sequence (ui/heatmap/search_hits.h) against hand-worked cases, and the
// amber bar the heatmap draws over them.
#include "ui/heatmap/search_hits.h"
#include "ui/heatmap/token_heatmap_view.h"

#include <QtTest>

using namespace gateau::ui;
using Ranges = std::vector<std::pair<int, int>>;

namespace {
// Characters: "The river bank Rivers rïver, riv|er deliver" where "river"+"bank" is one word
// ("riverbank") and " riv" + "er" is "river" split over two tokens.
const std::vector<QString> kTokens = {"The", " river", "bank", " Rivers", QString::fromUtf8(" r\xc3\xafver"), ",",
                                      " riv", "er", " deliver"};
}  // namespace

class TestSearchHits : public QObject {
    Q_OBJECT
private slots:
    void terms() {
        const auto t = searchTerms("don't  STOP* AND \"Café\" NEAR(x)");
        QCOMPARE(t.size(), size_t(5));
        QCOMPARE(t[0].text, QString("don"));
        QCOMPARE(t[1].text, QString("t"));
        QCOMPARE(t[2].text, QString("stop"));
        QVERIFY(t[2].prefix && !t[0].prefix);
        QCOMPARE(t[3].text, QString("cafe"));  // case and diacritics folded, quotes dropped
        QCOMPARE(t[4].text, QString("x"));  // NEAR(x): the operator dropped, its words kept
        QVERIFY(searchTerms("AND OR NOT").empty());
    }

    void wholeWords() {
        // "riverbank" and "Rivers" are other words; "rïver" folds to "river"; the split one spans 6-7.
        QCOMPARE(searchHitTokens(kTokens, "river"), (Ranges{{4, 5}, {6, 8}}));
        QCOMPARE(searchHitTokens(kTokens, "RIVER OR bank"), (Ranges{{4, 5}, {6, 8}}));
        QCOMPARE(searchHitTokens(kTokens, "\"the river\""), (Ranges{{0, 1}, {4, 5}, {6, 8}}));
        QCOMPARE(searchHitTokens(kTokens, "liver"), Ranges{});  // inside "deliver": not a word
        QCOMPARE(searchHitTokens(kTokens, ""), Ranges{});
    }

    void prefixes() {
        // river*: riverbank (tokens 1-2, the whole word), Rivers (3), rïver (4), riv|er (6-7).
        QCOMPARE(searchHitTokens(kTokens, "river*"), (Ranges{{1, 3}, {3, 4}, {4, 5}, {6, 8}}));
        QCOMPARE(searchHitTokens(kTokens, "deliv*"), (Ranges{{8, 9}}));
    }

    void viewDrawsTheBar() {
        TokenHeatmapView v;
        v.resize(400, 200);
        v.setTokens(kTokens, std::vector<float>(kTokens.size(), 0.0f), ColorScale::sequential(1.0f));
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        v.setHighlights({{4, 5}});
        QCOMPARE(v.highlights(), (Ranges{{4, 5}}));
        const QImage img = v.viewport()->grab().toImage();
        const QRect hit = v.tokenRect(4), miss = v.tokenRect(1);
        const qreal dpr = img.devicePixelRatio();
        auto at = [&](const QRect& r) { return img.pixelColor(int((r.center().x()) * dpr), int((r.top() + 1) * dpr)); };
        QCOMPARE(at(hit), QColor(255, 196, 0));
        QVERIFY(at(miss) != QColor(255, 196, 0));
        // New tokens drop the old marks.
        v.setTokens(kTokens, std::vector<float>(kTokens.size(), 0.0f), ColorScale::sequential(1.0f));
        QVERIFY(v.highlights().empty());
    }
};

QTEST_MAIN(TestSearchHits)
#include "test_search_hits.moc"
