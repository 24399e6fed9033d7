// The scoring job system end to end: workers per device, pause/resume/cancel, a child
// process killed mid-run and resumed, shards merged back, export following the rule.
// Two tiny random Llama checkpoints with the real Mistral tokenizer; skips when ../shared is
// missing. Reference values come from one uninterrupted CLI run of the same config.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/jobs/scoring_job.h"
#include "core/util/atomic_file.h"
#include "db/importer.h"
#include "db/project_job_store.h"
#include "db/run_store.h"
#include "db/scoring_run.h"
#include "db/shards.h"
#include "tests/scoring/run_fixture.h"
#include "tests/scoring/tiny_scoring_models.h"

using namespace gateau;
using gateau::test::q;
using gateau::test::fileLines;
using gateau::test::runCli;
namespace fs = std::filesystem;

// Under TSan (packaging/sanitize.sh tsan) the checks of processes (a SIGKILL and resume,
// shards and their merge, the Slurm scripts) skip: they start a sanitized CLI several times
// for no thread of their own, and took test_jobs to 550 s of ctest's 600 s on 2 busy cores.
// The plain and ASan trees run them; the CLI's scoring threads stay under TSan through the
// reference run of initTestCase.
#if defined(__SANITIZE_THREAD__)
#define SKIP_UNDER_TSAN() QSKIP("checks processes, not threads: run by the plain and ASan builds")
#else
#define SKIP_UNDER_TSAN() (void)0
#endif

namespace {

constexpr int kSamples = 16;

// Counts results and lets the test act on them, around a real project store.
class ObservedStore : public jobs::JobStore {
public:
    explicit ObservedStore(jobs::JobStore& inner) : inner_(inner) {}
    datasets::Conversation conversation(int64_t id) override { return inner_.conversation(id); }
    void saveScore(int64_t id, const scoring::SampleRawScores& s) override {
        inner_.saveScore(id, s);
        ++saved;
        if (afterSave) afterSave();
    }
    void saveFailure(int64_t id, const std::string& why) override {
        inner_.saveFailure(id, why);
        ++saved;
        if (afterSave) afterSave();
    }
    std::atomic<int> saved{0};
    std::function<void()> afterSave;  // runs on the job's thread; set before the job starts

private:
    jobs::JobStore& inner_;
};

bool waitFor(const std::function<bool()>& cond, int ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return cond();
}

}  // namespace

class TestJobs : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string dir_, dataset_, config_, reference_;
    std::map<std::string, db::StoredScore> referenceRows_;  // by external id

    std::string writeConfig(const std::string& name, int64_t segmentLen) {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path) << "{\"model_a\": \"m1\", \"model_b\": \"m2\", \"segment_len\": " << segmentLen
                            << ", \"max_tokens\": 400, \"dtype\": \"float32\"}\n";
        return path;
    }
    std::string makeProject(const std::string& name, const std::string& dataset) {
        const std::string path = dir_ + "/" + name;
        auto store = db::ProjectStore::open(path, true);
        db::importDataset(store, dataset);
        return path;
    }
    // Every row of the project's only run equals the reference run's row for that sample.
    void expectSameAsReference(const std::string& project) {
        auto store = db::ProjectStore::open(project, false);
        const auto runs = db::listRuns(store);
        QCOMPARE(runs.size(), size_t(1));
        const auto rows = db::loadRawScores(store, runs[0].id);
        QCOMPARE(rows.size(), size_t(kSamples));
        std::set<int64_t> ids;
        for (const auto& r : rows) {
            QVERIFY(ids.insert(r.sampleId).second);
            const auto& ref = referenceRows_.at(r.externalId);
            QCOMPARE(r.status, ref.status);
            QCOMPARE(r.responseTokens, ref.responseTokens);
            QVERIFY_NEAR(r.pplA, ref.pplA, 1e-6);
            QVERIFY_NEAR(r.pplB, ref.pplB, 1e-6);
            QVERIFY_NEAR(r.camRaw, ref.camRaw, 1e-5);
            QVERIFY_NEAR(r.ifd, ref.ifd, 1e-6);
        }
        QVERIFY(db::pendingSamples(store, runs[0].id).empty());
    }

