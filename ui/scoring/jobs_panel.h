#pragma once
// Dock content listing a project's scoring runs (newest first) with their status and counts,
// a one-click Resume for interrupted runs, and live progress, rates, ETA, per-device state and
// Pause/Resume/Cancel for the runs this window is scoring. The run list is read on a worker
// thread with its own connection; scoring runs through one JobController per run.
#include "core/scoring/run_config.h"
#include "ui/scoring/job_controller.h"

#include <QHash>
#include <QList>
#include <QPointer>
#include <QString>
#include <QWidget>

#include <memory>
#include <string>
#include <vector>

class QLabel;
class QToolButton;
class QVBoxLayout;

namespace gateau::ui {

class RunCard;

// One stored run as the panel shows it.
struct RunRow {
    qint64 id = 0;
    QString createdAt;  // as stored (UTC ISO 8601)
    QString status;     // open | partial | complete
    qint64 done = 0, failed = 0, pending = 0;
    QString summary;  // "m1 → m2 · L 128 · 64k tokens"
    QString details;  // tooltip: paths, template, dtype, hash
};

class JobsPanel : public QWidget {
    Q_OBJECT
public:
    explicit JobsPanel(QWidget* parent = nullptr);
    ~JobsPanel() override;  // cancels and joins its controllers

    // Lists the runs of the project (empty: none). Runs being scored keep running when the
    // project changes; their cards come back with the project.
    void setProject(const QString& path);
    QString project() const { return project_; }

    // Starts scoring `config` in the current project; the controller belongs to the panel and
    // is deleted (deleteLater) after its finished() signal. nullptr when no project is open.
    JobController* startRun(const scoring::RunConfig& config, const std::vector<std::string>& devices);
    // Scores what is pending in run `runId` (what the Resume button does) on defaultDevices().
    JobController* resumeRun(qint64 runId);
    // Devices Resume uses; initially the dialog's remembered ones (QSettings scoring/devices), else cpu.
    void setDefaultDevices(const std::vector<std::string>& devices);
    std::vector<std::string> defaultDevices() const { return defaultDevices_; }

    QList<JobController*> activeControllers() const;
    JobController* controllerFor(qint64 runId) const;  // this project's active run, or nullptr
    QList<RunRow> runs() const { return rows_; }      // as last loaded, newest first
    qint64 selectedRun() const { return selected_; }
    void selectRun(qint64 runId);  // highlights; emits runSelected when it changes
    QWidget* runCard(qint64 runId) const;  // the row widget (objectName "run-<id>"), for tests

public slots:
    void refresh();  // reloads the run list off the GUI thread

signals:
    void runSelected(qint64 runId);
    void runFinished(qint64 runId);
    void samplesStored(qint64 runId, qint64 doneTotal);
    void runsRefreshed();     // the list was reloaded
    void newRunRequested();   // the "New run…" button: the main window opens ScoringDialog

private:
    void adopt(JobController* c);
    void onStarted(JobController* c, qint64 runId);
    void onProgress(JobController* c, const JobSnapshot& s);
    void onFinished(JobController* c, qint64 runId, const QString& outcome, const QString& error);
    void applyRows(const QList<RunRow>& rows, const QString& error);
    void rebuild();  // orders the cards: preparing runs, then runs by id descending
    RunCard* cardFor(qint64 runId);  // creates it when missing
    void bindCard(RunCard* card);   // buttons -> this run's controller / resume
    void updateEmptyState();

    QString project_;
    std::vector<std::string> defaultDevices_;
    QLabel* title_ = nullptr;
    QLabel* message_ = nullptr;
    QToolButton* refreshButton_ = nullptr;
    QWidget* cardHost_ = nullptr;
    QVBoxLayout* cardLayout_ = nullptr;
    QList<RunRow> rows_;
    QHash<qint64, RunCard*> cards_;                  // by run id (current project)
    QHash<JobController*, RunCard*> preparingCards_;  // controllers whose run is not known yet
    QList<QPointer<JobController>> controllers_;
    QString problem_;  // a run that could not start, a list that could not be read
    QHash<qint64, QString> lastErrors_;  // run id -> the last failed invocation's error
    qint64 selected_ = 0;

};

}  // namespace gateau::ui
