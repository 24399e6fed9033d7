// Chaos (issue 15, "proven, not hoped"): `gateau import`, `score` (sharded), `override`,
// `export` and `merge` SIGKILLed at random moments, many times, each resumed; after every
// kill the project passes integrity_check, holds exact counts, no duplicates and everything
// committed before, and every export's JSONL + CSV pair is all old or all new.
//
// Seeded: GATEAU_CHAOS_SEED=N reproduces a failing schedule (the kill delays and batches;
// process timing still varies). The same source builds bench_chaos (GATEAU_CHAOS_BENCH):
// more rounds and bigger files, and it prints the numbers. GATEAU_CHAOS_ROUNDS overrides.
#include "core/util/atomic_file.h"
#include "tests/app/process_fixture.h"
#include "tests/common/test_files.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

using namespace gateau;
using namespace gateau::test;
namespace fs = std::filesystem;

namespace {

#ifdef GATEAU_CHAOS_BENCH
constexpr bool kBench = true;
#else
constexpr bool kBench = false;
#endif

struct Sizes {
    int rounds;          // kills per command
    int importParts;     // dataset files imported one after another
    int importRecords;   // records per file
    int scoreSamples;    // samples scored (two shards)
};
constexpr Sizes kSizes = kBench ? Sizes{24, 3, 2000, 24} : Sizes{8, 2, 800, 12};

int envInt(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : fallback;
}

// What the chaos did, printed at the end (the benchmark's numbers).
struct Tally {
    std::map<std::string, int> kills, finished;
    std::map<std::string, int> midWork;  // kills that provably landed inside the work (see each check)
    std::map<std::string, double> resumeMs;  // summed wall time of the runs that completed work after a kill
    std::map<std::string, int> resumes;
    double startupMs = 0;  // summed time from launch to "started" (LibTorch loading, mostly)
    int launches = 0;
};

// Distinct conversations: `part` and `i` are in the text (an import skips records it has).
void writeParts(const std::string& path, int part, int n) {
    std::ofstream out(path);
    for (int i = 0; i < n; ++i) {
        nlohmann::json rec;
        rec["id"] = "p" + std::to_string(part) + "-" + std::to_string(i);
        rec["messages"] = {{{"role", "user"},
                            {"content", "Part " + std::to_string(part) + " record " + std::to_string(i) + ": " +
                                            words(300, i + part) + "\n\nWhat is listed?"}},
                           {{"role", "assistant"}, {"content", words(10, i * 3 + part)}}};
        out << rec.dump() << "\n";
    }
}

std::string integrity(const std::string& project) {
    try {
        auto store = db::ProjectStore::open(project, false);
        auto st = store.db().prepare("PRAGMA integrity_check");
        std::string all;
        while (st.step()) all += st.text(0) + ";";
        return all;
    } catch (const std::exception& e) {
        return e.what();
    }
}

// Rows of one query, each row's columns quote()d and joined: byte-exact comparisons.
std::map<int64_t, std::string> keyed(const std::string& project, const std::string& sql) {
    std::map<int64_t, std::string> out;
    auto store = db::ProjectStore::open(project, false);
    auto st = store.db().prepare(sql);
    while (st.step()) out[st.int64(0)] = st.text(1);
    return out;
}

const char* kScoresSql =
    "SELECT sample_id, quote(status) || quote(error) || quote(prompt_tokens) || quote(response_tokens) || "
    "quote(ppl_a) || quote(ppl_b) || quote(ppl_response_only) || quote(ifd) || quote(cas) || quote(cam_raw) "
    "FROM sample_scores ORDER BY sample_id";

// Every committed row of `before` is in `after`, unchanged.
bool kept(const std::map<int64_t, std::string>& before, const std::map<int64_t, std::string>& after, std::string& why) {
    for (const auto& [id, v] : before) {
        auto it = after.find(id);
        if (it == after.end()) return why = "row " + std::to_string(id) + " lost", false;
        if (it->second != v) return why = "row " + std::to_string(id) + " changed: " + v + " -> " + it->second, false;
    }
    return true;
}

int64_t duplicates(const std::string& project) {
    return queryInt(project,
                    "SELECT count(*) FROM (SELECT content_hash FROM samples GROUP BY content_hash HAVING count(*) > 1)");
}

// What a process is doing (for a hang): its state, wait channel and kernel stack.
std::string processState(int64_t pid) {
    std::string out;
    for (const char* f : {"stat", "wchan", "stack"}) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/" + f);
        out += std::string(f) + ": " + std::string(std::istreambuf_iterator<char>(in), {}) + "\n";
    }
    return out;
}