private slots:
    void initTestCase();
    void deviceList();
    void failedDeviceLeavesOthersRunning();
    void severalWorkersOneBreaksMidRun();
    void allWorkersBreakLastRecordsFailures();
    void pauseResumeCancel();
    void progressMayCallIntoTheJob();
    void runServiceMayBeControlledFromItsCallbacks();
    void runServiceSequence();
    void killAndResume();
    void shardAndMerge();
    void slurmTemplates();
    void mergeRejectsMismatches();
    void exportFollowsTheRule();
    void atomicFile();
};

void TestJobs::initTestCase() {
    if (!fs::is_directory(gateau::test::kTokenizerDir))
        QSKIP("Mistral tokenizer not found in " GATEAU_SHARED_DIR "/testdata/tokenizers/mistral; skipping");
    QVERIFY(tmp_.isValid());
    dir_ = tmp_.path().toStdString();
    gateau::test::writeTinyScoringModel(dir_, 1);
    gateau::test::writeTinyScoringModel(dir_, 2);
    dataset_ = dir_ + "/data.jsonl";
    gateau::test::writeWordDataset(dataset_, kSamples);
    config_ = writeConfig("run.json", 32);
    reference_ = makeProject("reference.gateau", dataset_);
    auto r = runCli({"score", q(reference_), "--config", q(config_)});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    auto store = db::ProjectStore::open(reference_, false);
    for (auto& row : db::loadRawScores(store, 1, false)) referenceRows_[row.externalId] = row;
    QCOMPARE(referenceRows_.size(), size_t(kSamples));
}

void TestJobs::deviceList() {
    QCOMPARE(jobs::parseDeviceList("cpu,cuda:1"), (std::vector<std::string>{"cpu", "cuda:1"}));
    QCOMPARE(jobs::parseDeviceList("cuda"), (std::vector<std::string>{"cuda:0"}));
    QCOMPARE(jobs::parseDeviceList("cpu:0,cpu:1,cpu"), (std::vector<std::string>{"cpu:0", "cpu:1", "cpu"}));
    for (const char* bad : {"", "gpu", "cpu,cpu", "cuda:x", "cuda,cuda:0", "cpu:", "cpu:x", "cpu:1,cpu:1"}) {
        try {
            jobs::parseDeviceList(bad);
            QFAIL(qPrintable(QString("accepted '%1'").arg(bad)));
        } catch (const scoring::ScoringError&) {
        }
    }
}

void TestJobs::failedDeviceLeavesOthersRunning() {
    // cuda:7 does not exist here (nor on most GPU boxes): its worker fails to load and the
    // cpu worker scores everything.
    const std::string project = makeProject("devices.gateau", dataset_);
    auto store = db::ProjectStore::open(project, false);
    jobs::JobOptions o;
    o.config = scoring::loadRunConfig(config_);
    o.devices = {"cpu", "cuda:7"};
    const auto run = db::createOrFindRun(store, scoring::canonicalRunConfigJson(o.config));
    db::ProjectJobStore js(store, run.id);
    jobs::ScoringJob job(o, db::pendingSamples(store, run.id, 4), js);
    jobs::JobProgress last;
    QCOMPARE(job.run([&](const jobs::JobProgress& p) { last = p; }), jobs::JobOutcome::Finished);
    QCOMPARE(last.done, int64_t(4));
    QCOMPARE(last.devices.size(), size_t(2));
    QCOMPARE(last.devices[0].done, int64_t(4));
    QCOMPARE(last.devices[1].state, std::string("failed"));
    QVERIFY(!last.devices[1].error.empty());
    QVERIFY(job.error().find("cuda:7") != std::string::npos);
    QVERIFY(last.samplesPerSecond > 0);

    // Only unusable devices: the job fails and says why, nothing is stored.
    o.devices = {"cuda:7"};
    jobs::ScoringJob none(o, db::pendingSamples(store, run.id, 2), js);
    QCOMPARE(none.run(), jobs::JobOutcome::Failed);
    QVERIFY(none.error().find("cuda:7") != std::string::npos);
    QCOMPARE(db::findRun(store, run.id)->done, int64_t(4));
}

