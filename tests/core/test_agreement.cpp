// Inter-annotator agreement (core/review/agreement.h) against values worked out by hand.
#include "core/review/agreement.h"

#include <QtTest>

#include <cmath>
#include <stdexcept>

using gateau::review::cohenKappa;
using gateau::review::fleissKappa;

namespace {
bool near(double a, double b) { return std::fabs(a - b) < 1e-12; }

// n items rated (x by A, y by B), appended to a and b.
void add(std::vector<int>& a, std::vector<int>& b, int n, int x, int y) {
    for (int i = 0; i < n; ++i) a.push_back(x), b.push_back(y);
}
}  // namespace

class TestAgreement : public QObject {
    Q_OBJECT
private slots:
    // The 2x2 table of Wikipedia's "Cohen's kappa" example, 50 items (0 = yes, 1 = no):
    //            B yes  B no
    //   A yes      20     5     A says yes 25/50 = 0.5
    //   A no       10    15     B says yes 30/50 = 0.6
    // p_o = (20 + 15) / 50 = 0.7; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.2 / 0.5 = 0.4.
    void cohenTwoByTwo() {
        std::vector<int> a, b;
        add(a, b, 20, 0, 0);
        add(a, b, 5, 0, 1);
        add(a, b, 10, 1, 0);
        add(a, b, 15, 1, 1);
        const auto k = cohenKappa(a, b, 2);
        QCOMPARE(k.items, size_t(50));
        QVERIFY(near(k.observed, 0.7));
        QVERIFY(near(k.expected, 0.5));
        QVERIFY(near(k.kappa, 0.4));
        // Swapping the annotators changes nothing.
        QVERIFY(near(cohenKappa(b, a, 2).kappa, 0.4));
    }

    // Three categories, 10 items: diagonal 2 + 2 + 2 = 6, so p_o = 0.6. A's shares 4, 3, 3
    // and B's 3, 4, 3 out of 10: p_e = .12 + .12 + .09 = .33; kappa = .27 / .67 = 27/67.
    void cohenThreeCategories() {
        std::vector<int> a, b;
        add(a, b, 2, 0, 0);
        add(a, b, 1, 0, 1);
        add(a, b, 1, 0, 2);
        add(a, b, 2, 1, 1);
        add(a, b, 1, 1, 0);
        add(a, b, 2, 2, 2);
        add(a, b, 1, 2, 1);
        const auto k = cohenKappa(a, b, 3);
        QVERIFY(near(k.observed, 0.6));
        QVERIFY(near(k.expected, 0.33));
        QVERIFY(near(k.kappa, 27.0 / 67.0));
    }

    void cohenEdges() {
        // Perfect agreement over both categories: 1. Always the same single category:
        // chance agreement is certain and kappa undefined (NaN), not 1.
        QVERIFY(near(cohenKappa({0, 1, 0, 1}, {0, 1, 0, 1}, 2).kappa, 1.0));
        QVERIFY(std::isnan(cohenKappa({0, 0, 0}, {0, 0, 0}, 2).kappa));
        // Exactly opposite on balanced data: p_o = 0, p_e = 0.5, kappa = -1.
        QVERIFY(near(cohenKappa({0, 1}, {1, 0}, 2).kappa, -1.0));
        QVERIFY(std::isnan(cohenKappa({}, {}, 2).kappa));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, cohenKappa({0, 1}, {0}, 2));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, cohenKappa({0, 2}, {0, 1}, 2));
    }

    // Fleiss (1971) as Wikipedia's "Fleiss' kappa" article tabulates it: 10 subjects, 14
    // raters, 5 categories. Worked exactly (fractions): P-bar = 0.378022 (= 0.378),
    // P_e = 0.212755 (= 0.213), kappa = 4211 / 20059 = 0.209931 (the article's 0.210).
    void fleissTextbook() {
        const std::vector<std::vector<int>> t = {{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0},
                                                 {2, 2, 8, 1, 1},  {7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2},
                                                 {6, 5, 2, 1, 0},  {0, 2, 2, 3, 7}};
        const auto k = fleissKappa(t);
        QCOMPARE(k.items, size_t(10));
        QCOMPARE(k.raters, size_t(14));
        QVERIFY(std::fabs(k.observed - 0.378022) < 1e-6);
        QVERIFY(std::fabs(k.expected - 0.212755) < 1e-6);
        QVERIFY(near(k.kappa, 4211.0 / 20059.0));
    }

    // With two raters Fleiss' kappa is Scott's pi (pooled shares), not Cohen's kappa: on
    // Cohen's 2x2 above the pooled yes share is 55/100, P_e = .55^2 + .45^2 = .505, P-bar =
    // p_o = .7, so kappa = .195 / .495 = 13/33, below Cohen's 0.4.
    void fleissTwoRatersIsScottsPi() {
        std::vector<std::vector<int>> t;
        for (int i = 0; i < 20; ++i) t.push_back({2, 0});
        for (int i = 0; i < 15; ++i) t.push_back({1, 1});
        for (int i = 0; i < 15; ++i) t.push_back({0, 2});
        const auto k = fleissKappa(t);
        QVERIFY(near(k.observed, 0.7));
        QVERIFY(near(k.expected, 0.505));
        QVERIFY(near(k.kappa, 13.0 / 33.0));
    }

    void fleissEdges() {
        QVERIFY(std::isnan(fleissKappa({}).kappa));
        QVERIFY(std::isnan(fleissKappa({{3, 0}, {3, 0}}).kappa));  // one category only
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fleissKappa({{2, 1}, {1, 1}}));  // 3 and 2 raters
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fleissKappa({{1, 0}}));          // one rater
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fleissKappa({{1, 1}, {1, 1, 0}}));
    }
};

QTEST_APPLESS_MAIN(TestAgreement)
#include "test_agreement.moc"
