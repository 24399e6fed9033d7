#include "ui/main_window.h"

#include "db/dataset_admin.h"
#include "db/run_store.h"
#include "db/score_columns.h"
#include "ui/browser/browser_panel.h"
#include "ui/glossary.h"
#include "ui/browser/ranking_session.h"
#include "ui/inspector/conversation_view.h"
#include "ui/export_dialog.h"
#include "ui/inspector/inspector_panel.h"
#include "ui/scoring/jobs_panel.h"
#include "ui/scoring/scoring_dialog.h"
#include "ui/plots/plots_panel.h"
#include "ui/compare/score_compare_view.h"
#include "db/score_columns.h"
#include "ui/dataset_panel.h"
#include "ui/import_controller.h"
#include "ui/recent_projects.h"
#include "ui/sample_table_model.h"
#include "ui/shortcut_sheet.h"
#include "ui/team_review.h"
#include "ui/tasks/task_runner.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QUndoStack>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>

// gateau_ui is a static library: its resources must be registered by hand.
static void initGateauResources() { Q_INIT_RESOURCE(resources); }

namespace gateau::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    initGateauResources();
    setWindowTitle(tr("Gateau Workbench"));
    setWindowIcon(QIcon(":/gateau/icon.svg"));
    model_ = new SampleTableModel(this);
    connect(model_, &SampleTableModel::loaded, this, &MainWindow::showSampleList);
    connect(model_, &SampleTableModel::loadFailed, this,
            [this](const QString& error) { statusBar()->showMessage(tr("Could not list the samples: %1").arg(error)); });
    table_ = new QTableView;
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->setHighlightSections(false);
    // Fixed widths: ResizeToContents would measure every row of a 100k-row table.
    const int w = fontMetrics().horizontalAdvance('0');
    const int widths[] = {5, 12, 5, 9, 5, 9, 9};
    for (int c = 0; c < int(std::size(widths)); ++c) table_->setColumnWidth(c, widths[c] * w + 16);

    view_ = new ConversationView;
    view_->showMessage(tr("Open or create a project (File menu), import a dataset, then select a sample."));

    split_ = new QSplitter(Qt::Horizontal);
    split_->addWidget(table_);
    split_->addWidget(view_);
    split_->setStretchFactor(0, 3);
    split_->setStretchFactor(1, 2);

    session_ = new RankingSession(this);
    undo_ = new QUndoStack(this);
    browser_ = new BrowserPanel(session_, undo_);
    pages_ = new QStackedWidget;
    pages_->addWidget(split_);
    pages_->addWidget(browser_);
    setCentralWidget(pages_);

    inspector_ = new InspectorPanel;
    inspectorDock_ = new QDockWidget(tr("Inspector"), this);
    inspectorDock_->setObjectName("inspectorDock");
    inspectorDock_->setWidget(inspector_);
    addDockWidget(Qt::RightDockWidgetArea, inspectorDock_);
    // The inspector keeps the full height; plots, runs and datasets sit under the table.
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);

    jobs_ = new JobsPanel;
    jobsDock_ = new QDockWidget(tr("Runs and jobs"), this);
    jobsDock_->setObjectName("jobsDock");
    jobsDock_->setWidget(jobs_);
    addDockWidget(Qt::BottomDockWidgetArea, jobsDock_);
    // New results reach the table at most every few seconds: reloading a 100k-sample pool
    // costs a query and a re-rank, not worth doing per sample.
    reloadTimer_ = new QTimer(this);
    reloadTimer_->setSingleShot(true);
    reloadTimer_->setInterval(3000);
    connect(reloadTimer_, &QTimer::timeout, this, &MainWindow::refreshRuns);

    plots_ = new PlotsPanel;
    // Not a QCustomPlot: the compare view lives in gateau_ui (it needs core's statistics),
    // joined to the plots' tabs here and brushing the browser the same way.
    compare_ = new ScoreCompareView;
    plots_->tabs()->addTab(compare_, tr("Compare"));
    plotsDock_ = new QDockWidget(tr("Plots"), this);
    plotsDock_->setObjectName("plotsDock");
    plotsDock_->setWidget(plots_);
    addDockWidget(Qt::BottomDockWidgetArea, plotsDock_);
    plotTimer_ = new QTimer(this);
    plotTimer_->setSingleShot(true);
    plotTimer_->setInterval(120);  // coalesces alpha-slider drags into one replot
    connect(plotTimer_, &QTimer::timeout, this, &MainWindow::updatePlots);

    datasets_ = new DatasetPanel;
    connect(datasets_, &DatasetPanel::deleteRequested, this, [this](qint64 id) { deleteDataset(id); });
    auto* dock = new QDockWidget(tr("Datasets and import reports"), this);
    dock->setObjectName("datasetsDock");
    dock->setWidget(datasets_);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    tabifyDockWidget(dock, plotsDock_);
    tabifyDockWidget(plotsDock_, jobsDock_);
    plotsDock_->raise();

    importer_ = new ImportController(this, this);
    connect(importer_, &ImportController::finished, this, &MainWindow::onImportFinished);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] { showSelectedSample(); });

    connect(browser_, &BrowserPanel::runChosen, this, &MainWindow::showRun);
    connect(browser_, &BrowserPanel::searchChanged, inspector_, &InspectorPanel::setSearchQuery);
    connect(browser_, &BrowserPanel::currentSampleChanged, this, &MainWindow::showScoredSample);
    connect(browser_, &BrowserPanel::selectionChanged, plots_, &PlotsPanel::setSelection);
    connect(browser_, &BrowserPanel::status, this, [this](const QString& m, bool error) { notify(tr("Browser"), m, error); });
    connect(plots_, &PlotsPanel::brushed, browser_, &BrowserPanel::selectSamples);
    // As a brush in a plot: the browser highlights it and every plot rings it (a brush inside
    // the plots panel rings it there itself; the browser does not echo a brush back).
    connect(compare_, &ScoreCompareView::brushed, plots_, &PlotsPanel::setSelection);
    connect(compare_, &ScoreCompareView::brushed, browser_, &BrowserPanel::selectSamples);
    // Evidence: marked in the inspector, stored (undoable) by the browser, drawn by the inspector.
    connect(inspector_, &InspectorPanel::evidenceEdited, browser_, &BrowserPanel::setEvidence);
    connect(browser_, &BrowserPanel::reviewChanged, this, [this](const QVector<qint64>& ids) {
        if (ids.contains(inspector_->sampleId())) showEvidence(inspector_->sampleId());
    });
    connect(session_, &RankingSession::loaded, this, [this] {
        plotTimer_->start();
        updateStatus();
    });
    connect(session_, &RankingSession::rankingChanged, this, [this] {
        plotTimer_->start();
        updateStatus();
    });
    connect(session_, &RankingSession::decisionsChanged, this, &MainWindow::updateStatus);
    connect(inspector_, &InspectorPanel::statusMessage, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    connect(jobs_, &JobsPanel::newRunRequested, this, &MainWindow::scoringDialog);
    connect(jobs_, &JobsPanel::runSelected, this, [this](qint64 id) {
        showRun(id);
        refreshRuns();
    });
    connect(jobs_, &JobsPanel::samplesStored, this, [this](qint64 id, qint64) {
        if (id == session_->runId() || !session_->hasRun()) {
            if (!reloadTimer_->isActive()) reloadTimer_->start();
        }
    });
    connect(jobs_, &JobsPanel::runFinished, this, [this](qint64) { refreshRuns(); });
    connect(session_, &RankingSession::failed, this, [this](const QString& m) { notify(tr("Ranking"), m, true); });

    projectLabel_ = new QLabel;
    countLabel_ = new QLabel;
    runLabel_ = new QLabel;
    reviewedLabel_ = new QLabel;
    reviewedLabel_->setObjectName("reviewedLabel");
    reviewedLabel_->setToolTip(tr("Samples of the run with a decision (kept or dropped by hand)"));
    statusBar()->addPermanentWidget(reviewedLabel_);
    statusBar()->addPermanentWidget(runLabel_);
    statusBar()->addPermanentWidget(countLabel_);
    statusBar()->addWidget(projectLabel_, 1);
    busyBar_ = new QProgressBar;
    busyBar_->setObjectName("busyBar");
    busyBar_->setRange(0, 0);  // indeterminate: neither an open nor a delete reports progress
    busyBar_->setMaximumWidth(160);
    busyBar_->setVisible(false);
    statusBar()->addPermanentWidget(busyBar_);

    buildMenus();
    QSettings s;
    inspectorShare_ = std::clamp(s.value("mainWindow/inspectorShare", inspectorShare_).toDouble(), 0.1, 0.8);
    bottomShare_ = std::clamp(s.value("mainWindow/bottomShare", bottomShare_).toDouble(), 0.1, 0.7);
    if (!restoreGeometry(s.value("mainWindow/geometry").toByteArray())) {
        // The first start fits the screen, a 1366x768 laptop included.
        const QSize avail = screen() ? screen()->availableGeometry().size() * 0.95 : QSize(1600, 1000);
        resize(QSize(1600, 1000).boundedTo(avail));
    }
    restoreState(s.value("mainWindow/state").toByteArray());
    if (!split_->restoreState(s.value("mainWindow/split").toByteArray())) {
        // Sizes only take once the splitter has its width: give the table 60% then.
        QTimer::singleShot(0, this, [this] { split_->setSizes({split_->width() * 3 / 5, split_->width() * 2 / 5}); });
    }
    refresh();
}

