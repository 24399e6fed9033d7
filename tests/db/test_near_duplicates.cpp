// Near-duplicates in a project: which earlier sample each import's records point at, what
// deleting that sample does, the threshold, and projects from before migration 8. The
// expected matches are known by construction (each near copy is made from one base text) and
// the similarities are checked against the exact Jaccard of word 5-gram sets computed here.
#include "../common/test_files.h"
#include "db/dataset_admin.h"
#include "db/importer.h"
#include "db/near_duplicates.h"
#include "db/schema.h"

#include <nlohmann/json.hpp>

#include <random>
#include <set>

using namespace gateau;
using gateau::test::writeFile;

namespace {

std::vector<std::string> words(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::string> w;
    for (size_t i = 0; i < n; ++i) w.push_back("w" + std::to_string(rng() % 4000));
    return w;
}

std::string join(const std::vector<std::string>& w) {
    std::string s;
    for (const auto& x : w) s += (s.empty() ? "" : " ") + x;
    return s;
}

// Every `step`-th word replaced: the shingle overlap falls as step shrinks.
std::vector<std::string> edited(std::vector<std::string> w, size_t step) {
    for (size_t i = 0; i < w.size(); i += step) w[i] = "edited" + std::to_string(i);
    return w;
}

std::string record(const std::string& id, const std::vector<std::string>& doc, const std::string& question) {
    return nlohmann::json{{"id", id},
                          {"messages", {{{"role", "user"}, {"content", join(doc) + "\n\n" + question}},
                                        {{"role", "assistant"}, {"content", "An answer."}}}}}
        .dump();
}

double exactJaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    auto shingles = [](const std::vector<std::string>& w) {
        std::set<std::string> s;
        for (size_t i = 0; i + 5 <= w.size(); ++i) s.insert(w[i] + " " + w[i + 1] + " " + w[i + 2] + " " + w[i + 3] + " " + w[i + 4]);
        return s;
    };
    const auto sa = shingles(a), sb = shingles(b);
    size_t both = 0;
    for (const auto& x : sa) both += sb.count(x);
    return double(both) / double(sa.size() + sb.size() - both);
}

struct Match {
    int64_t of = 0;  // 0: none
    double similarity = 0;
};

Match matchOf(db::ProjectStore& store, const std::string& externalId) {
    auto st = store.db().prepare(
        "SELECT coalesce(m.near_duplicate_of, 0), coalesce(m.similarity, 0) FROM samples s "
        "JOIN sample_minhash m ON m.sample_id = s.id WHERE s.external_id = ?1");
    st.bind(1, externalId);
    if (!st.step()) return {-1, 0};  // no signature stored
    return {st.int64(0), st.real(1)};
}

int64_t idOf(db::ProjectStore& store, const std::string& externalId) {
    auto st = store.db().prepare("SELECT id FROM samples WHERE external_id = ?1");
    st.bind(1, externalId);
    return st.step() ? st.int64(0) : 0;
}

}  // namespace

class TestNearDuplicates : public QObject {
    Q_OBJECT
private slots:
    void importMatchesEachRecordToItsEarliestNearCopy() {
        QTemporaryDir dir;
        auto store = db::ProjectStore::open(dir.filePath("p.gateau").toStdString(), true);
        const auto a = words(1500, 1), b = words(1500, 2), c = words(1500, 3);
        const auto bNear = edited(b, 80), bFar = edited(b, 6);
        std::string file = record("a", a, "Summarise.") + "\n" + record("b", b, "Summarise.") + "\n" +
                           record("c", c, "Summarise.") + "\n" + record("a-q2", a, "What comes first?") + "\n" +
                           record("b-near", bNear, "Summarise.") + "\n" + record("b-far", bFar, "Summarise.") + "\n" +
                           record("a-q2", a, "What comes first?") + "\n";  // exact: skipped, not a near-duplicate
        auto r = db::importDataset(store, writeFile(dir, "one.jsonl", file));
        QCOMPARE(r.samples, int64_t(6));
        QCOMPARE(r.duplicates, int64_t(1));
        QCOMPARE(r.nearDuplicates, int64_t(2));
        QCOMPARE(r.nearDuplicateExamples[0].line, int64_t(4));
        QVERIFY(nlohmann::json::parse(r.reportJson)["near_duplicates"] == 2);

        QCOMPARE(matchOf(store, "a").of, int64_t(0));
        QCOMPARE(matchOf(store, "c").of, int64_t(0));
        QCOMPARE(matchOf(store, "a-q2").of, idOf(store, "a"));
        const Match near = matchOf(store, "b-near");
        QCOMPARE(near.of, idOf(store, "b"));
        const double exact = exactJaccard(b, bNear);
        QVERIFY2(std::abs(near.similarity - exact) < 0.135, qPrintable(QString("%1 vs %2").arg(near.similarity).arg(exact)));
        QVERIFY2(exactJaccard(b, bFar) < 0.5, "the far copy shares too much for this test");
        QCOMPARE(matchOf(store, "b-far").of, int64_t(0));

        // Another file: its near copy of `c` points into the first dataset.
        r = db::importDataset(store, writeFile(dir, "two.jsonl", record("c-q2", c, "Who wrote it?") + "\n"));
        QCOMPARE(r.nearDuplicates, int64_t(1));
        QCOMPARE(matchOf(store, "c-q2").of, idOf(store, "c"));

        // Deleting the first dataset re-matches c-q2 (nothing left to match) instead of dangling.
        db::deleteDataset(store, 1, false);
        QCOMPARE(matchOf(store, "c-q2").of, int64_t(0));
        QCOMPARE(db::nearDuplicateGroups(store.db()).size(), size_t(0));
    }

