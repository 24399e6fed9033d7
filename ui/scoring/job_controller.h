#pragma once
// Runs one scoring invocation as a task of the application's TaskRunner (lane "scoring"):
// the task runs db::ScoringRun, the sequence `gateau score` runs too (check the models, find,
// create or resume the run, score on one worker per device, settle). The GUI thread only
// receives queued signals (progress coalesced to at most ~5 per second) and never waits on
// scoring or SQLite writes, except in the destructor, which cancels and waits for the task.
#include "core/scoring/run_config.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>

#include <memory>
#include <string>
#include <vector>

class QTimer;

namespace gateau::ui {

struct DeviceSnapshot {
    QString device;
    QString state;  // loading | running | paused | finished | failed
    QString error;  // why the worker could not start (state failed)
    qint64 done = 0, failed = 0;
    double samplesPerSecond = 0;
};

// A copyable jobs::JobProgress plus the run it belongs to.
struct JobSnapshot {
    qint64 runId = 0;                      // 0 until the run is known
    QString phase;                         // preparing | scoring | settling | done
    qint64 total = 0, done = 0, failed = 0;  // samples of this invocation
    qint64 runDone = 0, runFailed = 0;     // the whole run: earlier invocations + this one
    double elapsedSeconds = 0;
    double samplesPerSecond = 0;
    double etaSeconds = -1;  // -1: unknown
    bool paused = false;
    QVector<DeviceSnapshot> devices;
    QString lastFailure;
};

class JobController : public QObject {
    Q_OBJECT
public:
    explicit JobController(QObject* parent = nullptr);
    ~JobController() override;  // cancels and joins the worker

    // Scores `config`'s run (created on first use) in the project at `projectPath`. Each
    // controller runs once: a second start/resume while running is ignored (returns false).
    bool start(const QString& projectPath, const scoring::RunConfig& config, const std::vector<std::string>& devices);
    // Scores what is pending in the stored run `runId` with the config it was made with.
    bool resume(const QString& projectPath, qint64 runId, const std::vector<std::string>& devices);

    bool isRunning() const { return running_; }
    bool isPaused() const;
    qint64 runId() const { return snapshot_.runId; }
    QString projectPath() const { return projectPath_; }
    const std::vector<std::string>& devices() const { return devices_; }
    // The newest progress delivered to the GUI thread.
    const JobSnapshot& snapshot() const { return snapshot_; }

    // At most this often is progressed() emitted (milliseconds).
    static constexpr int kMinEmitIntervalMs = 200;

public slots:
    void pause();
    void resume();
    void cancel();

signals:
    void started(qint64 runId);
    void progressed(const gateau::ui::JobSnapshot& snapshot);
    void samplesStored(qint64 runId, qint64 doneTotal);
    // outcome: finished | cancelled | failed (jobs::outcomeName); error: why it failed.
    void finished(qint64 runId, const QString& outcome, const QString& error);

private:
    struct Shared;
    bool launch(const QString& projectPath, const std::vector<std::string>& devices, const scoring::RunConfig* config,
                qint64 runId);
    void deliver();  // GUI thread: emits the newest snapshot, throttled
    void emitSnapshot(const JobSnapshot& s);
    void onWorkerDone(qint64 runId, const QString& outcome, const QString& error);

    std::shared_ptr<Shared> shared_;
    bool running_ = false;  // the task has not reported yet
    QTimer* throttle_ = nullptr;
    QString projectPath_;
    std::vector<std::string> devices_;
    JobSnapshot snapshot_;
    qint64 lastStoredDone_ = -1;
    qint64 lastEmitMs_ = -1;
    bool startedEmitted_ = false;
};

// "1:02:03"; "--:--:--" for a negative (unknown) number of seconds.
QString formatDuration(double seconds);

}  // namespace gateau::ui

Q_DECLARE_METATYPE(gateau::ui::DeviceSnapshot)
Q_DECLARE_METATYPE(gateau::ui::JobSnapshot)