// Three workers at once (CPU workers standing in for GPUs); cpu:1 breaks after two samples
// and fails everything from then on, fast, as a lost GPU does. Its failures must not be
// recorded as the samples': it stops after kMaxFailuresInARow and the others score those
// samples. Every sample is stored exactly once, equal to the single-worker reference run.
// A sample that fails on a working device is recorded as failed, once.
void TestJobs::severalWorkersOneBreaksMidRun() {
    const std::string project = makeProject("workers.gateau", dataset_);
    auto store = db::ProjectStore::open(project, false);
    jobs::JobOptions o;
    o.config = scoring::loadRunConfig(config_);
    o.devices = {"cpu:0", "cpu:1", "cpu:2"};
    o.cpuThreads = 1;
    std::atomic<int> brokenStarted{0};
    std::mutex seenMutex;
    std::map<int64_t, int> attempts;
    o.beforeSample = [&](const std::string& device, int64_t id) {
        {
            std::lock_guard<std::mutex> lk(seenMutex);
            ++attempts[id];
        }
        if (device == "cpu:1") {
            if (++brokenStarted > 2) throw std::runtime_error("injected: device lost");
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(30));  // the broken one is faster
        }
    };
    const auto run = db::createOrFindRun(store, scoring::canonicalRunConfigJson(o.config));
    db::ProjectJobStore js(store, run.id);
    jobs::ScoringJob job(o, db::pendingSamples(store, run.id), js);
    jobs::JobProgress last;
    QCOMPARE(job.run([&](const jobs::JobProgress& p) { last = p; }), jobs::JobOutcome::Finished);
    QCOMPARE(last.done, int64_t(kSamples));
    QCOMPARE(last.failed, int64_t(0));
    QCOMPARE(last.devices.size(), size_t(3));
    QCOMPARE(last.devices[1].state, std::string("failed"));
    QVERIFY(last.devices[1].error.find("injected: device lost") != std::string::npos);
    QCOMPARE(last.devices[1].done, int64_t(2));
    QCOMPARE(last.devices[1].failed, int64_t(0));
    QCOMPARE(last.devices[0].state, std::string("finished"));
    QCOMPARE(last.devices[0].done + last.devices[1].done + last.devices[2].done, int64_t(kSamples));
    QVERIFY(last.devices[0].done > 0 && last.devices[2].done > 0);
    QVERIFY(job.error().find("cpu:1") != std::string::npos);
    QCOMPARE(brokenStarted.load(), 2 + jobs::kMaxFailuresInARow);
    int retried = 0;
    for (const auto& [id, n] : attempts) retried += n - 1;
    QCOMPARE(retried, jobs::kMaxFailuresInARow);
    expectSameAsReference(project);

    // One bad sample on healthy workers: recorded failed once, everything else scored.
    const std::string project2 = makeProject("workers2.gateau", dataset_);
    auto store2 = db::ProjectStore::open(project2, false);
    const auto run2 = db::createOrFindRun(store2, scoring::canonicalRunConfigJson(o.config));
    const auto pending = db::pendingSamples(store2, run2.id);
    const int64_t bad = pending[5];
    attempts.clear();
    o.beforeSample = [&](const std::string&, int64_t id) {
        {
            std::lock_guard<std::mutex> lk(seenMutex);
            ++attempts[id];
        }
        if (id == bad) throw std::runtime_error("injected: bad sample");
    };
    db::ProjectJobStore js2(store2, run2.id);
    jobs::ScoringJob job2(o, pending, js2);
    QCOMPARE(job2.run([&](const jobs::JobProgress& p) { last = p; }), jobs::JobOutcome::Finished);
    QCOMPARE(last.done, int64_t(kSamples - 1));
    QCOMPARE(last.failed, int64_t(1));
    QVERIFY(last.lastFailure.find("injected: bad sample") != std::string::npos);
    for (const auto& d : last.devices) QCOMPARE(d.state, std::string("finished"));
    QCOMPARE(attempts[bad], 1);
    QVERIFY(db::pendingSamples(store2, run2.id).empty());
}

