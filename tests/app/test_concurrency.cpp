// Several `gateau` processes on one project at once (issue 15): imports of one file, projects
// created together, two scorers sharing a run, a killed scorer's claims taken over.
#include "db/schema.h"
#include "tests/app/process_fixture.h"

#include <QTemporaryDir>
#include <QtTest>

#include <regex>

using namespace gateau;
using namespace gateau::test;
namespace fs = std::filesystem;

namespace {

constexpr int kSamples = 60;

int64_t rows(const std::string& project) { return queryInt(project, "SELECT count(*) FROM sample_scores"); }

// n records of about `kb` KB each (messages schema), distinct by `salt`.
void writeBigDataset(const std::string& path, int n, int kb, int salt) {
    std::ofstream out(path);
    for (int i = 0; i < n; ++i) {
        nlohmann::json rec;
        rec["id"] = "r" + std::to_string(salt) + "-" + std::to_string(i);
        // Distinct conversations: an import skips records already in the project.
        rec["messages"] = {{{"role", "user"},
                            {"content", "Record " + std::to_string(salt) + "-" + std::to_string(i) + ": " +
                                            words(kb * 130, i + salt) + "\n\nWhat is listed?"}},
                           {{"role", "assistant"}, {"content", words(12, i * 3 + salt)}}};
        out << rec.dump() << "\n";
    }
}

int64_t scoredBy(const std::string& out) {
    std::smatch m;
    return std::regex_search(out, m, std::regex("scored (\\d+),")) ? std::stoll(m[1]) : -1;
}

}  // namespace

class TestConcurrency : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string dir_;
    CliScoring s_;

    QStringList score(const std::string& project) { return scoreArgs(s_, project); }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        dir_ = tmp_.path().toStdString();
        s_ = makeCliScoring(dir_, kSamples);
    }

    // Both used to exit 0, one "imported ... into dataset #2", the other "already imported as
    // dataset #2", and dataset #2 was gone: the second import deleted the first one's rows as
    // the leftovers of an interrupted import, then reused its id.
    void twoImportsOfOneFile() {
        const std::string data = dir_ + "/big.jsonl", small = dir_ + "/small.jsonl";
        writeBigDataset(data, 1500, 12, 1);
        writeBigDataset(small, 3, 1, 2);
        for (int trial = 0; trial < 4; ++trial) {
            const std::string p = dir_ + "/imports-" + std::to_string(trial) + ".gateau";
            if (trial % 2) importProject(p, small);  // odd trials: an existing project, dataset #2
            Child a({"import", q(p), q(data)}), b({"import", q(p), q(data)});
            QVERIFY(a.wait(120000) && b.wait(120000));
            QVERIFY2(a.code() == 0 && b.code() == 0, (a.err() + b.err()).c_str());
            const std::string both = a.out() + b.out();
            QVERIFY2(std::regex_search(both, std::regex("imported 1500 samples")), both.c_str());
            const int64_t expectDatasets = trial % 2 ? 2 : 1;
            QCOMPARE(queryInt(p, "SELECT count(*) FROM datasets WHERE status = 'complete'"), expectDatasets);
            QCOMPARE(queryInt(p, "SELECT count(*) FROM datasets"), expectDatasets);
            QCOMPARE(queryInt(p, "SELECT count(*) FROM samples"), int64_t(1500 + (trial % 2) * 3));
            QCOMPARE(queryInt(p, "SELECT count(*) FROM workers"), int64_t(0));
            // Whichever said "already imported" names the dataset that is there.
            std::smatch m;
            if (std::regex_search(both, m, std::regex("already imported as dataset #(\\d+)")))
                QCOMPARE(queryInt(p, "SELECT count(*) FROM datasets WHERE id = " + m[1].str() + " AND sample_count = 1500"),
                         int64_t(1));
        }
    }

    // Creating one new project from several processes at once sometimes failed with "table
    // datasets already exists": each ran the first migration.
    void projectCreatedByManyAtOnce() {
        std::vector<std::string> files;
        for (int i = 0; i < 4; ++i) {
            files.push_back(dir_ + "/part-" + std::to_string(i) + ".jsonl");
            writeBigDataset(files.back(), 5, 1, 10 + i);
        }
        for (int trial = 0; trial < 5; ++trial) {
            const std::string p = dir_ + "/created-" + std::to_string(trial) + ".gateau";
            std::vector<std::unique_ptr<Child>> kids;
            for (const auto& f : files) kids.push_back(std::make_unique<Child>(QStringList{"import", q(p), q(f)}));
            for (auto& k : kids) {
                QVERIFY(k->wait(60000));
                QVERIFY2(k->code() == 0, k->err().c_str());
            }
            QCOMPARE(queryInt(p, "SELECT count(*) FROM datasets WHERE status = 'complete'"), int64_t(4));
            QCOMPARE(queryInt(p, "PRAGMA user_version"), int64_t(db::schemaVersion()));
        }
    }

    // The second used to die with "UNIQUE constraint failed: sample_scores.run_id, ...".
    void twoScorersShareARun() {
        const std::string p = importProject(dir_ + "/shared.gateau", s_.dataset);
        Child a(score(p)), b(score(p));
        QVERIFY(a.wait(300000) && b.wait(300000));
        QVERIFY2(a.code() == 0, a.err().c_str());
        QVERIFY2(b.code() == 0, b.err().c_str());
        const int64_t na = scoredBy(a.out()), nb = scoredBy(b.out());
        QVERIFY2(na >= 0 && nb >= 0 && na + nb == kSamples, (a.out() + b.out()).c_str());  // nothing scored twice
        QCOMPARE(rows(p), int64_t(kSamples));
        QCOMPARE(queryInt(p, "SELECT count(*) FROM runs WHERE status = 'complete'"), int64_t(1));
        QCOMPARE(queryInt(p, "SELECT count(*) FROM sample_claims"), int64_t(0));
        QCOMPARE(queryInt(p, "SELECT count(*) FROM workers"), int64_t(0));
    }

    // A scorer killed mid-run leaves its claims; the next one sees the process is gone and
    // takes them over.
    void deadScorersClaimsAreTakenOver() {
        const std::string p = importProject(dir_ + "/dead.gateau", s_.dataset);
        Child a(score(p));
        QVERIFY(waitUntil([&] { return rows(p) >= 1; }, 120000));
        a.signal(SIGKILL);
        a.wait(10000);
        const int64_t kept = rows(p);
        QVERIFY2(kept < kSamples, "the run finished before the kill; the test proves nothing");
        QVERIFY(queryInt(p, "SELECT count(*) FROM sample_claims") >= 1);
        QCOMPARE(queryInt(p, "SELECT count(*) FROM workers"), int64_t(1));
        auto r = runCli(score(p));
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());
        QCOMPARE(scoredBy(r.out), kSamples - kept);
        QCOMPARE(rows(p), int64_t(kSamples));
        QCOMPARE(queryInt(p, "SELECT count(*) FROM sample_claims"), int64_t(0));
        QCOMPARE(queryInt(p, "SELECT count(*) FROM workers"), int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestConcurrency)
#include "test_concurrency.moc"