    void thresholdIsKeptAndRefusedBelowWhatTheBandsFind() {
        QTemporaryDir dir;
        auto store = db::ProjectStore::open(dir.filePath("p.gateau").toStdString(), true);
        const auto a = words(2000, 7);
        const auto nearer = edited(a, 400);  // J ~ 0.99
        db::importDataset(store, writeFile(dir, "one.jsonl", record("a", a, "Q?") + "\n" + record("nearer", nearer, "Q?") + "\n"));
        QCOMPARE(matchOf(store, "nearer").of, idOf(store, "a"));
        {
            db::Transaction tx(store.db());
            QCOMPARE(db::relinkNearDuplicates(store.db(), 0.99), int64_t(0));
            tx.commit();
        }
        QCOMPARE(matchOf(store, "nearer").of, int64_t(0));
        QCOMPARE(db::nearDuplicateThreshold(store.db()), 0.99);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, db::relinkNearDuplicates(store.db(), 0.5));
        // A later import uses the kept threshold: J ~ 0.94 is below it.
        QVERIFY(exactJaccard(a, edited(a, 150)) < 0.96);
        auto r = db::importDataset(store, writeFile(dir, "two.jsonl", record("a-edit", edited(a, 150), "Q?") + "\n"));
        QCOMPARE(r.nearDuplicates, int64_t(0));
        {
            db::Transaction tx(store.db());
            QCOMPARE(db::relinkNearDuplicates(store.db(), 0.8), int64_t(2));
            tx.commit();
        }
        const auto groups = db::nearDuplicateGroups(store.db());
        QCOMPARE(groups.size(), size_t(1));
        QCOMPARE(groups[0].first, idOf(store, "a"));
        QCOMPARE(groups[0].members.size(), size_t(2));
    }

    void interruptedImportsAreNotMatched() {
        QTemporaryDir dir;
        auto store = db::ProjectStore::open(dir.filePath("p.gateau").toStdString(), true);
        const auto a = words(1000, 9);
        db::importDataset(store, writeFile(dir, "one.jsonl", record("a", a, "Q?") + "\n"));
        store.db().exec("UPDATE datasets SET status = 'importing' WHERE id = 1");  // as a killed import leaves it
        db::NearDuplicateIndex index(store.db());
        QVERIFY(!index.best(datasets::minHash(join(a) + "\n\nQ?\nAn answer.").values, 1000, 0));
        QVERIFY(index.best(datasets::minHash(join(a) + "\n\nQ?\nAn answer.").values, 1000, 1));
    }

    // Projects from before migration 8 get signatures and matches when they are opened.
    void migrationBackfillsOlderProjects() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("v7.gateau").toStdString();
        const auto a = words(1200, 4);
        {
            db::Database d(path, true);
            db::migrate(d, 7);
            d.exec("INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at) VALUES (1, '/x', 'x', 1, 'messages', 'complete', 't')");
            auto ins = d.prepare("INSERT INTO samples(id, dataset_id, line, external_id, turns, prompt_chars, response_chars, preview) "
                                 "VALUES (?1, 1, ?1, ?2, 2, 1, 1, 'p')");
            auto txt = d.prepare("INSERT INTO sample_texts(sample_id, raw) VALUES (?1, ?2)");
            const std::vector<std::pair<std::string, std::string>> rows = {
                {"a", record("a", a, "Q?")}, {"broken", "{not json"}, {"a-q2", record("a-q2", a, "Other?")}};
            for (int i = 0; i < 3; ++i) {
                ins.bind(1, i + 1).bind(2, rows[size_t(i)].first).run();
                txt.bind(1, i + 1).bind(2, rows[size_t(i)].second).run();
            }
        }
        auto store = db::ProjectStore::open(path, false);
        QCOMPARE(matchOf(store, "a").of, int64_t(0));
        QCOMPARE(matchOf(store, "broken").of, int64_t(-1));
        QCOMPARE(matchOf(store, "a-q2").of, int64_t(1));
    }
};

QTEST_GUILESS_MAIN(TestNearDuplicates)
#include "test_near_duplicates.moc"