MainWindow::~MainWindow() = default;

QString MainWindow::projectPath() const { return QString::fromStdString(project_); }

bool MainWindow::opening() const { return TaskRunner::instance().busy(const_cast<MainWindow*>(this), QStringLiteral("open")); }

void MainWindow::setBusy(const QString& what) {
    busy_ = what;
    busyBar_->setVisible(!what.isEmpty());
    if (!what.isEmpty()) statusBar()->showMessage(what);
    else statusBar()->clearMessage();
    updateActions();
}

void MainWindow::updateActions() {
    const bool usable = !project_.empty() && busy_.isEmpty();
    for (QAction* a : projectActions_) a->setEnabled(usable);
    datasets_->setEnabled(usable);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New Project..."), QKeySequence::New, this, &MainWindow::newProject);
    file->addAction(tr("&Open Project..."), QKeySequence::Open, this, &MainWindow::openProjectDialog);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    projectActions_ << file->addAction(tr("&Import Dataset..."), QKeySequence(Qt::CTRL | Qt::Key_I), this, &MainWindow::importDialog);
    projectActions_ << file->addAction(tr("&Export Selection..."), QKeySequence(Qt::CTRL | Qt::Key_E), this, &MainWindow::exportDialog);
    projectActions_ << file->addAction(tr("&Merge Reviews..."), this, [this] {
        if (project_.empty()) return;
        askAndMergeReviews(this, project_, [this](const QString& message, bool failed) {
            // The undo history holds states from before the merge: undoing one would rewrite
            // what the merge brought in.
            if (!failed) undo_->clear();
            notify(tr("Merge Reviews"), message, failed);
            if (!failed) refresh();
        });
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = undo_->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = undo_->createRedoAction(this, tr("&Redo"));
    // Not QKeySequence::Redo: on X11 it already is Ctrl+Shift+Z, and the same key twice in
    // one action is an ambiguous shortcut that never fires.
    redo->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    projectActions_ << run->addAction(tr("&Score Samples..."), QKeySequence(Qt::CTRL | Qt::Key_R), this, &MainWindow::scoringDialog);
    run->addAction(jobsDock_->toggleViewAction());

    QMenu* sample = menuBar()->addMenu(tr("&Sample"));
    sample->addActions(browser_->sampleActions());
    sample->addSeparator();
    sample->addActions(inspector_->evidenceActions());
    sample->addSeparator();
    projectActions_ << sample->addAction(tr("Annotator A&greement..."), this, [this] {
        if (!project_.empty()) showAgreement(this, project_, [this] { browser_->showAdjudicationQueue(); });
    });
    projectActions_ << sample->addAction(tr("Ad&judication Queue"), this, [this] { browser_->showAdjudicationQueue(); });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    projectActions_ << view->addAction(tr("&Reload"), QKeySequence::Refresh, this, &MainWindow::refresh);
    view->addSeparator();
    view->addAction(findChild<QDockWidget*>("datasetsDock")->toggleViewAction());
    view->addAction(inspectorDock_->toggleViewAction());
    view->addAction(plotsDock_->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* keys = help->addAction(tr("&Keyboard Shortcuts"), this, [this] { showShortcutSheet(menuBar(), this); });
    keys->setShortcuts({QKeySequence(Qt::Key_F1), QKeySequence(Qt::Key_Question)});
    help->addAction(tr("&About Gateau Workbench"), this, [this] {
        QMessageBox::about(this, tr("About Gateau Workbench"),
                           tr("<b>Gateau Workbench %1</b><p>Curate long-context instruction data with the GATEAU "
                              "method: score, inspect, override, export.</p>").arg(QApplication::applicationVersion()));
    });
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = RecentProjects::list();
    for (const QString& p : recent) recentMenu_->addAction(p, this, [this, p] { openProject(p, false); });
    recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::notify(const QString& title, const QString& message, bool error) {
    statusBar()->showMessage(message, 10000);
    if (!error) return;
    // Non-modal: the user keeps working; details stay readable until dismissed.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message.section('\n', 0, 0), QMessageBox::Close, this);
    box->setDetailedText(message);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

void MainWindow::openProject(const QString& path, bool create) {
    setBusy(tr("Opening %1 …").arg(path));
    if (project_.empty()) view_->showMessage(tr("Opening %1 …").arg(path));
    // Serial: one open at a time on this window, the newest wins (an earlier one still
    // running finishes on its worker, unreported). The migrations run here, off the GUI thread.
    TaskRunner::instance().run<std::string>(
        this, QStringLiteral("open"),
        [p = path.toStdString(), create](const CancelToken&) { return db::ProjectStore::open(p, create).path(); },
        [this, path, create](TaskResult<std::string>& r) {
            if (r.status == TaskStatus::Cancelled) return;
            setBusy({});
            if (r.status == TaskStatus::Failed) {
                spdlog::error("cannot open project {}: {}", path.toStdString(), r.error.toStdString());
                if (!create) RecentProjects::remove(path);
                notify(tr("Cannot open project"), r.error, true);
                rebuildRecentMenu();
                if (project_.empty()) refresh();  // the "open or create a project" hint again
                emit projectOpened(path, r.error);
                return;
            }
            model_->setProject({});
            browser_->setProject({});
            project_ = r.value;
            undo_->clear();
            session_->setProject(projectPath());
            inspector_->setProject(projectPath());
            jobs_->setProject(projectPath());
            RecentProjects::add(projectPath());
            spdlog::info("opened project {}", project_);
            rebuildRecentMenu();
            refresh();
            emit projectOpened(path, QString());
        },
        LaneMode::Serial);
}

void MainWindow::refresh() {
    const bool open = !project_.empty();
    updateActions();
    model_->setProject(project_);  // the rows follow: showSampleList()
    loadDatasets();
    setWindowTitle(open ? tr("%1 - Gateau Workbench").arg(QFileInfo(projectPath()).fileName()) : tr("Gateau Workbench"));
    projectLabel_->setText(open ? projectPath() : tr("No project open"));
    if (!open) {
        countLabel_->clear();
        view_->showMessage(tr("Open or create a project (File menu), import a dataset, then select a sample."));
    }
    browser_->setProject(project_);
    refreshRuns();
}

void MainWindow::showSampleList() {
    if (project_.empty()) return;
    countLabel_->setText(tr("%1 samples").arg(QLocale().toString(qlonglong(model_->totalSamples()))));
    if (model_->rowCount() > 0) table_->selectRow(0);
    else view_->showMessage(tr("This project has no samples yet: File > Import Dataset... (Ctrl+I)."));
}

void MainWindow::deleteDataset(qint64 datasetId, bool askFirst) {
    static const QString kLane = QStringLiteral("dataset-delete");
    if (project_.empty() || !busy_.isEmpty()) return;
    const std::string path = project_;
    if (askFirst) {
        // What the confirmation names is read on the runner; the question comes back here.
        TaskRunner::instance().run<std::vector<db::DatasetUsage>>(
            this, QStringLiteral("dataset-usage"), [path](const CancelToken&) {
                auto store = db::ProjectStore::openReadOnly(path);
                return db::datasetUsage(store);
            },
            [this, path, datasetId](TaskResult<std::vector<db::DatasetUsage>>& r) {
                if (r.status == TaskStatus::Failed) return notify(tr("Cannot delete dataset"), r.error, true);
                if (r.status != TaskStatus::Finished || path != project_) return;
                auto it = std::find_if(r.value.begin(), r.value.end(), [&](const db::DatasetUsage& u) { return u.info.id == datasetId; });
                if (it == r.value.end()) return;
                if (QMessageBox::question(this, tr("Delete dataset"), DatasetPanel::deleteConfirmation(*it),
                                          QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) == QMessageBox::Yes)
                    deleteDataset(datasetId, false);
            });
        return;
    }
    setBusy(tr("Deleting dataset #%1 …").arg(datasetId));
    TaskRunner::instance().run<db::RemovedDataset>(
        this, kLane, [path, datasetId](const CancelToken&) {
            auto store = db::ProjectStore::open(path, false);
            return db::deleteDataset(store, datasetId);  // one transaction
        },
        [this](TaskResult<db::RemovedDataset>& r) {
            if (r.status == TaskStatus::Cancelled) return;
            setBusy({});
            if (r.status == TaskStatus::Failed) return notify(tr("Cannot delete dataset"), r.error, true);
            undo_->clear();  // its entries may name samples that are gone
            refresh();
            notify(tr("Datasets"),
                   tr("Deleted dataset #%1 (%2): %3 samples, %4 scores, %5 override entries")
                       .arg(r.value.id).arg(QString::fromStdString(r.value.name)).arg(r.value.samples).arg(r.value.scores).arg(r.value.overrides),
                   false);
        },
        LaneMode::Serial);
}

void MainWindow::loadDatasets() {
    static const QString kLane = QStringLiteral("datasets");
    if (project_.empty()) {
        TaskRunner::instance().drop(this, kLane);
        browser_->setDatasets({});
        return datasets_->setDatasets({});
    }
    const std::string path = project_;
    TaskRunner::instance().run<std::vector<db::DatasetInfo>>(
        this, kLane, [path](const CancelToken&) { return db::ProjectStore::openReadOnly(path).datasets(); },
        [this](TaskResult<std::vector<db::DatasetInfo>>& r) {
            if (r.status == TaskStatus::Failed) return notify(tr("Datasets"), r.error, true);
            datasets_->setDatasets(r.value);
            browser_->setDatasets(r.value);
            if (selectDatasetWhenListed_) datasets_->selectDataset(selectDatasetWhenListed_);
            selectDatasetWhenListed_ = 0;
        });
}

void MainWindow::refreshRuns() {
    static const QString kLane = QStringLiteral("runs");
    if (project_.empty()) {
        TaskRunner::instance().drop(this, kLane);
        return applyRuns({});
    }
    const std::string path = project_;
    TaskRunner::instance().run<std::vector<db::RunInfo>>(
        this, kLane,
        [path](const CancelToken&) {
            auto store = db::ProjectStore::openReadOnly(path);
            return db::listRuns(store);
        },
        [this](TaskResult<std::vector<db::RunInfo>>& r) {
            if (r.status == TaskStatus::Failed) notify(tr("Runs"), r.error, true);
            if (r.status != TaskStatus::Cancelled) applyRuns(r.value);
        });
}

void MainWindow::applyRuns(const std::vector<db::RunInfo>& runs) {
    qint64 current = session_->runId();
    bool known = false;
    for (const auto& r : runs) known = known || r.id == current;
    if (!known) {
        // Newest run with results, complete ones first.
        current = 0;
        for (const auto& r : runs)
            if (r.done > 0 && (current == 0 || r.status == "complete")) current = r.id;
    }
    browser_->setRuns(runs, current);
    if (current != session_->runId() || (current > 0 && !session_->hasRun())) showRun(current);
    else session_->reload();
}

void MainWindow::showRun(qint64 runId) {
    pages_->setCurrentIndex(runId > 0 ? 1 : 0);
    session_->loadRun(runId);
    updateStatus();
}

void MainWindow::updateStatus() {
    if (!session_->hasRun()) {
        runLabel_->setText(session_->runId() > 0 ? tr("run #%1 loading…").arg(session_->runId()) : tr("no run"));
        reviewedLabel_->clear();
        return;
    }
    qint64 reviewed = 0;
    for (const auto& s : session_->inputs().samples) reviewed += s.decision != db::Decision::None ? 1 : 0;
    reviewedLabel_->setText(tr("%1 / %2 reviewed")
                                .arg(QLocale().toString(reviewed), QLocale().toString(qlonglong(session_->inputs().samples.size()))));
    const auto& r = session_->ranking();
    runLabel_->setText(tr("run #%1 · α %2 · %3 of %4 selected")
                           .arg(session_->runId())
                           .arg(session_->alpha(), 0, 'f', 2)
                           .arg(QLocale().toString(qlonglong(r.selected)), QLocale().toString(qlonglong(r.pool))));
}

void MainWindow::updatePlots() {
    if (!session_->hasRun()) {
        TaskRunner::instance().drop(this, QStringLiteral("plot-table"));
        plots_->setScoreTable({}, {}, {}, {});
        compare_->setScores({}, {}, {});
        return;
    }
    // The table the plots and the compare view share, built on the runner: at 100k samples
    // the score columns alone held the GUI thread for ~340 ms after every re-rank.
    struct Table {
        std::vector<int64_t> ids;
        std::vector<PlotDecision> decisions;
        std::vector<std::string> externalIds;
        std::vector<scoring::ScoreColumn> columns;
        std::vector<std::vector<double>> values;
        QStringList names;
        double threshold = 0;
    };
    TaskRunner::instance().run<std::shared_ptr<Table>>(
        this, QStringLiteral("plot-table"),
        [in = session_->sharedInputs(), view = session_->sharedView()](const CancelToken&) {
            auto t = std::make_shared<Table>();
            const size_t n = in->samples.size();
            t->ids = db::sampleIds(*in);
            t->decisions.resize(n);
            t->externalIds.resize(n);
            for (size_t i = 0; i < n; ++i) {
                const auto& s = in->samples[i];
                const auto& r = view->ranking.rows[size_t(view->rowOfInput[i])];
                t->externalIds[i] = s.externalId;
                t->decisions[i] = s.decision == db::Decision::Keep   ? PlotDecision::Keep
                                  : s.decision == db::Decision::Drop ? PlotDecision::Drop
                                  : r.selected                       ? PlotDecision::AutoSelected
                                                                     : PlotDecision::AutoRejected;
            }
            // The one list of scores (db/score_columns.h), shown by every plot and the compare
            // view: a new scorer shows up here by itself.
            t->columns = db::scoreColumns(*in, view->ranking);
            for (const auto& c : t->columns) {
                t->names << QString::fromStdString(c.displayName);
                t->values.push_back(c.values);
            }
            t->threshold = view->ranking.threshold;
            return t;
        },
        [this](TaskResult<std::shared_ptr<Table>>& r) {
            // Latest wins: only the newest table (the lane's newest task) lands.
            if (r.status != TaskStatus::Finished) return;
            Table& t = *r.value;
            for (size_t c = 0; c < t.columns.size(); ++c) {
                if (glossary::explain(t.names[int(c)]).isEmpty())  // a plug-in score: its own description
                    glossary::registerExplanation(t.names[int(c)], QString::fromStdString(t.columns[c].description));
            }
            plots_->setScoreTable(t.ids, t.names, std::move(t.values), std::move(t.decisions));
            plots_->setThreshold(t.threshold);
            compare_->setScores(std::move(t.ids), std::move(t.externalIds), std::move(t.columns));
        },
        LaneMode::Serial);
}

void MainWindow::showScoredSample(qint64 sampleId) {
    if (project_.empty()) return;
    // No current row (everything filtered away): inspect nothing rather than a sample that
    // is no longer highlighted.
    if (sampleId < 0) return inspector_->clear();
    inspector_->showSample(session_->runId(), sampleId);
    showEvidence(sampleId);
}

void MainWindow::showEvidence(qint64 sampleId) {
    const OverrideState* st = browser_->reviewState(sampleId);
    if (st && st->annotations.hasEvidence())
        inspector_->setEvidence(sampleId, st->annotations.evidenceStart, st->annotations.evidenceEnd);
    else
        inspector_->setEvidence(sampleId, -1, -1);
}

void MainWindow::scoringDialog() {
    if (project_.empty()) return;
    ScoringDialog d(this);
    d.setAlpha(session_->alpha());
    if (d.exec() != QDialog::Accepted) return;
    jobs_->startRun(d.runConfig(), d.devices());
    browser_->alphaSlider()->setValue(int(d.alpha() * 100 + 0.5));
    jobsDock_->show();
    jobsDock_->raise();
    statusBar()->showMessage(tr("Scoring started: hashing the model weights, then one worker per device"), 8000);
}

void MainWindow::exportDialog() {
    if (!session_->hasRun()) {
        notify(tr("Export"), tr("Score the samples first (Run > Score Samples...): export follows a run's ranking."), true);
        return;
    }
    auto* d = new ExportDialog(session_, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &ExportDialog::exported, this, [this](const QString& m) { notify(tr("Export"), m, false); });
    connect(d, &ExportDialog::exportFailed, this, [this](const QString& m) { notify(tr("Export failed"), m, true); });
    d->show();
}

void MainWindow::newProject() {
    QString path = QFileDialog::getSaveFileName(this, tr("New project"), QString(), tr("Gateau projects (*.gateau)"));
    if (path.isEmpty()) return;
    if (!path.endsWith(".gateau")) path += ".gateau";
    openProject(path, true);
}

void MainWindow::openProjectDialog() {
    QString path = QFileDialog::getOpenFileName(this, tr("Open project"), QString(), tr("Gateau projects (*.gateau);;All files (*)"));
    if (!path.isEmpty()) openProject(path, false);
}

void MainWindow::importDialog() {
    if (project_.empty() || importer_->busy()) return;
    QString file = QFileDialog::getOpenFileName(this, tr("Import dataset"), QSettings().value("lastImportDir").toString(),
                                                tr("Datasets (*.jsonl *.json);;All files (*)"));
    if (file.isEmpty()) return;
    QSettings().setValue("lastImportDir", QFileInfo(file).absolutePath());
    bool ok = false;
    QString format = QInputDialog::getItem(this, tr("Import dataset"), tr("Record format:"),
                                           {"auto", "messages", "sharegpt", "alpaca"}, 0, false, &ok);
    if (ok) importFile(file, format);
}

void MainWindow::importFile(const QString& file, const QString& format) {
    if (project_.empty() || importer_->busy()) return;
    statusBar()->showMessage(tr("Importing %1 ...").arg(file));
    importer_->start(projectPath(), file, format);
}

void MainWindow::onImportFinished(const ImportOutcome& outcome) {
    selectDatasetWhenListed_ = outcome.datasetId;
    refresh();
    notify(tr("Import"), outcome.message, outcome.kind == ImportOutcome::Kind::Failed);
}

void MainWindow::showSelectedSample() {
    static const QString kLane = QStringLiteral("sample-text");
    const int row = table_->currentIndex().row();
    const int64_t id = model_->sampleIdAt(row);
    if (project_.empty() || id < 0) return TaskRunner::instance().drop(this, kLane);
    const QString title = tr("Sample #%1  ·  %2 line %3")
                              .arg(id)
                              .arg(model_->index(row, SampleTableModel::ColDataset).data().toString())
                              .arg(model_->index(row, SampleTableModel::ColLine).data().toLongLong());
    const std::string path = project_;
    // The newest selection wins: scrolling through rows never queues a backlog of texts.
    TaskRunner::instance().run<std::optional<db::SampleText>>(
        this, kLane, [path, id](const CancelToken&) { return db::ProjectStore::openReadOnly(path).sampleText(id); },
        [this, id, title](TaskResult<std::optional<db::SampleText>>& r) {
            if (r.status == TaskStatus::Failed) return view_->showMessage(r.error);
            if (r.status != TaskStatus::Finished) return;
            if (!r.value) return view_->showMessage(tr("Sample %1 is no longer in the project.").arg(id));
            view_->showConversation(r.value->conversation, title);
        });
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (importer_->busy()) {
        importer_->cancel();  // the import rolls back; nothing half-written stays
    }
    // Running jobs are cancelled as the panel goes: finished samples are already committed,
    // the rest stays pending and the run shows as interrupted, resumable in one click.
    browser_->commitNote();  // a note typed and not confirmed is kept
    QSettings s;
    s.setValue("mainWindow/geometry", saveGeometry());
    s.setValue("mainWindow/state", saveState());
    s.setValue("mainWindow/split", split_->saveState());
    s.setValue("mainWindow/inspectorShare", inspectorShare_);
    s.setValue("mainWindow/bottomShare", bottomShare_);
    QMainWindow::closeEvent(e);
}

void MainWindow::applyDockShares() {
    // isHidden, not isVisible: on the first show the docks are not visible yet.
    if (!inspectorDock_->isHidden() && !inspectorDock_->isFloating())
        resizeDocks({inspectorDock_}, {int(width() * inspectorShare_)}, Qt::Horizontal);
    if (!plotsDock_->isHidden() && !plotsDock_->isFloating())
        resizeDocks({plotsDock_}, {int(height() * bottomShare_)}, Qt::Vertical);
}

void MainWindow::rememberDockShares() {
    if (width() <= 0 || height() <= 0) return;
    if (inspectorDock_->isVisible() && !inspectorDock_->isFloating())
        inspectorShare_ = std::clamp(double(inspectorDock_->width()) / width(), 0.1, 0.8);
    if (plotsDock_->isVisible() && !plotsDock_->isFloating())
        bottomShare_ = std::clamp(double(plotsDock_->height()) / height(), 0.1, 0.7);
}

void MainWindow::resizeEvent(QResizeEvent* e) {
    QMainWindow::resizeEvent(e);
    // After the layout has taken the new size (the first show lays out late).
    QTimer::singleShot(0, this, &MainWindow::applyDockShares);
}

bool MainWindow::event(QEvent* e) {
    const bool handled = QMainWindow::event(e);
    // Dock separators are dragged on the main window itself: a release ends a drag.
    if (e->type() == QEvent::MouseButtonRelease) rememberDockShares();
    return handled;
}

}  // namespace gateau::ui
