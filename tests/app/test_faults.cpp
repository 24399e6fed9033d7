// The CLI under faults (issue 15): signals during `score` and `export`, a project renamed or
// deleted while scored, kill -9 and what the project file alone then holds, backups taken
// while another process writes, export kills at every step of its commit.
#include "core/util/atomic_file.h"
#include "core/util/process_identity.h"
#include "tests/app/process_fixture.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

using namespace gateau;
using namespace gateau::test;
namespace fs = std::filesystem;

namespace {

constexpr int kSamples = 60;

int64_t rows(const std::string& project) { return queryInt(project, "SELECT count(*) FROM sample_scores"); }

std::vector<std::string> leftovers(const std::string& dir, const std::string& base) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string n = e.path().filename().string();
        if (n.rfind(base + ".tmp-", 0) == 0 || n.rfind(base + ".commit", 0) == 0) out.push_back(n);
    }
    return out;
}

bool stopped(int64_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string s;
    std::getline(in, s);
    const auto close = s.rfind(')');
    return close != std::string::npos && close + 2 < s.size() && s[close + 2] == 'T';
}

}  // namespace

class TestFaults : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string dir_, scored_;
    CliScoring s_;

    std::string project(const std::string& name) { return importProject(dir_ + "/" + name, s_.dataset); }
    QStringList score(const std::string& project) { return scoreArgs(s_, project); }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        dir_ = tmp_.path().toStdString();
        s_ = makeCliScoring(dir_, kSamples);
    }

    void interruptStopsScoring_data() {
        QTest::addColumn<int>("sig");
        QTest::newRow("SIGINT") << int(SIGINT);
        QTest::newRow("SIGTERM") << int(SIGTERM);
    }
    // Ctrl-C used to hang for ever: the progress callback ran under the job's mutex and
    // cancelled the job, which takes that mutex (a self-deadlock).
    void interruptStopsScoring() {
        QFETCH(int, sig);
        const std::string p = project("interrupt-" + std::to_string(sig) + ".gateau");
        Child c(score(p));
        QVERIFY2(waitUntil([&] { return rows(p) >= 1; }, 120000), "nothing was scored");
        c.signal(sig);
        QVERIFY2(c.wait(30000), "gateau score did not stop within 30 s of the signal");
        QCOMPARE(c.code(), 128 + sig);
        const int64_t kept = rows(p);
        QVERIFY2(kept < kSamples, "the run finished before the signal; the test proves nothing");
        QVERIFY2(c.out().find("scored " + std::to_string(kept) + ",") != std::string::npos, c.out().c_str());
        QCOMPARE(queryInt(p, "SELECT count(*) FROM sample_claims"), int64_t(0));
        QCOMPARE(queryInt(p, "SELECT count(*) FROM workers"), int64_t(0));
        auto r = runCli(score(p));
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());
        QVERIFY2(r.out.find("scored " + std::to_string(kSamples - kept) + ",") != std::string::npos, r.out.c_str());
        QVERIFY2(r.out.find("total " + std::to_string(kSamples) + " done") != std::string::npos, r.out.c_str());
        scored_ = p;
    }

    // Renaming the project while scoring left every result in the old name's -wal and exited 0.
    void renamedProjectFailsLoudly() {
        const std::string p = project("renamed.gateau"), moved = dir_ + "/moved-away.gateau";
        Child c(score(p));
        QVERIFY(waitUntil([&] { return rows(p) >= 1; }, 120000));
        const int64_t before = rows(p);
        fs::rename(p, moved);
        QVERIFY(c.wait(120000));
        QVERIFY2(c.code() == 1, c.err().c_str());
        QVERIFY2(c.err().find("renamed") != std::string::npos && c.err().find(moved) != std::string::npos, c.err().c_str());
        // Everything written is in the moved file itself: a copy without any -wal holds it.
        const std::string copy = dir_ + "/moved-copy.gateau";
        fs::copy_file(moved, copy);
        QVERIFY(!fs::exists(copy + "-wal"));
        QVERIFY(rows(copy) >= before);
        QCOMPARE(rows(copy), rows(moved));
    }

    void deletedProjectIsRescued() {
        const std::string p = project("deleted.gateau");
        Child c(score(p));
        QVERIFY(waitUntil([&] { return rows(p) >= 1; }, 120000));
        const int64_t before = rows(p);
        fs::remove(p);
        QVERIFY(c.wait(120000));
        QVERIFY2(c.code() == 1 && c.err().find("deleted") != std::string::npos, c.err().c_str());
        std::string rescued;
        for (const auto& e : fs::directory_iterator(dir_))
            if (e.path().filename().string().rfind("deleted.gateau.rescued-", 0) == 0) rescued = e.path().string();
        QVERIFY2(!rescued.empty() && c.err().find(rescued) != std::string::npos, c.err().c_str());
        QVERIFY(rows(rescued) >= before);
    }

    // After kill -9 the project file alone (no -wal) holds what was committed up to the last
    // periodic checkpoint (every 5 s): copying the .gateau file loses at most that much.
    void killLeavesResultsInTheProjectFile() {
        const std::string data = dir_ + "/long.jsonl";  // a run that lasts well beyond 6.5 s
        QCOMPARE(runCli({"make-demo-dataset", q(data), "--samples", "400", "--min-words", "100", "--max-words", "150"}).code, 0);
        const std::string p = importProject(dir_ + "/killed.gateau", data);
        Child c(score(p));
        QVERIFY(waitUntil([&] { return rows(p) >= 1; }, 120000));
        const int64_t seen = rows(p);
        std::this_thread::sleep_for(std::chrono::milliseconds(6500));
        QVERIFY2(c.running(), "the run ended before the kill; the test proves nothing");
        c.signal(SIGKILL);
        c.wait(10000);
        const std::string copy = dir_ + "/killed-copy.gateau";
        fs::copy_file(p, copy);
        QVERIFY2(rows(copy) >= seen, qPrintable(QString("the project file alone holds %1 rows, %2 were committed 6.5 s "
                                                        "before the kill").arg(rows(copy)).arg(seen)));
    }

    void backupWhileScoring() {
        const std::string p = project("backup.gateau"), out = dir_ + "/backup-copy.gateau";
        Child c(score(p));
        QVERIFY(waitUntil([&] { return rows(p) >= 1; }, 120000));
        const int64_t seen = rows(p);
        auto b = runCli({"backup", q(p), q(out)});
        QVERIFY2(b.code == 0, (b.out + b.err).c_str());
        QVERIFY(!fs::exists(out + "-wal"));
        {
            auto copy = db::ProjectStore::open(out, false);
            auto st = copy.db().prepare("PRAGMA integrity_check");
            QVERIFY(st.step());
            QCOMPARE(st.text(0), std::string("ok"));
            QVERIFY(rows(out) >= seen);
            QCOMPARE(copy.sampleCount(), int64_t(kSamples));
            // A consistent snapshot: every row is whole.
            QCOMPARE(queryInt(out, "SELECT count(*) FROM sample_scores WHERE status = 'done' AND arrays IS NULL"), int64_t(0));
        }
        auto again = runCli({"backup", q(p), q(out)});
        QVERIFY(again.code != 0 && again.err.find("already exists") != std::string::npos);
        QVERIFY(c.wait(300000));
        QCOMPARE(c.code(), 0);
    }

    // kill -9 used to leave "out.jsonl.tmp-PID" files for ever.
    void exportRemovesStaleTemps() {
        QVERIFY(!scored_.empty());
        const std::string out = dir_ + "/stale.jsonl";
        QProcess t;
        t.start("true");
        t.waitForFinished();
        const std::string dead = std::to_string(t.processId()), host = util::hostName();
        const std::string legacy = out + ".tmp-" + dead, mine = out + ".tmp-" + host + "-" + dead;
        const std::string otherHost = out + ".tmp-elsewhere-" + dead, live = out + ".tmp-" + host + "-" + std::to_string(::getpid());
        for (const auto& f : {legacy, mine, otherHost, live}) std::ofstream(f) << "partial";
        auto r = runCli({"export", q(scored_), q(out), "--run", "1", "--top-n", "3"});
        QVERIFY2(r.code == 0, r.err.c_str());
        QVERIFY(!fs::exists(legacy) && !fs::exists(mine));  // dead writers on this host
        QVERIFY(fs::exists(otherHost) && fs::exists(live));  // maybe still writing
        QCOMPARE(fileLines(out).size(), size_t(3));
    }

    void exportSignalRemovesTemps_data() {
        QTest::addColumn<int>("sig");
        QTest::newRow("SIGINT") << int(SIGINT);
        QTest::newRow("SIGTERM") << int(SIGTERM);
    }
    void exportSignalRemovesTemps() {
        QFETCH(int, sig);
        QVERIFY(!scored_.empty());
        const std::string out = dir_ + "/signal.jsonl", csv = dir_ + "/signal.csv";
        std::ofstream(out) << "old jsonl\n";
        std::ofstream(csv) << "old csv\n";
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("GATEAU_STOP_AT", "commit-start");  // both temps written, nothing renamed
        Child c({"export", q(scored_), q(out), "--run", "1", "--scores-csv", q(csv)}, env);
        QVERIFY(waitUntil([&] { return stopped(c.pid()); }, 30000));
        QCOMPARE(leftovers(dir_, "signal.jsonl").size(), size_t(1));
        QCOMPARE(leftovers(dir_, "signal.csv").size(), size_t(1));
        c.signal(sig);
        c.signal(SIGCONT);
        QVERIFY(c.wait(30000));
        QCOMPARE(c.code(), -sig);
        QVERIFY(leftovers(dir_, "signal.jsonl").empty() && leftovers(dir_, "signal.csv").empty());
        QCOMPARE(fileLines(out), std::vector<std::string>{"old jsonl"});
        QCOMPARE(fileLines(csv), std::vector<std::string>{"old csv"});
    }

    // A kill at any step of the commit leaves both files old or both new once the next export
    // in the folder has run its first step (completing a journal, removing dead temps).
    void exportKilledAtEachStepIsOldOrNew() {
        QVERIFY(!scored_.empty());
        const std::string out = dir_ + "/pair.jsonl", csv = dir_ + "/pair.csv";
        auto exportTo = [&](const std::string& j, const std::string& c, const char* n, const char* crashAt) {
            auto env = QProcessEnvironment::systemEnvironment();
            if (crashAt) env.insert("GATEAU_CRASH_AT", crashAt);
            Child x({"export", q(scored_), q(j), "--run", "1", "--top-n", n, "--scores-csv", q(c)}, env);
            x.wait(60000);
            return x.code();
        };
        QCOMPARE(exportTo(dir_ + "/new.jsonl", dir_ + "/new.csv", "5", nullptr), 0);
        const auto newJ = readFile(dir_ + "/new.jsonl"), newC = readFile(dir_ + "/new.csv");
        for (const char* step : {"commit-temps-written", "commit-journal-written", "commit-renamed-first", "commit-renamed-all"}) {
            QCOMPARE(exportTo(out, csv, "2", nullptr), 0);
            const auto oldJ = readFile(out), oldC = readFile(csv);
            QVERIFY(oldJ != newJ && oldC != newC);
            QCOMPARE(exportTo(out, csv, "5", step), -SIGKILL);
            util::cleanupAbandonedTemps(out);  // what the next export does first
            util::cleanupAbandonedTemps(csv);
            const bool allOld = readFile(out) == oldJ && readFile(csv) == oldC;
            const bool allNew = readFile(out) == newJ && readFile(csv) == newC;
            QVERIFY2(allOld || allNew, step);
            QVERIFY2(allOld == (std::string(step) == "commit-temps-written"), step);
            QVERIFY2(leftovers(dir_, "pair.jsonl").empty() && leftovers(dir_, "pair.csv").empty(), step);
        }
    }

private:
    static std::string readFile(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
};

QTEST_GUILESS_MAIN(TestFaults)
#include "test_faults.moc"