// Every worker breaks: the first stops and hands its samples on; the last one standing has
// no one to hand them to and records them as failed, as a single device does. Nothing stays
// pending, nothing is stored twice.
void TestJobs::allWorkersBreakLastRecordsFailures() {
    const std::string project = makeProject("broken.gateau", dataset_);
    auto store = db::ProjectStore::open(project, false);
    jobs::JobOptions o;
    o.config = scoring::loadRunConfig(config_);
    o.devices = {"cpu:0", "cpu:1"};
    o.cpuThreads = 1;
    std::atomic<int> started{0};
    o.beforeSample = [&](const std::string&, int64_t) {
        if (++started > 2) throw std::runtime_error("injected: all lost");
    };
    const auto run = db::createOrFindRun(store, scoring::canonicalRunConfigJson(o.config));
    db::ProjectJobStore js(store, run.id);
    jobs::ScoringJob job(o, db::pendingSamples(store, run.id), js);
    jobs::JobProgress last;
    QCOMPARE(job.run([&](const jobs::JobProgress& p) { last = p; }), jobs::JobOutcome::Finished);
    QCOMPARE(last.done, int64_t(2));
    QCOMPARE(last.failed, int64_t(kSamples - 2));
    QVERIFY(last.lastFailure.find("injected: all lost") != std::string::npos);
    int stopped = 0;
    for (const auto& d : last.devices) stopped += d.state == "failed";
    QCOMPARE(stopped, 1);
    QCOMPARE(db::findRun(store, run.id)->done, int64_t(2));
    QCOMPARE(db::findRun(store, run.id)->failed, int64_t(kSamples - 2));
    QVERIFY(db::pendingSamples(store, run.id).empty());
}

void TestJobs::pauseResumeCancel() {
    const std::string project = makeProject("pause.gateau", dataset_);
    auto store = db::ProjectStore::open(project, false);
    jobs::JobOptions o;
    o.config = scoring::loadRunConfig(config_);
    const auto run = db::createOrFindRun(store, scoring::canonicalRunConfigJson(o.config));
    db::ProjectJobStore inner(store, run.id);
    ObservedStore js(inner);
    jobs::ScoringJob job(o, db::pendingSamples(store, run.id), js);
    // Pause / cancel from the job's own thread right after a save: polling from here could
    // miss the window on a quiet machine, where the tiny models score a sample in ~20 ms.
    enum { Nothing, Pause, Cancel };
    std::atomic<int> onNextSave{Pause};
    js.afterSave = [&] {
        const int action = onNextSave.exchange(Nothing);
        if (action == Pause) job.pause();
        if (action == Cancel) job.cancel();
    };
    jobs::JobOutcome outcome = jobs::JobOutcome::Failed;
    std::atomic<bool> sawPausedProgress{false};
    std::thread t([&] {
        outcome = job.run([&](const jobs::JobProgress& p) {
            if (p.paused) sawPausedProgress = true;
        });
    });
    QVERIFY(waitFor([&] { return js.saved >= 1; }, 60000));
    QVERIFY(job.isPaused());
    std::this_thread::sleep_for(std::chrono::milliseconds(700));  // a sample in flight stops or lands
    const int whilePaused = js.saved;
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    QCOMPARE(int(js.saved), whilePaused);  // nothing is scored while paused
    QVERIFY(sawPausedProgress);
    onNextSave = Cancel;
    job.resume();
    QVERIFY(waitFor([&] { return js.saved >= whilePaused + 1; }, 60000));
    t.join();
    QCOMPARE(outcome, jobs::JobOutcome::Cancelled);
    const int stored = js.saved;
    QVERIFY(stored < kSamples);
    // What was stored is there once; the rest is pending; a second job finishes the run.
    QCOMPARE(db::loadRawScores(store, run.id, false).size(), size_t(stored));
    QCOMPARE(db::pendingSamples(store, run.id).size(), size_t(kSamples - stored));
    jobs::ScoringJob rest(o, db::pendingSamples(store, run.id), inner);
    QCOMPARE(rest.run(), jobs::JobOutcome::Finished);
    QCOMPARE(db::settleRunStatus(store, run.id), std::string("complete"));
    store = db::ProjectStore::open(reference_, false);  // release the project before comparing
    expectSameAsReference(project);
}

