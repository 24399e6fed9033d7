// Selection under a token budget (hand-checked pools and an O(n^2) reference walk with
// overrides), Kendall's tau-b against the pairwise definition, and the score-agreement
// matrix and rank-difference list on hand-checked cases.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "core/scoring/formulas.h"
#include "core/scoring/score_agreement.h"
#include "core/scoring/spearman.h"
#include "db/ranking.h"
#include "db/score_columns.h"
#include "tests/common/naive_spearman.h"

using namespace gateau::scoring;

namespace {

std::set<int64_t> selectedIds(const std::vector<RankedSample>& r) {
    std::set<int64_t> out;
    for (const auto& s : r)
        if (s.selected) out.insert(s.sampleId);
    return out;
}

int64_t cutOf(const std::vector<RankedSample>& r) {
    int64_t cut = 0;
    for (const auto& s : r) cut += s.inCut ? 1 : 0;
    return cut;
}

// Kendall's tau-b by its definition, every pair once.
double naiveTauB(const std::vector<double>& x, const std::vector<double>& y) {
    double c = 0, d = 0, tx = 0, ty = 0;  // tx: pairs tied in x only; ty: in y only
    for (size_t i = 0; i < x.size(); ++i)
        for (size_t j = i + 1; j < x.size(); ++j) {
            const double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dx == 0 && dy == 0) continue;
            if (dx == 0) ++tx;
            else if (dy == 0) ++ty;
            else if ((dx > 0) == (dy > 0)) ++c;
            else ++d;
        }
    return (c - d) / std::sqrt((c + d + tx) * (c + d + ty));
}

// The budget rule restated as a brute force: rank by (score desc, id asc); the Keeps' tokens
// are spent first; the longest prefix of the non-overridden samples in rank order whose
// tokens fit in what is left is selected (each prefix summed from scratch).
std::set<int64_t> naiveBudget(const std::vector<int64_t>& ids, const std::vector<double>& scores,
                              const std::vector<int64_t>& tokens, int64_t budget, const std::map<int64_t, Override>& o) {
    std::vector<size_t> order(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return scores[a] != scores[b] ? scores[a] > scores[b] : ids[a] < ids[b];
    });
    std::set<int64_t> out;
    int64_t keepTokens = 0;
    std::vector<size_t> free;
    for (size_t i : order) {
        const auto it = o.find(ids[i]);
        if (it == o.end() || it->second == Override::None) free.push_back(i);
        else if (it->second == Override::Keep) {
            keepTokens += tokens[i];
            out.insert(ids[i]);
        }
    }
    size_t best = 0;
    for (size_t p = 1; p <= free.size(); ++p) {
        int64_t sum = keepTokens;
        for (size_t k = 0; k < p; ++k) sum += tokens[free[k]];
        if (sum <= budget) best = p;
        else break;
    }
    for (size_t k = 0; k < best; ++k) out.insert(ids[free[k]]);
    return out;
}

}  // namespace

class TestSelection : public QObject {
    Q_OBJECT
private slots:
    void budgetHandChecked();
    void budgetOverridesHandChecked();
    void budgetAgainstNaive();
    void budgetErrors();
    void parseBudgets();
    void rankPoolBudget();
    void kendallHandChecked();
    void kendallAgainstNaive();
    void agreementMatrixShape();
    void mostDisagreeingHandChecked();
    void scoreColumnsParallelToInputs();
};

