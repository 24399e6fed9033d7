#include "ui/scoring/job_controller.h"

#include "core/jobs/scoring_job.h"
#include "core/scoring/model_pair.h"
#include "db/project_job_store.h"
#include "db/run_store.h"

#include <QDateTime>
#include <QFileInfo>
#include <QThread>
#include <QTimer>

#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

namespace gateau::ui {

namespace {

// Runs being scored by a controller of this process, keyed by (project file, run id). Two
// workers on one run would share it safely (db::claimSample); one per run keeps the jobs
// panel and its progress one-to-one.
std::mutex g_activeMutex;
std::set<std::pair<std::string, qint64>> g_activeRuns;

struct ActiveRunClaim {
    std::pair<std::string, qint64> key;
    bool held = false;
    bool claim(const std::string& project, qint64 runId) {
        std::lock_guard<std::mutex> lk(g_activeMutex);
        key = {project, runId};
        held = g_activeRuns.insert(key).second;
        return held;
    }
    ~ActiveRunClaim() {
        if (!held) return;
        std::lock_guard<std::mutex> lk(g_activeMutex);
        g_activeRuns.erase(key);
    }
};

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

std::string joinDevices(const std::vector<std::string>& devices) {
    std::string out;
    for (const auto& d : devices) out += (out.empty() ? "" : ",") + d;
    return out;
}

}  // namespace

QString formatDuration(double seconds) {
    if (seconds < 0) return QStringLiteral("--:--:--");
    const qint64 s = qint64(seconds + 0.5);
    return QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'));
}

struct JobController::Shared {
    std::mutex m;
    std::shared_ptr<jobs::ScoringJob> job;  // while run() executes
    bool pauseRequested = false, cancelRequested = false;
    JobSnapshot latest;
    bool posted = false;  // a deliver() is queued or throttled on the GUI thread
};

JobController::JobController(QObject* parent) : QObject(parent), shared_(std::make_shared<Shared>()) {
    qRegisterMetaType<gateau::ui::DeviceSnapshot>();
    qRegisterMetaType<gateau::ui::JobSnapshot>();
    throttle_ = new QTimer(this);
    throttle_->setSingleShot(true);
    connect(throttle_, &QTimer::timeout, this, &JobController::deliver);
}

JobController::~JobController() {
    if (!thread_) return;
    cancel();
    thread_->wait();
    delete thread_;
    thread_ = nullptr;
}

bool JobController::start(const QString& projectPath, const scoring::RunConfig& config,
                          const std::vector<std::string>& devices) {
    return launch(projectPath, devices, &config, 0);
}

bool JobController::resume(const QString& projectPath, qint64 runId, const std::vector<std::string>& devices) {
    return launch(projectPath, devices, nullptr, runId);
}

bool JobController::isPaused() const {
    std::lock_guard<std::mutex> lk(shared_->m);
    return shared_->job ? shared_->job->isPaused() : shared_->pauseRequested;
}

void JobController::pause() {
    std::shared_ptr<jobs::ScoringJob> job;
    {
        std::lock_guard<std::mutex> lk(shared_->m);
        shared_->pauseRequested = true;
        job = shared_->job;
    }
    // Never call into the job while holding shared_->m: the job's callbacks (publish) take
    // shared_->m on the worker thread, so lock order stays one way (ScoringJob itself runs
    // callbacks with none of its own locks held).
    if (job) job->pause();
    if (thread_ && !snapshot_.paused) {
        JobSnapshot s = snapshot_;
        s.paused = true;
        for (auto& d : s.devices)
            if (d.state == "running") d.state = "paused";
        emitSnapshot(s);
    }
}

void JobController::resume() {
    std::shared_ptr<jobs::ScoringJob> job;
    {
        std::lock_guard<std::mutex> lk(shared_->m);
        shared_->pauseRequested = false;
        job = shared_->job;
    }
    if (job) job->resume();
    if (thread_ && snapshot_.paused) {
        JobSnapshot s = snapshot_;
        s.paused = false;
        for (auto& d : s.devices)
            if (d.state == "paused") d.state = "running";
        emitSnapshot(s);
    }
}

void JobController::cancel() {
    std::shared_ptr<jobs::ScoringJob> job;
    {
        std::lock_guard<std::mutex> lk(shared_->m);
        shared_->cancelRequested = true;
        job = shared_->job;
    }
    if (job) job->cancel();
}

bool JobController::launch(const QString& projectPath, const std::vector<std::string>& devices,
                           const scoring::RunConfig* config, qint64 resumeRunId) {
    if (thread_ || startedEmitted_ || snapshot_.phase == "done") return false;
    projectPath_ = projectPath;
    devices_ = devices;
    snapshot_ = JobSnapshot{};
    snapshot_.runId = resumeRunId;
    snapshot_.phase = config ? QStringLiteral("preparing") : QStringLiteral("resuming");

    auto shared = shared_;
    const std::string project = projectPath.toStdString();
    const QFileInfo fi(projectPath);
    const std::string projectKey = (fi.exists() ? fi.canonicalFilePath() : fi.absoluteFilePath()).toStdString();
    const std::optional<scoring::RunConfig> cfg = config ? std::optional<scoring::RunConfig>(*config) : std::nullopt;
    JobController* self = this;

    // Hands the newest snapshot to the GUI thread; deliver() coalesces.
    auto publish = [shared, self](const JobSnapshot& s) {
        bool post = false;
        {
            std::lock_guard<std::mutex> lk(shared->m);
            shared->latest = s;
            if (!shared->posted) post = shared->posted = true;
        }
        if (post) QMetaObject::invokeMethod(self, [self] { self->deliver(); }, Qt::QueuedConnection);
    };

    thread_ = QThread::create([=] {
        JobSnapshot snap;
        snap.runId = resumeRunId;
        QString outcome = QStringLiteral("failed"), error;
        ActiveRunClaim claim;
        try {
            auto store = db::ProjectStore::open(project, false);
            scoring::RunConfig runConfig;
            db::RunInfo run;
            if (cfg) {
                snap.phase = QStringLiteral("preparing");
                publish(snap);
                jobs::JobOptions resolved;
                resolved.config = *cfg;
                resolved.devices = devices;
                jobs::resolveAutoDtype(resolved);  // the identity names the real precision
                runConfig = resolved.config;
                scoring::validate(runConfig.prompt);
                scoring::checkRunModels(runConfig, "run config");  // the dialog showed its warnings
                const std::string canonical = scoring::canonicalRunConfigJson(runConfig);  // hashes the weights
                run = db::createOrFindRun(store, canonical);
            } else {
                const auto found = db::findRun(store, resumeRunId);
                if (!found) throw std::runtime_error("run #" + std::to_string(resumeRunId) + " is not in " + project);
                run = *found;
                runConfig = scoring::runConfigFromCanonical(run.configJson);
            }
            runConfig.device = joinDevices(devices);
            if (!claim.claim(projectKey, run.id))
                throw std::runtime_error("run #" + std::to_string(run.id) + " is already being scored");
            const std::vector<int64_t> pending = db::pendingSamples(store, run.id);

            snap.runId = run.id;
            snap.phase = QStringLiteral("scoring");
            snap.total = qint64(pending.size());
            snap.runDone = run.done;
            snap.runFailed = run.failed;
            for (const auto& d : devices) snap.devices.push_back({QString::fromStdString(d), QStringLiteral("loading"), {}, 0, 0, 0});
            const qint64 runId = run.id, baseDone = run.done, baseFailed = run.failed;
            QMetaObject::invokeMethod(
                self,
                [self, runId, baseDone] {
                    self->snapshot_.runId = runId;
                    self->lastStoredDone_ = baseDone;
                    self->startedEmitted_ = true;
                    emit self->started(runId);
                },
                Qt::QueuedConnection);
            publish(snap);

            bool cancelledEarly = false;
            {
                std::lock_guard<std::mutex> lk(shared->m);
                cancelledEarly = shared->cancelRequested;
            }
            if (cancelledEarly) {
                outcome = QString::fromLatin1(jobs::outcomeName(jobs::JobOutcome::Cancelled));
            } else {
                db::ProjectJobStore jobStore(store, run.id);
                jobs::JobOptions options;
                options.config = runConfig;
                options.devices = devices;
                auto job = std::make_shared<jobs::ScoringJob>(options, pending, jobStore);
                bool pauseNow = false, cancelNow = false;
                {
                    std::lock_guard<std::mutex> lk(shared->m);
                    shared->job = job;
                    pauseNow = shared->pauseRequested;
                    cancelNow = shared->cancelRequested;
                }
                if (pauseNow) job->pause();
                if (cancelNow) job->cancel();
                struct Release {
                    Shared& s;
                    ~Release() {
                        std::lock_guard<std::mutex> lk(s.m);
                        s.job.reset();
                    }
                } release{*shared};
                const jobs::JobOutcome result = job->run([&](const jobs::JobProgress& p) {
                    snap.total = p.total;
                    snap.done = p.done;
                    snap.failed = p.failed;
                    snap.runDone = baseDone + p.done;
                    snap.runFailed = baseFailed + p.failed;
                    snap.elapsedSeconds = p.elapsedSeconds;
                    snap.samplesPerSecond = p.samplesPerSecond;
                    snap.etaSeconds = p.etaSeconds;
                    snap.paused = p.paused;
                    snap.lastFailure = QString::fromStdString(p.lastFailure);
                    snap.devices.clear();
                    for (const auto& d : p.devices)
                        snap.devices.push_back({QString::fromStdString(d.device), QString::fromStdString(d.state),
                                                QString::fromStdString(d.error), d.done, d.failed, d.samplesPerSecond});
                    publish(snap);
                });
                outcome = QString::fromLatin1(jobs::outcomeName(result));
                if (result == jobs::JobOutcome::Failed) error = QString::fromStdString(job->error());
            }
            snap.phase = QStringLiteral("settling");
            publish(snap);
            db::settleRunStatus(store, run.id);
            store.finish();  // a project moved while scoring fails loudly, saying where the results are
        } catch (const std::exception& e) {
            outcome = QStringLiteral("failed");
            error = QString::fromStdString(e.what());
            spdlog::error("scoring failed: {}", e.what());
        }
        snap.phase = QStringLiteral("done");
        snap.etaSeconds = outcome == QLatin1String("finished") ? 0 : -1;
        {
            std::lock_guard<std::mutex> lk(shared->m);
            shared->latest = snap;
        }
        const qint64 runId = snap.runId;
        QMetaObject::invokeMethod(self, [self, runId, outcome, error] { self->onWorkerDone(runId, outcome, error); },
                                  Qt::QueuedConnection);
    });
    thread_->setObjectName(QStringLiteral("gateau-scoring"));
    thread_->start(QThread::LowPriority);
    return true;
}

void JobController::deliver() {
    if (!thread_) return;  // the final snapshot goes out with finished()
    const qint64 now = nowMs();
    if (lastEmitMs_ >= 0 && now - lastEmitMs_ < kMinEmitIntervalMs) {
        if (!throttle_->isActive()) throttle_->start(int(kMinEmitIntervalMs - (now - lastEmitMs_)));
        return;
    }
    JobSnapshot s;
    {
        std::lock_guard<std::mutex> lk(shared_->m);
        s = shared_->latest;
        shared_->posted = false;
    }
    emitSnapshot(s);
}

void JobController::emitSnapshot(const JobSnapshot& s) {
    snapshot_ = s;
    lastEmitMs_ = nowMs();
    emit progressed(snapshot_);
    if (startedEmitted_ && s.runId > 0 && s.runDone > lastStoredDone_) {
        lastStoredDone_ = s.runDone;
        emit samplesStored(s.runId, s.runDone);
    }
}

void JobController::onWorkerDone(qint64 runId, const QString& outcome, const QString& error) {
    if (thread_) {
        thread_->wait();
        delete thread_;
        thread_ = nullptr;
    }
    throttle_->stop();
    JobSnapshot s;
    {
        std::lock_guard<std::mutex> lk(shared_->m);
        s = shared_->latest;
        shared_->posted = false;
    }
    s.phase = QStringLiteral("done");
    emitSnapshot(s);
    emit finished(runId, outcome, error);
}

}  // namespace gateau::ui
