#include "ui/main_window.h"

#include "ui/conversation_view.h"
#include "ui/dataset_panel.h"
#include "ui/import_controller.h"
#include "ui/recent_projects.h"
#include "ui/sample_table_model.h"

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
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>

#include <spdlog/spdlog.h>

namespace gateau::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("Gateau Workbench"));
    setWindowIcon(QIcon(":/gateau/icon.svg"));
    model_ = new SampleTableModel(this);
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
    setCentralWidget(split_);

    datasets_ = new DatasetPanel;
    auto* dock = new QDockWidget(tr("Datasets and import reports"), this);
    dock->setObjectName("datasetsDock");
    dock->setWidget(datasets_);
    addDockWidget(Qt::BottomDockWidgetArea, dock);

    importer_ = new ImportController(this, this);
    connect(importer_, &ImportController::finished, this, &MainWindow::onImportFinished);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] { showSelectedSample(); });

    projectLabel_ = new QLabel;
    countLabel_ = new QLabel;
    statusBar()->addPermanentWidget(countLabel_);
    statusBar()->addWidget(projectLabel_, 1);

    buildMenus();
    QSettings s;
    if (!restoreGeometry(s.value("mainWindow/geometry").toByteArray())) resize(1280, 820);
    if (!restoreState(s.value("mainWindow/state").toByteArray())) resizeDocks({dock}, {200}, Qt::Vertical);
    if (!split_->restoreState(s.value("mainWindow/split").toByteArray())) {
        // Sizes only take once the splitter has its width: give the table 60% then.
        QTimer::singleShot(0, this, [this] { split_->setSizes({split_->width() * 3 / 5, split_->width() * 2 / 5}); });
    }
    refresh();
}

MainWindow::~MainWindow() = default;

QString MainWindow::projectPath() const { return store_ ? QString::fromStdString(store_->path()) : QString(); }

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New Project..."), QKeySequence::New, this, &MainWindow::newProject);
    file->addAction(tr("&Open Project..."), QKeySequence::Open, this, &MainWindow::openProjectDialog);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    projectActions_ << file->addAction(tr("&Import Dataset..."), QKeySequence(Qt::CTRL | Qt::Key_I), this, &MainWindow::importDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    projectActions_ << view->addAction(tr("&Reload"), QKeySequence::Refresh, this, &MainWindow::refresh);
    view->addAction(findChild<QDockWidget*>("datasetsDock")->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
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

bool MainWindow::openProject(const QString& path, bool create) {
    try {
        auto store = std::make_unique<db::ProjectStore>(db::ProjectStore::open(path.toStdString(), create));
        model_->setStore(nullptr);
        store_ = std::move(store);
        RecentProjects::add(path);
        spdlog::info("opened project {}", path.toStdString());
    } catch (const std::exception& e) {
        spdlog::error("cannot open project {}: {}", path.toStdString(), e.what());
        if (!create) RecentProjects::remove(path);
        notify(tr("Cannot open project"), QString::fromStdString(e.what()), true);
        rebuildRecentMenu();
        return false;
    }
    rebuildRecentMenu();
    refresh();
    return true;
}

void MainWindow::refresh() {
    const bool open = store_ != nullptr;
    for (QAction* a : projectActions_) a->setEnabled(open);
    model_->setStore(store_.get());
    datasets_->setDatasets(open ? store_->datasets() : std::vector<db::DatasetInfo>{});
    setWindowTitle(open ? tr("%1 - Gateau Workbench").arg(QFileInfo(projectPath()).fileName()) : tr("Gateau Workbench"));
    projectLabel_->setText(open ? projectPath() : tr("No project open"));
    countLabel_->setText(open ? tr("%1 samples").arg(QLocale().toString(qlonglong(model_->totalSamples()))) : QString());
    if (open && model_->rowCount() > 0) table_->selectRow(0);
    else view_->showMessage(open ? tr("This project has no samples yet: File > Import Dataset... (Ctrl+I).")
                                 : tr("Open or create a project (File menu), import a dataset, then select a sample."));
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
    if (!store_ || importer_->busy()) return;
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
    if (!store_ || importer_->busy()) return;
    statusBar()->showMessage(tr("Importing %1 ...").arg(file));
    importer_->start(projectPath(), file, format);
}

void MainWindow::onImportFinished(const ImportOutcome& outcome) {
    refresh();
    if (outcome.datasetId) datasets_->selectDataset(outcome.datasetId);
    notify(tr("Import"), outcome.message, outcome.kind == ImportOutcome::Kind::Failed);
}

void MainWindow::showSelectedSample() {
    int row = table_->currentIndex().row();
    int64_t id = model_->sampleIdAt(row);
    if (!store_ || id < 0) return;
    try {
        auto text = store_->sampleText(id);
        if (!text) return view_->showMessage(tr("Sample %1 is no longer in the project.").arg(id));
        auto idx = model_->index(row, SampleTableModel::ColDataset);
        view_->showConversation(text->conversation, tr("Sample #%1  ·  %2 line %3")
                                                        .arg(id).arg(idx.data().toString())
                                                        .arg(model_->index(row, SampleTableModel::ColLine).data().toLongLong()));
    } catch (const std::exception& e) {
        view_->showMessage(QString::fromStdString(e.what()));
    }
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (importer_->busy()) {
        importer_->cancel();  // the import rolls back; nothing half-written stays
    }
    QSettings s;
    s.setValue("mainWindow/geometry", saveGeometry());
    s.setValue("mainWindow/state", saveState());
    s.setValue("mainWindow/split", split_->saveState());
    QMainWindow::closeEvent(e);
}

}  // namespace gateau::ui