// The callback used to run under the job's mutex, and cancel() (the CLI's Ctrl-C) takes it:
// a self-deadlock. Every call a callback may make is made here, on a thread we can abandon.
void TestJobs::progressMayCallIntoTheJob() {
    const std::string project = makeProject("callback.gateau", dataset_);
    auto store = db::ProjectStore::open(project, false);
    jobs::JobOptions o;
    o.config = scoring::loadRunConfig(config_);
    const auto run = db::createOrFindRun(store, scoring::canonicalRunConfigJson(o.config));
    auto js = std::make_unique<db::ProjectJobStore>(store, run.id);
    auto job = std::make_unique<jobs::ScoringJob>(o, db::pendingSamples(store, run.id), *js);
    std::atomic<bool> returned{false};
    jobs::JobOutcome outcome = jobs::JobOutcome::Failed;
    std::thread t([&] {
        outcome = job->run([&](const jobs::JobProgress& p) {
            (void)job->error();
            (void)job->phaseTimes();
            (void)job->isPaused();
            job->pause();
            job->resume();
            if (p.done >= 1) job->cancel();
        });
        returned = true;
    });
    if (!waitFor([&] { return returned.load(); }, 120000)) {
        t.detach();  // stuck for good: leak what it uses rather than pull it from under it
        (void)js.release();
        (void)job.release();
        QFAIL("ScoringJob::run() did not return: a callback calling into the job deadlocked");
    }
    t.join();
    QCOMPARE(outcome, jobs::JobOutcome::Cancelled);
    QVERIFY(db::findRun(store, run.id)->done >= 1);
}

// db::ScoringRun, the sequence `gateau score` and the GUI's JobController share (issue 15):
// its progress callback may pause, resume and cancel it (the CLI's Ctrl-C) without a
// self-deadlock (defect 1), on a thread we can abandon.
void TestJobs::runServiceMayBeControlledFromItsCallbacks() {
    const std::string project = makeProject("service-callback.gateau", dataset_);
    auto service = std::make_unique<db::ScoringRun>();
    db::ScoringRunRequest request;
    request.projectPath = project;
    request.options.config = scoring::loadRunConfig(config_);
    std::atomic<bool> returned{false};
    db::ScoringRunReport report;
    std::string error;
    std::thread t([&] {
        db::ScoringRunCallbacks cb;
        cb.started = [&](const db::ScoringRunStart&) { (void)service->isPaused(); };
        cb.progress = [&](const jobs::JobProgress& p) {
            (void)service->isPaused();
            service->pause();
            service->resume();
            if (p.done >= 1) service->cancel();
        };
        try {
            report = service->run(request, cb);
        } catch (const std::exception& e) {
            error = e.what();
        }
        returned = true;
    });
    if (!waitFor([&] { return returned.load(); }, 120000)) {
        t.detach();
        (void)service.release();
        QFAIL("ScoringRun::run() did not return: a callback calling into the service deadlocked");
    }
    t.join();
    QCOMPARE(error, std::string());
    QCOMPARE(report.outcome, jobs::JobOutcome::Cancelled);
    QVERIFY(report.last.done >= 1);
    QCOMPARE(report.status, std::string("partial"));
    auto store = db::ProjectStore::open(project, false);
    QCOMPARE(db::findRun(store, report.runId)->done, report.after.done);
    QCOMPARE(int64_t(db::pendingSamples(store, report.runId).size()), report.pendingAfter);
    QVERIFY(report.pendingAfter > 0);
}

