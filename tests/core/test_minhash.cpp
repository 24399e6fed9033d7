// MinHash near-duplicate signatures against the exact Jaccard similarity of word 5-gram sets,
// computed naively here from the same texts.
#include "core/datasets/minhash.h"

#include <QtTest>

#include <random>
#include <set>
#include <sstream>

using namespace gateau::datasets;

namespace {

std::vector<std::string> randomWords(size_t n, std::mt19937& rng) {
    std::uniform_int_distribution<int> pick(0, 2999);
    std::vector<std::string> w;
    for (size_t i = 0; i < n; ++i) w.push_back("w" + std::to_string(pick(rng)));
    return w;
}

std::string join(const std::vector<std::string>& w) {
    std::string s;
    for (const auto& x : w) s += (s.empty() ? "" : " ") + x;
    return s;
}

double exactJaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    auto shingles = [](const std::vector<std::string>& w) {
        std::set<std::vector<std::string>> s;
        for (size_t i = 0; i + 5 <= w.size(); ++i) s.insert({w.begin() + long(i), w.begin() + long(i) + 5});
        return s;
    };
    const auto sa = shingles(a), sb = shingles(b);
    size_t both = 0;
    for (const auto& x : sa) both += sb.count(x);
    return double(both) / double(sa.size() + sb.size() - both);
}

}  // namespace

class TestMinHash : public QObject {
    Q_OBJECT
private slots:
    void estimatesJaccardOfShingleSets() {
        std::mt19937 rng(11);
        const auto base = randomWords(3000, rng);
        // Edit an increasing share of words: the shingle overlap falls from ~0.9 to ~0.1.
        for (double edit : {0.01, 0.03, 0.06, 0.12, 0.3}) {
            auto other = base;
            std::uniform_real_distribution<double> u(0, 1);
            for (auto& w : other)
                if (u(rng) < edit) w = "x" + std::to_string(rng() % 100000);
            const double exact = exactJaccard(base, other);
            const double est = estimatedJaccard(minHash(join(base)).values, minHash(join(other)).values);
            // 128 values: standard error at most 0.045; 3 of them.
            QVERIFY2(std::abs(est - exact) < 0.135, qPrintable(QString("edit %1: exact %2 estimated %3").arg(edit).arg(exact).arg(est)));
        }
        const auto unrelated = randomWords(3000, rng);
        QVERIFY(estimatedJaccard(minHash(join(base)).values, minHash(join(unrelated)).values) < 0.05);
    }

    void caseSpacingAndPunctuationDoNotCount() {
        const auto a = minHash("The quick brown fox jumps over the lazy dog, twice.");
        const auto b = minHash("the  QUICK brown fox -- jumps over\nthe lazy dog twice");
        QVERIFY(!a.empty);
        QVERIFY(a.values == b.values);
        QVERIFY(minHash("the quick brown fox jumps over the lazy cat twice").values != a.values);
        QVERIFY(minHash("  ,.; ").empty);
        const auto shortText = minHash("two words");
        QVERIFY(!shortText.empty && shortText.values == minHash("Two, words!").values);
        // Order matters: the same words in another order are other shingles.
        QVERIFY(estimatedJaccard(minHash("a b c d e f g h").values, minHash("h g f e d c b a").values) < 0.2);
    }

    void conversationHashesEveryTurn() {
        Conversation c{{{Role::User, "alpha beta gamma delta epsilon"}, {Role::Assistant, "zeta eta theta"}}};
        QVERIFY(minHash(c).values == minHash("alpha beta gamma delta epsilon zeta eta theta").values);
        Conversation d{{{Role::System, "alpha beta gamma delta epsilon"}, {Role::Assistant, "zeta eta theta"}}};
        QVERIFY(minHash(d).values == minHash(c).values);
    }

    void bandsFindNearPairsAndSkipFarOnes() {
        std::mt19937 rng(5);
        int nearFound = 0, farFound = 0;
        for (int trial = 0; trial < 20; ++trial) {
            const auto base = randomWords(2000, rng);
            auto nearCopy = base, farCopy = base;
            for (size_t i = 0; i < base.size(); i += 60) nearCopy[i] = "edited";  // J ~ 0.85
            for (size_t i = 0; i < base.size(); i += 4) farCopy[i] = "edited";    // J ~ 0.1
            const auto kb = bandKeys(minHash(join(base)).values);
            auto shares = [&](const std::vector<std::string>& w) {
                const auto k = bandKeys(minHash(join(w)).values);
                for (int i = 0; i < kMinHashBands; ++i)
                    if (k[size_t(i)] == kb[size_t(i)]) return true;
                return false;
            };
            nearFound += shares(nearCopy);
            farFound += shares(farCopy);
        }
        QVERIFY2(nearFound >= 18, qPrintable(QString::number(nearFound)));
        QCOMPARE(farFound, 0);
    }

    void storedFormRoundTrips() {
        const auto m = minHash("one two three four five six seven").values;
        const auto blob = encodeMinHash(m);
        QCOMPARE(blob.size(), size_t(512));
        QVERIFY(decodeMinHash(blob) == m);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, decodeMinHash(blob.substr(1)));
        // Stored signatures must not change between builds: one value pinned.
        QCOMPARE(m[0], 1091540340u);
        QCOMPARE(m[127], 493864939u);
    }
};

QTEST_APPLESS_MAIN(TestMinHash)
#include "test_minhash.moc"
