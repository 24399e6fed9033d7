#include "ui/scoring/job_controller.h"

#include "core/jobs/scoring_job.h"
#include "db/scoring_run.h"
#include "ui/tasks/task_runner.h"

#include <QDateTime>
#include <QTimer>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

#include <spdlog/spdlog.h>

namespace gateau::ui {

namespace {

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

const QString kLane = QStringLiteral("scoring");

}  // namespace

QString formatDuration(double seconds) {
    if (seconds < 0) return QStringLiteral("--:--:--");
    const qint64 s = qint64(seconds + 0.5);
    return QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'));
}

struct JobController::Shared {
    db::ScoringRun service;  // pause/resume/cancel are thread-safe and never block on the job
    std::mutex m;
    JobSnapshot latest;
    bool posted = false;  // a deliver() is queued or throttled on the GUI thread
    // Set when the task's work has returned: after that it touches neither the controller nor
    // the project, so the destructor may go.
    std::condition_variable endedCv;
    bool ended = false;
};

JobController::JobController(QObject* parent) : QObject(parent), shared_(std::make_shared<Shared>()) {
    qRegisterMetaType<gateau::ui::DeviceSnapshot>();
    qRegisterMetaType<gateau::ui::JobSnapshot>();
    throttle_ = new QTimer(this);
    throttle_->setSingleShot(true);
    connect(throttle_, &QTimer::timeout, this, &JobController::deliver);
}

JobController::~JobController() {
    if (!running_) return;
    // The work posts to this object until it returns; cancelled, it returns within one
    // progress tick (or when the weights are hashed, if it is still preparing).
    shared_->service.cancel();
    std::unique_lock<std::mutex> lk(shared_->m);
    shared_->endedCv.wait(lk, [&] { return shared_->ended; });
}

bool JobController::start(const QString& projectPath, const scoring::RunConfig& config,
                          const std::vector<std::string>& devices) {
    return launch(projectPath, devices, &config, 0);
}

bool JobController::resume(const QString& projectPath, qint64 runId, const std::vector<std::string>& devices) {
    return launch(projectPath, devices, nullptr, runId);
}

bool JobController::isPaused() const { return shared_->service.isPaused(); }

void JobController::pause() {
    shared_->service.pause();
    if (running_ && !snapshot_.paused) {
        JobSnapshot s = snapshot_;
        s.paused = true;
        for (auto& d : s.devices)
            if (d.state == "running") d.state = "paused";
        emitSnapshot(s);
    }
}

void JobController::resume() {
    shared_->service.resume();
    if (running_ && snapshot_.paused) {
        JobSnapshot s = snapshot_;
        s.paused = false;
        for (auto& d : s.devices)
            if (d.state == "paused") d.state = "running";
        emitSnapshot(s);
    }
}

void JobController::cancel() { shared_->service.cancel(); }

bool JobController::launch(const QString& projectPath, const std::vector<std::string>& devices,
                           const scoring::RunConfig* config, qint64 resumeRunId) {
    if (running_ || startedEmitted_ || snapshot_.phase == "done") return false;
    projectPath_ = projectPath;
    devices_ = devices;
    snapshot_ = JobSnapshot{};
    snapshot_.runId = resumeRunId;
    snapshot_.phase = config ? QStringLiteral("preparing") : QStringLiteral("resuming");

    auto shared = shared_;
    const std::string project = projectPath.toStdString();
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

    struct Outcome {
        qint64 runId = 0;
        QString outcome, error;
    };
    // Set when the last copy of the work is destroyed: after the pool ran it (it then touches
    // neither the controller nor the project) or, when the runner went before it started,
    // never ran it. The destructor waits for it.
    struct EndSignal {
        std::shared_ptr<Shared> s;
        ~EndSignal() {
            std::lock_guard<std::mutex> lk(s->m);
            s->ended = true;
            s->endedCv.notify_all();
        }
    };
    std::shared_ptr<EndSignal> endSignal(new EndSignal{shared});  // in place: a temporary would signal at once
    // The whole sequence is db::ScoringRun's, the one `gateau score` runs; this only turns its
    // callbacks into snapshots for the GUI thread.
    auto work = [shared, publish, self, project, devices, cfg, resumeRunId, endSignal](const CancelToken& token) {
        JobSnapshot snap;
        snap.runId = resumeRunId;
        Outcome out{resumeRunId, QStringLiteral("failed"), {}};
        qint64 baseDone = 0, baseFailed = 0;  // the run before this invocation
        try {
            db::ScoringRunRequest request;
            request.projectPath = project;
            if (cfg) request.options.config = *cfg;
            request.options.devices = devices;
            request.resumeRunId = resumeRunId;
            db::ScoringRunCallbacks cb;
            cb.phase = [&](const std::string& phase) {
                snap.phase = QString::fromStdString(phase);
                publish(snap);
            };
            cb.started = [&](const db::ScoringRunStart& st) {
                snap.runId = out.runId = st.run.id;
                snap.total = st.pending;
                snap.runDone = baseDone = st.run.done;
                snap.runFailed = baseFailed = st.run.failed;
                for (const auto& d : devices)
                    snap.devices.push_back({QString::fromStdString(d), QStringLiteral("loading"), {}, 0, 0, 0});
                const qint64 runId = st.run.id, storedDone = st.run.done;
                QMetaObject::invokeMethod(
                    self,
                    [self, runId, storedDone] {
                        self->snapshot_.runId = runId;
                        self->lastStoredDone_ = storedDone;
                        self->startedEmitted_ = true;
                        emit self->started(runId);
                    },
                    Qt::QueuedConnection);
                publish(snap);
            };
            cb.progress = [&](const jobs::JobProgress& p) {
                // The runner cancels its tasks when the application goes; no lock is held here.
                if (token.cancelled()) shared->service.cancel();
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
            };
            const db::ScoringRunReport report = shared->service.run(request, cb);
            out.outcome = QString::fromLatin1(jobs::outcomeName(report.outcome));
            if (report.outcome == jobs::JobOutcome::Failed) out.error = QString::fromStdString(report.error);
        } catch (const std::exception& e) {
            out.outcome = QStringLiteral("failed");
            out.error = QString::fromStdString(e.what());
            spdlog::error("scoring failed: {}", e.what());
        }
        snap.phase = QStringLiteral("done");
        snap.etaSeconds = out.outcome == QLatin1String("finished") ? 0 : -1;
        std::lock_guard<std::mutex> lk(shared->m);
        shared->latest = snap;
        return out;
    };
    running_ = true;
    TaskRunner::instance().run<Outcome>(this, kLane, std::move(work), [this](TaskResult<Outcome>& r) {
        onWorkerDone(r.value.runId, r.value.outcome, r.value.error);
    }, LaneMode::Long);
    return true;
}

void JobController::deliver() {
    if (!running_) return;  // the final snapshot goes out with finished()
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
    running_ = false;
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