// The service's sequence against the store as truth: a limited invocation, a resume of the
// stored run by id, refusals (unknown run, a run this process already scores), a cancel
// before the job starts, and retry-failed making failures pending again.
void TestJobs::runServiceSequence() {
    const std::string project = makeProject("service.gateau", dataset_);
    db::ScoringRunRequest request;
    request.projectPath = project;
    request.options.config = scoring::loadRunConfig(config_);
    request.limit = 2;
    db::ScoringRunStart seen;
    std::vector<std::string> phases;
    db::ScoringRunCallbacks cb;
    cb.started = [&](const db::ScoringRunStart& s) { seen = s; };
    cb.phase = [&](const std::string& p) { phases.push_back(p); };
    const db::ScoringRunReport first = db::ScoringRun().run(request, cb);
    QCOMPARE(first.outcome, jobs::JobOutcome::Finished);
    QCOMPARE(phases, (std::vector<std::string>{"preparing", "scoring", "settling"}));
    QCOMPARE(seen.pending, int64_t(2));
    QCOMPARE(seen.run.done, int64_t(0));
    QVERIFY(seen.allPending > 2);
    QCOMPARE(first.after.done + first.after.failed, int64_t(2));
    QCOMPARE(first.pendingAfter, seen.allPending - 2);
    QCOMPARE(first.status, std::string("partial"));

    // Unknown run: a clear error naming it.
    db::ScoringRunRequest unknown = request;
    unknown.resumeRunId = 999;
    try {
        db::ScoringRun().run(unknown);
        QFAIL("resuming an unknown run did not throw");
    } catch (const std::exception& e) {
        QVERIFY2(std::string(e.what()).find("run #999") != std::string::npos, e.what());
    }

    // Cancelled before the job starts: nothing scored, the run still settled.
    db::ScoringRunRequest resume = request;
    resume.resumeRunId = first.runId;
    resume.limit = -1;
    {
        db::ScoringRun early;
        early.cancel();
        const auto r = early.run(resume);
        QCOMPARE(r.outcome, jobs::JobOutcome::Cancelled);
        QCOMPARE(r.after.done + r.after.failed, int64_t(2));
    }

    // While one invocation scores the run, a second one in this process is refused.
    {
        db::ScoringRun running;
        std::atomic<bool> inside{false}, refused{false};
        std::string refusal;
        db::ScoringRunCallbacks hold;
        hold.progress = [&](const jobs::JobProgress&) {
            if (inside.exchange(true)) return;
            try {
                db::ScoringRun().run(resume);
            } catch (const std::exception& e) {
                refusal = e.what();
                refused = true;
            }
            running.cancel();
        };
        running.run(resume, hold);
        QVERIFY(refused);
        QVERIFY2(refusal.find("already being scored") != std::string::npos, refusal.c_str());
    }

    // The rest, by run id; then retry-failed with a failure stored by hand.
    const auto rest = db::ScoringRun().run(resume);
    QCOMPARE(rest.outcome, jobs::JobOutcome::Finished);
    QCOMPARE(rest.status, std::string("complete"));
    QCOMPARE(rest.pendingAfter, int64_t(0));
    int64_t victim = 0;
    {
        auto store = db::ProjectStore::open(project, false);
        for (const auto& row : db::loadRawScores(store, rest.runId, false))
            if (row.status == "done") victim = row.sampleId;
        QVERIFY(victim > 0);
        const std::string del = "DELETE FROM sample_scores WHERE run_id = " + std::to_string(rest.runId) +
                                " AND sample_id = " + std::to_string(victim);
        store.db().exec(del.c_str());
        db::saveFailure(store, rest.runId, victim, "made up");
    }
    db::ScoringRunRequest retry = resume;
    retry.retryFailed = true;
    db::ScoringRunStart retried;
    db::ScoringRunCallbacks rcb;
    rcb.started = [&](const db::ScoringRunStart& s) { retried = s; };
    const auto again = db::ScoringRun().run(retry, rcb);
    // The samples the dataset makes fail (if any) fail again; the made-up failure is scored.
    QCOMPARE(retried.failuresReset, rest.after.failed + 1);
    QCOMPARE(retried.pending, rest.after.failed + 1);
    QCOMPARE(again.last.done, int64_t(1));
    QCOMPARE(again.after.failed, rest.after.failed);
    QCOMPARE(again.after.done, rest.after.done);
    QCOMPARE(again.status, std::string("complete"));
}

void TestJobs::killAndResume() {
    SKIP_UNDER_TSAN();
    const std::string project = makeProject("killed.gateau", dataset_);
    QProcess child;
    child.start(GATEAU_CLI_PATH, {"score", q(project), "--config", q(config_)});
    QVERIFY(child.waitForStarted());
    auto doneRows = [&] {
        auto store = db::ProjectStore::open(project, false);
        auto st = store.db().prepare("SELECT count(*) FROM sample_scores");
        return st.step() ? st.int64(0) : 0;
    };
    QVERIFY2(waitFor([&] { return doneRows() >= 2; }, 120000), "the child stored nothing");
    child.kill();  // SIGKILL: no cleanup of any kind
    child.waitForFinished();
    const int64_t atKill = doneRows();
    QVERIFY2(atKill < kSamples, "the run finished before it could be killed; the test proves nothing");

    auto r = runCli({"score", q(project), "--config", q(config_)});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    // The second run scored exactly what was missing.
    const std::string expect = "total " + std::to_string(kSamples) + " done";
    QVERIFY2(r.out.find(expect) != std::string::npos, r.out.c_str());
    QVERIFY2(r.out.find("scored " + std::to_string(kSamples - atKill)) != std::string::npos, r.out.c_str());
    expectSameAsReference(project);
}