// One command's fate under chaos: -SIGKILL when the kill landed, else its exit code.
struct Shot {
    int code = 0;
    bool killed = false;
    std::string out, err;
};

}  // namespace

class TestChaos : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string dir_;
    std::mt19937 rng_;
    Sizes sizes_ = kSizes;
    Tally tally_;
    CliScoring s_;

    int draw(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    std::string at(const std::string& name) const { return dir_ + "/" + name; }

    static QProcessEnvironment announcing() {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("GATEAU_ANNOUNCE_START", "1");  // "gateau: CMD started" once start-up is over
        return env;
    }

    // Runs `args` to its end (no kill): the references and the resumes. *workMs: the time from
    // the end of start-up to the exit, the span the kills of this command are drawn from.
    CliResult complete(const QStringList& args, const std::string& what, double* workMs = nullptr) {
        Child c(args, announcing());
        CliResult r;
        if (!c.waitForErr(" started\n", 60000)) {
            qWarning("%s did not start its work within 60 s: %s", what.c_str(), processState(c.pid()).c_str());
            c.wait(1000);
            r.code = c.code();
            r.err = c.err();
            qWarning("its stderr: %s", r.err.c_str());
            return r;
        }
        QElapsedTimer t;
        t.start();
        if (!c.wait(600000)) qWarning("%s timed out", what.c_str());
        if (workMs) *workMs = double(t.elapsed());
        r.code = c.code();
        r.out = c.out();
        r.err = c.err();
        if (r.code != 0) qWarning("%s failed: %s%s", what.c_str(), r.out.c_str(), r.err.c_str());
        return r;
    }

    // One random kill of `args`, counted: once its start-up is over (kills inside the dynamic
    // loader prove nothing), after a delay drawn from [0, 110% of workMs]. A run the kill
    // missed must succeed.
    Shot chaos(const std::string& what, const QStringList& args, double workMs) {
        Child c(args, announcing());
        QElapsedTimer up;
        up.start();
        const int delay = draw(0, std::max(1, int(workMs * 1.1)));
        Shot s;
        const bool started = c.waitForErr(" started\n", 60000);
        if (!started && c.running()) qWarning("%s did not start within 60 s: %s", what.c_str(), processState(c.pid()).c_str());
        tally_.startupMs += double(up.elapsed());
        ++tally_.launches;
        if (started && !c.wait(delay)) {  // wait() SIGKILLs a child still running at the deadline
            s.code = -SIGKILL;
            s.killed = true;
            ++tally_.kills[what];
        } else {  // ended by itself before the kill
            c.wait(600000);
            s.code = c.code();
            ++tally_.finished[what];
        }
        s.out = c.out();
        s.err = c.err();
        return s;
    }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        dir_ = tmp_.path().toStdString();
        const unsigned seed = unsigned(envInt("GATEAU_CHAOS_SEED", 15));
        sizes_.rounds = envInt("GATEAU_CHAOS_ROUNDS", sizes_.rounds);
        rng_.seed(seed);
        qInfo("chaos seed %u (GATEAU_CHAOS_SEED=%u reproduces the schedule), %d kills per command", seed, seed,
              sizes_.rounds);
        s_ = makeCliScoring(dir_, sizes_.scoreSamples);
    }

    // Kills during imports of several files; after each: the complete datasets are exactly
    // the files finished so far, nothing twice, the file sound.
    void importKilled() {
        const std::string p = at("import.gateau");
        std::vector<std::string> parts;
        for (int i = 0; i < sizes_.importParts; ++i) {
            parts.push_back(at("part-" + std::to_string(i) + ".jsonl"));
            writeParts(parts.back(), i, sizes_.importRecords);
        }
        // The reference: the first file imported whole, timed, in a throwaway project.
        double fullMs = 0;
        QCOMPARE(complete({"import", q(at("import-ref.gateau")), q(parts[0])}, "import", &fullMs).code, 0);
        const int perPart = std::max(1, sizes_.rounds / sizes_.importParts);
        for (int i = 0; i < sizes_.importParts; ++i) {
            const int64_t doneBefore = int64_t(i) * sizes_.importRecords;
            for (int k = 0; k < perPart; ++k) {
                Shot s = chaos("import", {"import", q(p), q(parts[i])}, fullMs);
                const bool finished = !s.killed;
                if (s.killed && queryInt(p, "SELECT count(*) FROM datasets WHERE status != 'complete'") > 0)
                    ++tally_.midWork["import"];  // an interrupted import's rows are there
                if (finished) QVERIFY2(s.code == 0, (s.out + s.err).c_str());
                QCOMPARE(integrity(p), std::string("ok;"));
                // Finished: this file is in; killed: it is in whole or not at all.
                const int64_t samples = queryInt(p, "SELECT count(*) FROM samples s JOIN datasets d ON d.id = s.dataset_id "
                                                    "WHERE d.status = 'complete'");
                QVERIFY2(samples == doneBefore || samples == doneBefore + sizes_.importRecords,
                         qPrintable(QString("%1 samples in complete datasets after a kill, expected %2 or %3")
                                        .arg(samples).arg(doneBefore).arg(doneBefore + sizes_.importRecords)));
                if (finished) QCOMPARE(samples, doneBefore + sizes_.importRecords);
                QCOMPARE(duplicates(p), int64_t(0));
            }
            double ms = 0;
            auto r = complete({"import", q(p), q(parts[i])}, "import", &ms);
            QVERIFY2(r.code == 0, (r.out + r.err).c_str());
            fullMs = ms;  // the machine's load changes: the latest whole run sets the next delays
            tally_.resumeMs["import"] += ms;
            ++tally_.resumes["import"];
            QCOMPARE(queryInt(p, "SELECT count(*) FROM datasets WHERE status = 'complete'"), int64_t(i + 1));
        }
        // Every interrupted import's rows are gone once the next import ran; no dead workers.
        QCOMPARE(queryInt(p, "SELECT count(*) FROM datasets"), int64_t(sizes_.importParts));
        QCOMPARE(queryInt(p, "SELECT count(*) FROM samples"), int64_t(sizes_.importParts) * sizes_.importRecords);
        QCOMPARE(queryInt(p, "SELECT count(*) FROM sample_texts"), int64_t(sizes_.importParts) * sizes_.importRecords);
        QCOMPARE(queryInt(p, "SELECT count(*) FROM workers"), int64_t(0));
        QCOMPARE(duplicates(p), int64_t(0));
        QCOMPARE(integrity(p), std::string("ok;"));
    }

    // Both shards of a run scored under kills while override writers (also killed) work on
    // the main project, then the shards merged under kills into fresh copies of the main
    // project; every merged result equals an unsharded, unkilled run's, byte for byte.
    void scoreOverrideMergeKilled() {
        const std::string ref = importProject(at("ref.gateau"), s_.dataset);
        double fullMs = 0;
        QCOMPARE(complete(scoreArgs(s_, ref), "reference score", &fullMs).code, 0);
        const auto reference = keyed(ref, kScoresSql);
        QCOMPARE(int(reference.size()), sizes_.scoreSamples);

        const std::string main = importProject(at("main.gateau"), s_.dataset);
        const std::vector<int64_t> sampleIds = [&] {
            std::vector<int64_t> ids;
            auto store = db::ProjectStore::open(main, false);
            auto st = store.db().prepare("SELECT id FROM samples ORDER BY id");
            while (st.step()) ids.push_back(st.int64(0));
            return ids;
        }();
        int overrideBatches = 0;
        std::map<std::string, size_t> committedNotes;  // override batches that exited 0 -> size
        std::map<std::string, size_t> killedNotes;
        double overrideMs = 0;  // one whole batch, for the kill delays
        auto overrideShot = [&](double workMs) {
            const std::string note = "chaos-" + std::to_string(overrideBatches++);
            QStringList args{"override", q(main), draw(0, 1) ? "--keep" : "--drop", "--note", q(note)};
            const int n = draw(1, int(sampleIds.size()));
            for (int j = 0; j < n; ++j) args << QString::number(sampleIds[size_t(draw(0, int(sampleIds.size()) - 1))]);
            Shot s = chaos("override", args, workMs);
            if (s.killed) killedNotes[note] = size_t(n);
            else if (s.code == 0) committedNotes[note] = size_t(n);
            else qWarning("override failed: %s", s.err.c_str());
        };
        auto checkOverrides = [&] {
            for (const auto& [note, n] : committedNotes)
                QCOMPARE(queryInt(main, "SELECT count(*) FROM overrides WHERE note = '" + note + "'"), int64_t(n));
            for (const auto& [note, n] : killedNotes) {  // whole or nothing
                const int64_t got = queryInt(main, "SELECT count(*) FROM overrides WHERE note = '" + note + "'");
                QVERIFY2(got == 0 || got == int64_t(n), qPrintable(QString("a killed batch of %1 left %2").arg(n).arg(got)));
            }
        };

        {
            auto r = complete({"override", q(main), "--keep", "--note", "calibration", QString::number(sampleIds[0])},
                              "override", &overrideMs);
            QVERIFY2(r.code == 0, r.err.c_str());
            committedNotes["calibration"] = 1;
        }
        // Score each shard under kills; an override writer runs beside every attempt.
        std::vector<std::string> shards;
        for (int i = 0; i < 2; ++i) {
            const std::string shard = at("main.shard-" + std::to_string(i) + ".gateau");
            shards.push_back(shard);
            QStringList args = scoreArgs(s_, main);
            args << "--shard" << QString("%1/2").arg(i) << "--shard-out" << q(shard);
            std::map<int64_t, std::string> committed;
            for (int k = 0; k < sizes_.rounds / 2; ++k) {
                Child writer({"override", q(main), "--clear", "--note", "beside-score", q(std::to_string(sampleIds[0]))});
                Shot s = chaos("score", args, fullMs * 0.6);
                writer.wait(30000);
                if (!s.killed) QVERIFY2(s.code == 0, (s.out + s.err).c_str());
                if (!fs::exists(shard)) continue;  // killed before the shard file was made
                QCOMPARE(integrity(shard), std::string("ok;"));
                const auto now = keyed(shard, kScoresSql);
                std::string why;
                QVERIFY2(kept(committed, now, why), why.c_str());
                QVERIFY2(kept(now, reference, why), ("a resumed row differs from the reference: " + why).c_str());
                QCOMPARE(queryInt(shard, "SELECT count(*) - count(DISTINCT sample_id) FROM sample_scores"), int64_t(0));
                if (s.killed && !now.empty() && queryInt(shard, "SELECT count(*) FROM runs WHERE status = 'complete'") == 0)
                    ++tally_.midWork["score"];  // some rows stored, the run not complete
                committed = now;
                overrideShot(overrideMs);
            }
            double ms = 0;
            auto r = complete(args, "score", &ms);
            QVERIFY2(r.code == 0, (r.out + r.err).c_str());
            tally_.resumeMs["score"] += ms;
            ++tally_.resumes["score"];
            QCOMPARE(queryInt(shard, "SELECT count(*) FROM sample_claims"), int64_t(0));
            QCOMPARE(queryInt(shard, "SELECT count(*) FROM workers"), int64_t(0));
        }
        for (int k = 0; k < sizes_.rounds; ++k) overrideShot(overrideMs);
        checkOverrides();
        QCOMPARE(integrity(main), std::string("ok;"));

        // The merge: each round into a fresh copy of the main project (a merge is idempotent,
        // so killing the same one again would only test the no-op).
        QStringList mergeArgs{"merge", "", q(shards[0]), q(shards[1])};
        double mergeMs = 0;
        {
            const std::string first = at("merged-ref.gateau");
            fs::copy_file(main, first);
            mergeArgs[1] = q(first);
            QCOMPARE(complete(mergeArgs, "merge", &mergeMs).code, 0);
        }
        const int64_t shard0 = queryInt(shards[0], "SELECT count(*) FROM sample_scores");
        for (int k = 0; k < sizes_.rounds; ++k) {
            const std::string m = at("merged-" + std::to_string(k) + ".gateau");
            fs::copy_file(main, m);
            mergeArgs[1] = q(m);
            Shot s = chaos("merge", mergeArgs, mergeMs);
            if (!s.killed) QVERIFY2(s.code == 0, (s.out + s.err).c_str());
            QCOMPARE(integrity(m), std::string("ok;"));
            const int64_t rows = queryInt(m, "SELECT count(*) FROM sample_scores");
            QVERIFY2(rows == 0 || rows == shard0 || rows == sizes_.scoreSamples,
                     qPrintable(QString("%1 rows after a killed merge: not a whole number of shards").arg(rows)));
            if (s.killed && rows == shard0) ++tally_.midWork["merge"];  // between the two shards' transactions
            double ms = 0;
            auto r = complete(mergeArgs, "merge", &ms);
            QVERIFY2(r.code == 0, (r.out + r.err).c_str());
            tally_.resumeMs["merge"] += ms;
            ++tally_.resumes["merge"];
            QCOMPARE(keyed(m, kScoresSql), reference);
            QCOMPARE(queryInt(m, "SELECT count(*) FROM runs WHERE status = 'complete'"), int64_t(1));
        }
    }

    // Exports killed at random moments between two selections (top 3, top 7): once the next
    // export's first step has run, the JSONL and the CSV are both the old pair or both the new.
    // From the unsharded reference (the chaos overrides may keep or drop every sample, and
    // then both selections would be the same).
    void exportKilled() {
        const std::string scored = at("ref.gateau");
        auto exportArgs = [&](const std::string& j, const std::string& c, int n) {
            return QStringList{"export", q(scored), q(j), "--run", "1", "--top-n", QString::number(n), "--scores-csv", q(c)};
        };
        std::map<int, std::pair<std::string, std::string>> want;
        double fullMs = 0;
        for (int n : {3, 7}) {
            const std::string j = at("want-" + std::to_string(n) + ".jsonl"), c = at("want-" + std::to_string(n) + ".csv");
            QCOMPARE(complete(exportArgs(j, c, n), "export", &fullMs).code, 0);
            want[n] = {readFile(j), readFile(c)};
        }
        QVERIFY(want[3].first != want[7].first && want[3].second != want[7].second);
        const std::string j = at("out.jsonl"), c = at("out.csv");
        QCOMPARE(complete(exportArgs(j, c, 3), "export").code, 0);
        int current = 3;
        for (int k = 0; k < sizes_.rounds * 2; ++k) {
            const int next = current == 3 ? 7 : 3;
            Shot s = chaos("export", exportArgs(j, c, next), fullMs);
            if (!s.killed) QVERIFY2(s.code == 0, (s.out + s.err).c_str());
            bool temps = false;  // the kill landed while the new files were being written or committed
            for (const auto& e : fs::directory_iterator(dir_)) {
                const std::string n = e.path().filename().string();
                temps = temps || n.find(".tmp-") != std::string::npos || n.find(".commit") != std::string::npos;
            }
            if (s.killed && temps) ++tally_.midWork["export"];
            util::cleanupAbandonedTemps(j);  // what the next export does first
            util::cleanupAbandonedTemps(c);
            const std::pair<std::string, std::string> got{readFile(j), readFile(c)};
            const bool old = got == want[current], fresh = got == want[next];
            QVERIFY2(old || fresh, qPrintable(QString("after kill %1 the pair is neither all old nor all new").arg(k)));
            if (!s.killed) QVERIFY(fresh);
            if (fresh) current = next;
            for (const auto& e : fs::directory_iterator(dir_)) {
                const std::string n = e.path().filename().string();
                QVERIFY2(n.find(".tmp-") == std::string::npos && n.find(".commit") == std::string::npos, n.c_str());
            }
        }
    }

    void cleanupTestCase() {
        std::printf("chaos: seed %d, %d kills per command, gateau start-up %.0f ms on average (%d launches)\n",
                    envInt("GATEAU_CHAOS_SEED", 15), sizes_.rounds, tally_.launches ? tally_.startupMs / tally_.launches : 0.0,
                    tally_.launches);
        for (const char* what : {"import", "score", "override", "merge", "export"}) {
            const int resumes = tally_.resumes[what];
            std::printf("chaos: %-8s %3d killed (%3d provably mid-work), %3d finished before the kill", what,
                        tally_.kills[what], tally_.midWork[what], tally_.finished[what]);
            if (resumes) std::printf(", resume to the end %.0f ms of work on average", tally_.resumeMs[what] / resumes);
            std::printf("\n");
        }
        std::fflush(stdout);
    }
};

QTEST_GUILESS_MAIN(TestChaos)
#include "test_chaos.moc"
