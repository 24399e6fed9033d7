#pragma once
#include "db/project_store.h"
#include "db/run_store.h"

#include <QMainWindow>

#include <memory>

class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTimer;
class QUndoStack;

namespace gateau::ui {

class BrowserPanel;
class ConversationView;
class InspectorPanel;
class JobsPanel;
class DatasetPanel;
class PlotsPanel;
class ScoreCompareView;
class RankingSession;
class ImportController;
class SampleTableModel;
struct ImportOutcome;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens (or, with `create`, creates) a project on the task runner (an old one is migrated
    // there); the window shows "Opening..." and disables the project's actions meanwhile. On
    // failure it shows why and keeps the project it had. A second call while one opens wins:
    // the first is never shown. projectOpened reports either way.
    void openProject(const QString& path, bool create);
    bool opening() const;  // an open is under way
    void importFile(const QString& file, const QString& format = "auto");
    // Re-reads datasets, samples and runs (View > Reload).
    void refresh();
    // Deletes a dataset with its samples, scores and overrides on the task runner, after a
    // confirmation naming them unless !askFirst (tests); busy meanwhile, then refreshed.
    void deleteDataset(qint64 datasetId, bool askFirst = true);

    // For tests and screenshots.
    SampleTableModel* sampleModel() const { return model_; }
    QTableView* sampleTable() const { return table_; }
    ConversationView* conversationView() const { return view_; }
    DatasetPanel* datasetPanel() const { return datasets_; }
    ImportController* importController() const { return importer_; }
    BrowserPanel* browser() const { return browser_; }
    RankingSession* rankingSession() const { return session_; }
    PlotsPanel* plots() const { return plots_; }
    ScoreCompareView* compareView() const { return compare_; }
    InspectorPanel* inspector() const { return inspector_; }
    JobsPanel* jobs() const { return jobs_; }
    QUndoStack* undoStack() const { return undo_; }
    // Shows the ranking of a run (0: the plain sample list).
    void showRun(qint64 runId);
    QString projectPath() const;

signals:
    // After openProject: error is empty when `path` is now the window's project.
    void projectOpened(const QString& path, const QString& error);

protected:
    void closeEvent(QCloseEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;
    bool event(QEvent* e) override;

private:
    void showSampleList();  // the count and the first row, once the list is loaded
    void buildMenus();
    void newProject();
    void openProjectDialog();
    void importDialog();
    void showSelectedSample();
    void showScoredSample(qint64 sampleId);
    void showEvidence(qint64 sampleId);  // the browser's stored span, to the inspector
    // Listings read on the task runner (the GUI thread runs no SQL for them); each lane's
    // newest request wins.
    void loadDatasets();
    void refreshRuns();
    void applyRuns(const std::vector<db::RunInfo>& runs);
    void updatePlots();
    void updateStatus();
    void exportDialog();
    void scoringDialog();
    void onImportFinished(const ImportOutcome& outcome);
    void rebuildRecentMenu();
    void notify(const QString& title, const QString& message, bool error);
    // Busy state while a project opens or a dataset is deleted: the message and an
    // indeterminate bar in the status bar, the project's actions disabled.
    void setBusy(const QString& what);
    void updateActions();
    void applyDockShares();
    void rememberDockShares();

    // The open project's path (empty: none). The window holds no connection: every read and
    // write runs on the task runner with its own (docs/workbench.md, "Background work").
    std::string project_;
    QString busy_;  // what the window is busy with (empty: idle)
    QProgressBar* busyBar_;
    SampleTableModel* model_;
    QTableView* table_;
    ConversationView* view_;
    DatasetPanel* datasets_;
    QSplitter* split_;
    ImportController* importer_;
    QMenu* recentMenu_ = nullptr;
    QLabel* projectLabel_;
    QLabel* countLabel_;
    QLabel* runLabel_;
    QLabel* reviewedLabel_;
    QStackedWidget* pages_;
    RankingSession* session_;
    BrowserPanel* browser_;
    PlotsPanel* plots_;
    ScoreCompareView* compare_;
    QDockWidget* plotsDock_;
    InspectorPanel* inspector_;
    QDockWidget* inspectorDock_;
    JobsPanel* jobs_;
    QDockWidget* jobsDock_;
    QTimer* reloadTimer_;
    QUndoStack* undo_;
    QTimer* plotTimer_;
    QList<QAction*> projectActions_;
    // The inspector's share of the width and the bottom docks' share of the height: docks
    // keep their pixels when the window grows, which left a 4k table 3,000 px wide next to
    // a narrow inspector. Dragging a separator sets the share.
    double inspectorShare_ = 0.45, bottomShare_ = 0.32;
    qint64 selectDatasetWhenListed_ = 0;  // an import's dataset, selected once the list arrives
};

}  // namespace gateau::ui