void TestSelection::budgetHandChecked() {
    // Rank order is id order here. Tokens 100, 300, 200, 50, 10, 500 against 600:
    // 100 + 300 + 200 = 600 fits exactly; 50 more would overflow, so the walk stops there and
    // #14 (10 tokens, would fit) is NOT taken: the rule stops, it does not skip.
    const std::vector<int64_t> ids{10, 11, 12, 13, 14, 15};
    const std::vector<double> s{0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    const std::vector<int64_t> t{100, 300, 200, 50, 10, 500};
    const auto r = rankAndSelect(ids, s, Selection::tokenBudget(600), t);
    QCOMPARE(selectedIds(r), (std::set<int64_t>{10, 11, 12}));
    QCOMPARE(cutOf(r), int64_t(3));
    QCOMPARE(selectedIds(rankAndSelect(ids, s, Selection::tokenBudget(599), t)), (std::set<int64_t>{10, 11}));
    QCOMPARE(selectedIds(rankAndSelect(ids, s, Selection::tokenBudget(99), t)), std::set<int64_t>{});
    QCOMPARE(selectedIds(rankAndSelect(ids, s, Selection::tokenBudget(1160), t)).size(), size_t(6));
    // Input order does not matter: the same pool shuffled.
    const auto shuffled = rankAndSelect({15, 12, 10, 14, 11, 13}, {0.4, 0.7, 0.9, 0.5, 0.8, 0.6},
                                        Selection::tokenBudget(600), {500, 200, 100, 10, 300, 50});
    QCOMPARE(selectedIds(shuffled), (std::set<int64_t>{10, 11, 12}));
}

void TestSelection::budgetOverridesHandChecked() {
    const std::vector<int64_t> ids{10, 11, 12, 13, 14, 15};
    const std::vector<double> s{0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    const std::vector<int64_t> t{100, 300, 200, 50, 10, 500};
    // Keep #15 (500 tokens, last) is paid first: 100 left. #10 (100) fits; #11 is dropped
    // (no tokens, stays above the line); #12 (200) overflows: stop. Cut = ranks 1-2.
    Selection sel = Selection::tokenBudget(600);
    sel.overrides = {{15, Override::Keep}, {11, Override::Drop}};
    const auto r = rankAndSelect(ids, s, sel, t);
    QCOMPARE(selectedIds(r), (std::set<int64_t>{10, 15}));
    QCOMPARE(cutOf(r), int64_t(2));
    // Keeps alone over the budget: still selected, nothing else is.
    Selection over = Selection::tokenBudget(400);
    over.overrides = {{15, Override::Keep}};
    QCOMPARE(selectedIds(rankAndSelect(ids, s, over, t)), (std::set<int64_t>{15}));
    // A dropped sample never comes back, even with room to spare.
    Selection all = Selection::tokenBudget(1000000);
    all.overrides = {{12, Override::Drop}};
    QCOMPARE(selectedIds(rankAndSelect(ids, s, all, t)), (std::set<int64_t>{10, 11, 13, 14, 15}));
}

void TestSelection::budgetAgainstNaive() {
    std::mt19937 rng(20261203);
    for (int trial = 0; trial < 300; ++trial) {
        const size_t n = 1 + rng() % 40;
        std::vector<int64_t> ids(n), t(n);
        std::vector<double> s(n);
        std::map<int64_t, Override> o;
        for (size_t i = 0; i < n; ++i) {
            ids[i] = int64_t(i * 3 + rng() % 3);
            s[i] = double(rng() % 10);  // many ties: id order must break them
            t[i] = int64_t(rng() % 1000);
            const unsigned k = rng() % 10;
            if (k == 0) o[ids[i]] = Override::Keep;
            if (k == 1) o[ids[i]] = Override::Drop;
        }
        const int64_t budget = int64_t(rng() % (n * 600 + 1));
        Selection sel = Selection::tokenBudget(budget);
        sel.overrides = o;
        const auto r = rankAndSelect(ids, s, sel, t);
        const auto got = selectedIds(r);
        QCOMPARE(got, naiveBudget(ids, s, t, budget, o));
        // The properties the rule promises, checked directly as well.
        std::map<int64_t, int64_t> tok;
        for (size_t i = 0; i < n; ++i) tok[ids[i]] = t[i];
        int64_t total = 0, keepTotal = 0;
        for (int64_t id : got) total += tok[id];
        for (const auto& [id, d] : o) {
            QCOMPARE(got.count(id), size_t(d == Override::Keep ? 1 : 0));
            keepTotal += d == Override::Keep ? tok[id] : 0;
        }
        if (keepTotal <= budget) QVERIFY(total <= budget);
        // Maximal under "stop": the first free sample left out would have overflowed.
        for (const auto& x : r)
            if (!x.selected && !o.count(x.sampleId)) {
                QVERIFY(total + tok[x.sampleId] > budget);
                break;
            }
    }
}

void TestSelection::budgetErrors() {
    auto throws = [](auto fn) {
        try {
            fn();
        } catch (const ScoringError&) {
            return true;
        }
        return false;
    };
    QVERIFY(throws([] { rankAndSelect({1, 2}, {0.1, 0.2}, Selection::tokenBudget(-1), {1, 1}); }));
    QVERIFY(throws([] { rankAndSelect({1, 2}, {0.1, 0.2}, Selection::tokenBudget(10)); }));  // no token counts
    QVERIFY(throws([] { rankAndSelect({1, 2}, {0.1, 0.2}, Selection::tokenBudget(10), {1, -1}); }));
    QVERIFY(throws([] { cutSize(3, Selection::tokenBudget(10)); }));
    // The count modes ignore token counts.
    QCOMPARE(selectedIds(rankAndSelect({1, 2}, {0.1, 0.2}, Selection::topN(1))), (std::set<int64_t>{2}));
}

void TestSelection::parseBudgets() {
    using gateau::db::parseTokenBudget;
    QCOMPARE(parseTokenBudget("2000000").budgetTokens, int64_t(2000000));
    QCOMPARE(parseTokenBudget("50M").budgetTokens, int64_t(50000000));
    QCOMPARE(parseTokenBudget("1.5B").budgetTokens, int64_t(1500000000));
    QCOMPARE(parseTokenBudget("300k").budgetTokens, int64_t(300000));
    QCOMPARE(parseTokenBudget("2g").budgetTokens, int64_t(2000000000));
    QCOMPARE(parseTokenBudget("0").budgetTokens, int64_t(0));
    QVERIFY(parseTokenBudget("7").mode == Selection::Mode::TokenBudget);
    for (const char* bad : {"", "1.5", "-3", "abc", "10X", "M", "1e300", "5 M"}) {
        bool threw = false;
        try {
            parseTokenBudget(bad);
        } catch (const ScoringError& e) {
            threw = QString(e.what()).contains(bad);
        }
        QVERIFY2(threw, bad);
    }
}

void TestSelection::rankPoolBudget() {
    using namespace gateau::db;
    // Equal PPLs but for sample 1's: it alone ranks first; the rest tie and go by id.
    RankInputs in;
    const int64_t prompt[] = {400, 100, 100, 100}, response[] = {100, 50, 50, 50};
    for (int i = 0; i < 4; ++i) {
        RankInput r;
        r.sampleId = i + 1;
        r.promptTokens = prompt[i];
        r.responseTokens = response[i];
        r.pplA = i == 0 ? 9 : 2;
        r.pplB = 2;
        r.camRaw = i == 0 ? 0.9 : 0.1;
        in.samples.push_back(r);
    }
    in.samples[2].decision = Decision::Drop;
    // 500 (#1) + 150 (#2) = 650; #3 is dropped; #4 (150) would make 800 > 700: stop.
    const Ranking rk = rankPool(in, 0.7, Selection::tokenBudget(700));
    QCOMPARE(rk.selected, int64_t(2));
    QCOMPARE(rk.selectedTokens, int64_t(650));
    QCOMPARE(rk.cut, int64_t(3));  // ranks 1-3 lie above the line (#3 dropped inside it)
    QCOMPARE(rk.rows[0].input, size_t(0));
    QCOMPARE(rk.threshold, rk.rows[2].score);
    // The count modes report their cut as before.
    QCOMPARE(rankPool(in, 0.7, Selection::topN(3)).cut, int64_t(3));
    QCOMPARE(rankPool(in, 0.7, Selection::topPercent(50)).cut, int64_t(2));
}

void TestSelection::kendallHandChecked() {
    // (1,1) (2,3) (3,2): pairs 12 +, 13 +, 23 -: (2 - 1) / 3.
    QCOMPARE(kendallTauB({1, 2, 3}, {1, 3, 2}), 1.0 / 3.0);
    // x = 1,1,2,3 y = 1,2,2,3: pairs 12 tied in x; 13 +, 14 +; 23 tied in y; 24 +, 34 +.
    // C = 4, D = 0, n0 = 6, ties x 1, ties y 1: 4 / sqrt(5 * 5) = 0.8.
    QVERIFY(std::fabs(kendallTauB({1, 1, 2, 3}, {1, 2, 2, 3}) - 0.8) < 1e-15);
    QCOMPARE(kendallTauB({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
    QVERIFY(std::isnan(kendallTauB({1, 1, 1}, {1, 2, 3})));
    QVERIFY(std::isnan(kendallTauB({1}, {1})));
    QVERIFY(std::isnan(kendallTauB({1, 2}, {1, std::nan("")})));
}

void TestSelection::kendallAgainstNaive() {
    std::mt19937 rng(7);
    for (size_t n : {2, 3, 5, 17, 100, 1000, 3000}) {
        for (int tieLevel : {3, 50, 1000000}) {
            std::vector<double> x(n), y(n);
            for (size_t i = 0; i < n; ++i) {
                x[i] = double(rng() % unsigned(tieLevel));
                y[i] = x[i] * 0.3 + double(rng() % unsigned(tieLevel));
            }
            const double want = naiveTauB(x, y), got = kendallTauB(x, y);
            if (std::isnan(want)) QVERIFY(std::isnan(got));
            else QVERIFY2(std::fabs(got - want) < 1e-12, qPrintable(QString("n %1: %2 vs %3").arg(n).arg(got).arg(want)));
        }
    }
}

void TestSelection::agreementMatrixShape() {
    std::mt19937 rng(3);
    const size_t n = 300;
    ScoreColumn a{"a", "A", std::vector<double>(n), true}, b{"b", "B", std::vector<double>(n), true};
    for (size_t i = 0; i < n; ++i) {
        a.values[i] = double(rng() % 100);
        b.values[i] = a.values[i] + double(rng() % 60);
    }
    // c orders like a but low-is-selected: negated values, so it agrees with a at +1.
    ScoreColumn c{"c", "C", a.values, false};
    for (double& v : c.values) v = -v;
    const AgreementMatrix m = agreementMatrix({a, b, c});
    for (size_t i = 0; i < 3; ++i) {
        QCOMPARE(m.spearman[i][i], 1.0);
        QVERIFY(std::fabs(m.kendall[i][i] - 1.0) < 1e-15);
        for (size_t j = 0; j < 3; ++j) {
            QCOMPARE(m.spearman[i][j], m.spearman[j][i]);
            QCOMPARE(m.kendall[i][j], m.kendall[j][i]);
        }
    }
    QVERIFY(std::fabs(m.spearman[0][2] - 1.0) < 1e-12);
    QVERIFY(std::fabs(m.kendall[0][2] - 1.0) < 1e-12);
    QVERIFY(std::fabs(m.spearman[0][1] - gateau::test::naiveSpearman(a.values, b.values)) < 1e-12);
    QVERIFY(std::fabs(m.kendall[0][1] - naiveTauB(a.values, b.values)) < 1e-12);
    QCOMPARE(findScoreColumn({a, b, c}, "b"), 1);
    QCOMPARE(findScoreColumn({a, b, c}, "C"), 2);
    QCOMPARE(findScoreColumn({a, b, c}, "nope"), -1);
}

void TestSelection::mostDisagreeingHandChecked() {
    // Ranks under A: 10 11 12 13 14 -> 1..5. Under B (0.5 0.9 0.8 0.1 0.7): 11 1, 12 2,
    // 14 3, 10 4, 13 5. |diff|: #10 3, #11 1, #12 1, #13 1, #14 2.
    const std::vector<int64_t> ids{10, 11, 12, 13, 14};
    const ScoreColumn a{"a", "A", {0.9, 0.8, 0.7, 0.6, 0.5}, true};
    const ScoreColumn b{"b", "B", {0.5, 0.9, 0.8, 0.1, 0.7}, true};
    const auto d = mostDisagreeing(ids, a, b, 3);
    QCOMPARE(d.size(), size_t(3));
    QCOMPARE(ids[d[0].index], int64_t(10));
    QCOMPARE(d[0].rankA, int64_t(1));
    QCOMPARE(d[0].rankB, int64_t(4));
    QCOMPARE(ids[d[1].index], int64_t(14));
    QCOMPARE(d[1].difference(), int64_t(2));
    QCOMPARE(ids[d[2].index], int64_t(11));  // ties of 1: lowest id first
    // Low-is-selected flips the order: B reversed ranks #13 first.
    const ScoreColumn bLow{"b", "B", b.values, false};
    QCOMPARE(selectionRanks(ids, bLow), (std::vector<int64_t>{2, 5, 4, 1, 3}));
    QCOMPARE(mostDisagreeing(ids, a, b, 99).size(), size_t(5));
}

void TestSelection::scoreColumnsParallelToInputs() {
    using namespace gateau::db;
    RankInputs in;
    for (int i = 0; i < 3; ++i) {
        RankInput r;
        r.sampleId = 5 + i;
        r.pplA = 2 + i;
        r.pplB = 4 - i;
        r.camRaw = 0.1 * i;
        r.cas = 1 - 0.1 * i;
        r.ifd = 0.5 + i;
        in.samples.push_back(r);
    }
    const Ranking rk = rankPool(in, 0.7, Selection::topN(1));
    const auto cols = scoreColumns(in, rk);
    QVERIFY(cols.size() >= 7);
    QCOMPARE(sampleIds(in), (std::vector<int64_t>{5, 6, 7}));
    std::set<std::string> keys;
    for (const auto& c : cols) {
        QCOMPARE(c.values.size(), size_t(3));
        keys.insert(c.key);
    }
    QCOMPARE(keys.size(), cols.size());
    const int combined = findScoreColumn(cols, "combined"), cas = findScoreColumn(cols, "cas");
    for (const auto& r : rk.rows) QCOMPARE(cols[size_t(combined)].values[r.input], r.score);
    QCOMPARE(cols[size_t(cas)].values[2], in.samples[2].cas);
    QVERIFY(!cols[size_t(cas)].higherIsSelected);
}

QTEST_APPLESS_MAIN(TestSelection)
#include "test_selection.moc"