void TestJobs::shardAndMerge() {
    SKIP_UNDER_TSAN();
    const std::string project = makeProject("sharded.gateau", dataset_);
    for (const char* shard : {"0/3", "1/3", "2/3"}) {
        auto r = runCli({"score", q(project), "--config", q(config_), "--shard", shard});
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    }
    {
        auto store = db::ProjectStore::open(project, false);
        QVERIFY(db::listRuns(store).empty());  // shards never write the main project
        int64_t total = 0;
        for (int i = 0; i < 3; ++i) {
            auto shard = db::ProjectStore::open(db::defaultShardPath(project, {i, 3}), false);
            for (const auto& row : db::loadRawScores(shard, 1, false)) {
                QCOMPARE(row.sampleId % 3, int64_t(i));
                ++total;
            }
        }
        QCOMPARE(total, int64_t(kSamples));
    }
    QStringList args{"merge", q(project)};
    for (int i = 0; i < 3; ++i) args << q(db::defaultShardPath(project, {i, 3}));
    auto r = runCli(args);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    QVERIFY2(r.out.find("(complete)") != std::string::npos, r.out.c_str());
    expectSameAsReference(project);
    // Merging again adds nothing.
    r = runCli(args);
    QVERIFY2(r.code == 0 && r.out.find("0 rows added") != std::string::npos, (r.out + r.err).c_str());
    expectSameAsReference(project);
}

void TestJobs::slurmTemplates() {
    SKIP_UNDER_TSAN();
    // The sbatch scripts run as Slurm would run them: array tasks 0 and 1 of 2, then merge.
    // Not named *.gateau: the merge script must find the shards where `score --shard` put
    // them (slurm.v2.shard-0-of-2.db); tests/app/slurm_cluster.sh covers a .gateau name.
    const std::string project = makeProject("slurm.v2.db", dataset_);
    auto runScript = [&](const char* script, const QStringList& args, const QString& task) {
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("GATEAU", GATEAU_CLI_PATH);
        env.insert("GATEAU_DEVICES", "cpu");
        env.insert("SLURM_ARRAY_TASK_COUNT", "1");  // N is the script's argument, not the array's size
        env.insert("SLURM_ARRAY_TASK_ID", task);
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start("bash", QStringList{QString(GATEAU_SOURCE_DIR "/packaging/slurm/") + script} + args);
        p.waitForFinished(300000);
        return std::make_pair(p.exitCode(), p.readAll().toStdString());
    };
    for (const char* task : {"0", "1"}) {
        auto [code, log] = runScript("score-shards.sbatch", {q(project), q(config_), "2"}, task);
        QVERIFY2(code == 0, log.c_str());
    }
    auto [code, log] = runScript("merge-shards.sbatch", {q(project), "2"}, "0");
    QVERIFY2(code == 0 && log.find("(complete)") != std::string::npos, log.c_str());
    expectSameAsReference(project);
}

void TestJobs::mergeRejectsMismatches() {
    SKIP_UNDER_TSAN();
    const std::string project = makeProject("mismatch.gateau", dataset_);
    auto score = [&](const std::string& config, const char* shard, const std::string& out) {
        auto r = runCli({"score", q(project), "--config", q(config), "--shard", shard, "--shard-out", q(out), "--limit", "2"});
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    };
    const std::string a = dir_ + "/a.shard", b = dir_ + "/b.shard", other = dir_ + "/other.shard";
    score(config_, "0/2", a);
    score(writeConfig("run64.json", 64), "1/2", b);
    auto r = runCli({"merge", q(project), q(a), q(b)});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.find("differs") != std::string::npos, r.err.c_str());

    // A shard of another project (same ids, different records) is refused before anything lands.
    const std::string otherData = dir_ + "/other.jsonl";
    gateau::test::writeWordDataset(otherData, kSamples, 5);
    const std::string otherProject = makeProject("other.gateau", otherData);
    auto o = runCli({"score", q(otherProject), "--config", q(config_), "--shard", "0/2", "--shard-out", q(other), "--limit", "2"});
    QVERIFY2(o.code == 0, (o.out + o.err).c_str());
    r = runCli({"merge", q(project), q(other)});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.find("not the same sample") != std::string::npos, r.err.c_str());
    // Listed after a good shard, it still stops the merge before the good one lands.
    r = runCli({"merge", q(project), q(a), q(other)});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.find("not the same sample") != std::string::npos, r.err.c_str());
    // A project with more than one run is not a shard; a missing file is named.
    r = runCli({"merge", q(project), q(reference_ + ".none")});
    QVERIFY(r.code != 0 && r.err.find(".none") != std::string::npos);
    auto store = db::ProjectStore::open(project, false);
    for (const auto& run : db::listRuns(store)) QCOMPARE(run.done + run.failed, int64_t(0));
}

void TestJobs::exportFollowsTheRule() {
    // Overrides: keep the last-ranked sample, drop the first.
    auto rank = runCli({"rank", q(reference_), "--run", "1", "--json", "--top-n", "4"});
    QVERIFY2(rank.code == 0, rank.err.c_str());
    auto j = nlohmann::json::parse(rank.out);
    const int64_t first = j["samples"].front()["sample_id"].get<int64_t>();
    const int64_t last = j["samples"].back()["sample_id"].get<int64_t>();
    {
        auto store = db::ProjectStore::open(reference_, false);
        store.addOverride(first, db::Decision::Drop, "off topic");
        store.addOverride(last, db::Decision::Keep, "needs \"quotes\", and commas");
    }
    rank = runCli({"rank", q(reference_), "--run", "1", "--json", "--top-n", "4"});
    j = nlohmann::json::parse(rank.out);
    std::vector<int64_t> expected;  // selected ids in rank order
    for (const auto& s : j["samples"])
        if (s["selected"].get<bool>()) expected.push_back(s["sample_id"].get<int64_t>());
    QCOMPARE(expected.size(), size_t(4));  // 4 - dropped + kept
    QVERIFY(std::find(expected.begin(), expected.end(), first) == expected.end());
    QCOMPARE(expected.back(), last);

    const std::string out = dir_ + "/selected.jsonl", csv = dir_ + "/scores.csv";
    auto r = runCli({"export", q(reference_), q(out), "--run", "1", "--top-n", "4", "--scores-csv", q(csv)});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    // Sample ids are assigned in file order, so sample id i is line i of the dataset.
    const auto source = fileLines(dataset_);
    const auto exported = fileLines(out);
    QCOMPARE(exported.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) QCOMPARE(exported[i], source[size_t(expected[i] - 1)]);

    const auto rows = fileLines(csv);
    QCOMPARE(rows.size(), size_t(kSamples + 1));
    QVERIFY(rows[0].rfind("rank,sample_id,external_id,dataset,selected,decision,note,score,", 0) == 0);
    for (size_t i = 0; i < j["samples"].size(); ++i) {
        const auto& s = j["samples"][i];
        std::stringstream ss(rows[i + 1]);
        std::string rankField, idField;
        std::getline(ss, rankField, ',');
        std::getline(ss, idField, ',');
        QCOMPARE(std::stoll(rankField), s["rank"].get<long long>());
        QCOMPARE(std::stoll(idField), s["sample_id"].get<long long>());
    }
    const std::string lastRow = rows[size_t(kSamples)];
    QVERIFY2(lastRow.find(",1,keep,\"needs \"\"quotes\"\", and commas\",") != std::string::npos, lastRow.c_str());

    // A failing export leaves the previous file as it was.
    std::ofstream(out) << "previous\n";
    r = runCli({"export", q(reference_), q(out), "--run", "9"});
    QVERIFY(r.code != 0);
    QCOMPARE(fileLines(out), std::vector<std::string>{"previous"});
    r = runCli({"export", q(reference_), q(dir_ + "/no/such/dir/x.jsonl"), "--run", "1"});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.find("no/such/dir") != std::string::npos, r.err.c_str());
    {
        auto store = db::ProjectStore::open(reference_, false);
        store.addOverride(first, db::Decision::None, "");
        store.addOverride(last, db::Decision::None, "");
    }
}

void TestJobs::atomicFile() {
    const std::string path = dir_ + "/atomic.txt";
    std::ofstream(path) << "old";
    {
        util::AtomicFile f(path);
        f.write("new content");
        QVERIFY(fs::exists(f.tempPath()));
    }  // destroyed without commit: as if the process died mid-export
    QCOMPARE(fileLines(path), std::vector<std::string>{"old"});
    for (const auto& e : fs::directory_iterator(dir_))
        QVERIFY2(e.path().filename().string().find("atomic.txt.tmp") == std::string::npos, e.path().c_str());
    util::AtomicFile g(path);
    g.write("new");
    g.commit();
    QCOMPARE(fileLines(path), std::vector<std::string>{"new"});
}

QTEST_GUILESS_MAIN(TestJobs)
#include "test_jobs.moc"
