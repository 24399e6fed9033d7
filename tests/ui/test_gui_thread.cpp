// Issue 15: the GUI thread runs no SQL. Each action below (open a project, edit the label
// set, delete a dataset) is recorded statement by statement with the thread that ran it, and
// checked for what it did: the project opened (or the error shown), the labels stored, the
// dataset gone and the list refreshed.
#include "tests/ui/open_project.h"
#include "tests/ui/scored_project.h"
#include "tests/ui/sql_thread_log.h"
#include "../common/test_files.h"
#include "db/annotations.h"
#include "db/dataset_admin.h"
#include "db/importer.h"
#include "db/schema.h"
#include "db/sqlite.h"
#include "db/sql_observer.h"
#include "ui/browser/browser_panel.h"
#include "ui/browser/ranked_filter_proxy.h"
#include "ui/browser/ranked_table_model.h"
#include "ui/browser/ranking_session.h"
#include "ui/inspector/inspector_panel.h"
#include "ui/dataset_panel.h"
#include "ui/main_window.h"
#include "ui/sample_table_model.h"
#include "ui/tasks/task_runner.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QUndoStack>
#include <QTemporaryDir>

#include <mutex>

using namespace gateau;

namespace {
std::string records(int n, const std::string& tag) {
    std::string out;
    for (int i = 0; i < n; ++i)
        out += R"({"id":")" + tag + std::to_string(i) + R"(","messages":[{"role":"user","content":"Context )" + std::to_string(i) +
               R"(.\n\nInstruction )" + tag + std::to_string(i) + R"(?"},{"role":"assistant","content":"Answer )" + std::to_string(i) + "\"}]}\n";
    return out;
}

QString q(const std::string& s) { return QString::fromStdString(s); }

// Records every statement from now until stop(); stop() returns those the GUI thread ran.
struct SqlRecording {
    SqlRecording() {
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        std::lock_guard lock(test::sqlMutex);
        test::sqlSeen.clear();
        db::setSqlObserver(test::recordSql);
    }
    ~SqlRecording() { db::setSqlObserver(nullptr); }
    QStringList stop(int* offGui = nullptr) {
        ui::TaskRunner::instance().waitForIdle();
        db::setSqlObserver(nullptr);
        QStringList onGui;
        int off = 0;
        std::lock_guard lock(test::sqlMutex);
        for (const auto& [gui, sql] : test::sqlSeen) {
            if (gui) onGui << sql;
            else ++off;
        }
        if (offGui) *offGui = off;
        return onGui;
    }
};

// A project of two datasets (4 + 3 samples) and a label set.
std::string makeProject(const QTemporaryDir& dir, const char* name) {
    const std::string project = dir.filePath(name).toStdString();
    auto store = db::ProjectStore::open(project, true);
    db::importDataset(store, test::writeFile(dir, std::string(name) + "-a.jsonl", records(4, "a")));
    db::importDataset(store, test::writeFile(dir, std::string(name) + "-b.jsonl", records(3, "b")));
    db::setLabelSet(store, {"good", "bad"});
    return project;
}

std::vector<std::string> storedLabels(const std::string& project) {
    auto store = db::ProjectStore::openReadOnly(project);
    return db::labelSet(store);
}

// Opens and waits until the window shows the project (the open runs on the task runner).
bool openAndWait(ui::MainWindow& w, const std::string& project) {
    return test::openProjectOk(w, q(project)) && w.projectPath() == q(project) && ui::TaskRunner::instance().waitForIdle();
}

QString joined(const QStringList& l) { return l.mid(0, 5).join(" | "); }
}  // namespace

class TestGuiThread : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void openingAProjectRunsNoSqlOnTheGuiThread() {
        QTemporaryDir dir;
        const std::string project = makeProject(dir, "open.gateau");
        ui::MainWindow w;
        w.show();
        SqlRecording rec;
        QVERIFY(openAndWait(w, project));
        int off = 0;
        const QStringList onGui = rec.stop(&off);
        QVERIFY2(onGui.isEmpty(), qPrintable(QString("%1 statements on the GUI thread: %2").arg(onGui.size()).arg(joined(onGui))));
        QVERIFY(off > 0);
        // What the open did: the rows, the datasets and the label set are shown.
        QTRY_COMPARE(w.sampleModel()->totalSamples(), int64_t(7));
        QTRY_COMPARE(w.datasetPanel()->datasetCount(), 2);
        QCOMPARE(w.browser()->labelSet(), (std::vector<std::string>{"good", "bad"}));
        QVERIFY(w.windowTitle().contains("open.gateau"));
    }

    void aBadFileIsReportedAndNothingOpens() {
        QTemporaryDir dir;
        const std::string good = makeProject(dir, "good.gateau");
        const std::string junk = test::writeFile(dir, "junk.gateau", "this is not a project file at all, sorry..........");
        ui::MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, good));
        SqlRecording rec;
        QVERIFY(w.findChildren<QMessageBox*>().isEmpty());
        const QString error = test::openProjectAndWait(w, q(junk));
        QVERIFY2(error.contains("junk.gateau") && error.contains("not a Gateau project"), qPrintable(error));
        // The error is shown (a non-modal box naming the file) and the open project stays.
        QVERIFY(!w.findChildren<QMessageBox*>().isEmpty());
        QMessageBox* box = w.findChildren<QMessageBox*>().constLast();
        QVERIFY2(box->detailedText().contains("junk.gateau"), qPrintable(box->detailedText()));
        const QStringList onGui = rec.stop();
        QVERIFY2(onGui.isEmpty(), qPrintable(joined(onGui)));
        QCOMPARE(w.projectPath(), q(good));
        QCOMPARE(test::readFile(junk), std::string("this is not a project file at all, sorry.........."));
    }

    // While a project opens the status bar says so with a busy bar and the project's actions
    // are disabled; once it has opened they are enabled again and the bar goes.
    void theWindowIsBusyWhileOpening() {
        QTemporaryDir dir;
        const std::string project = makeProject(dir, "busy.gateau");
        ui::MainWindow w;
        w.show();
        QAction* import = nullptr;
        for (QAction* a : w.findChildren<QAction*>())
            if (a->text() == "&Import Dataset...") import = a;
        QVERIFY(import);
        auto* bar = w.findChild<QProgressBar*>("busyBar");
        QVERIFY(bar);
        QVERIFY(!import->isEnabled());  // no project yet
        QSignalSpy opened(&w, &ui::MainWindow::projectOpened);
        w.openProject(q(project), false);
        // Nothing has run yet: the report comes through the event loop.
        QVERIFY(w.opening());
        QVERIFY(bar->isVisible());
        QVERIFY(!import->isEnabled());
        QVERIFY2(w.statusBar()->currentMessage().contains("Opening") && w.statusBar()->currentMessage().contains("busy.gateau"),
                 qPrintable(w.statusBar()->currentMessage()));
        QVERIFY(opened.wait(20000));
        QVERIFY(!w.opening());
        QVERIFY(!bar->isVisible());
        QVERIFY(import->isEnabled());
        QCOMPARE(w.projectPath(), q(project));
    }

    // A project from a newer Gateau: refused untouched, the message says so, nothing opens.
    void aNewerSchemaIsReportedUntouched() {
        QTemporaryDir dir;
        const std::string project = makeProject(dir, "newer.gateau");
        {
            db::Database d(project, false);
            d.exec(("PRAGMA user_version = " + std::to_string(db::schemaVersion() + 1)).c_str());
            d.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        const std::string before = test::readFile(project);
        ui::MainWindow w;
        w.show();
        const QString error = test::openProjectAndWait(w, q(project));
        QVERIFY2(error.contains("newer than this Gateau") && error.contains("newer.gateau"), qPrintable(error));
        QVERIFY(w.projectPath().isEmpty());
        QVERIFY(!w.opening());
        QCOMPARE(test::readFile(project), before);
    }

    // Two opens in a row: the later one is the project shown, and the window's state never
    // mixes the two (the sample count and datasets are the second project's).
    void theLatestOpenWins() {
        QTemporaryDir dir;
        const std::string first = makeProject(dir, "first.gateau");
        const std::string second = dir.filePath("second.gateau").toStdString();
        {
            auto store = db::ProjectStore::open(second, true);
            db::importDataset(store, test::writeFile(dir, "c.jsonl", records(5, "c")));
        }
        ui::MainWindow w;
        w.show();
        SqlRecording rec;
        w.openProject(q(first), false);
        w.openProject(q(second), false);
        QTRY_COMPARE(w.projectPath(), q(second));
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        QCOMPARE(w.projectPath(), q(second));
        QTRY_COMPARE(w.sampleModel()->totalSamples(), int64_t(5));
        QTRY_COMPARE(w.datasetPanel()->datasetCount(), 1);
        const QStringList onGui = rec.stop();
        QVERIFY2(onGui.isEmpty(), qPrintable(joined(onGui)));
        QCOMPARE(w.browser()->labelSet(), storedLabels(second));  // the second project's set
    }

    // Closing the window while its project opens: nothing crashes, the open ends on its worker.
    void closingWhileOpeningIsClean() {
        QTemporaryDir dir;
        const std::string project = makeProject(dir, "closing.gateau");
        {
            auto* w = new ui::MainWindow;
            w->show();
            w->openProject(q(project), false);
            w->close();
            delete w;
        }
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        QCOMPARE(storedLabels(project), (std::vector<std::string>{"good", "bad"}));
    }

    void labelSetEditsRunNoSqlOnTheGuiThread() {
        QTemporaryDir dir;
        const std::string project = makeProject(dir, "labels.gateau");
        ui::MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, project));
        ui::BrowserPanel* b = w.browser();
        SqlRecording rec;
        // Add, rename, remove: three edits in a row, written in order.
        b->setLabelSet({"good", "bad", "unsure"});
        b->setLabelSet({"fine", "bad", "unsure"});
        b->setLabelSet({"fine", "unsure"});
        QCOMPARE(b->labelSet(), (std::vector<std::string>{"fine", "unsure"}));  // shown at once
        int off = 0;
        const QStringList onGui = rec.stop(&off);
        QVERIFY2(onGui.isEmpty(), qPrintable(QString("%1 statements on the GUI thread: %2").arg(onGui.size()).arg(joined(onGui))));
        QVERIFY(off > 0);
        QCOMPARE(storedLabels(project), (std::vector<std::string>{"fine", "unsure"}));
        QCOMPARE(b->labelSet(), (std::vector<std::string>{"fine", "unsure"}));
    }

    // A label set the store refuses: the error is shown and the panel shows the stored set.
    void aRefusedLabelSetIsReportedAndUndone() {
        QTemporaryDir dir;
        const std::string project = makeProject(dir, "refused.gateau");
        ui::MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, project));
        ui::BrowserPanel* b = w.browser();
        QSignalSpy status(b, &ui::BrowserPanel::status);
        b->setLabelSet({"good", "good"});  // a duplicate: refused by the store
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        QTRY_VERIFY(!status.isEmpty());
        QVERIFY(status.constLast().at(1).toBool());
        QVERIFY2(status.constLast().at(0).toString().contains("good"), qPrintable(status.constLast().at(0).toString()));
        QCOMPARE(b->labelSet(), (std::vector<std::string>{"good", "bad"}));
        QCOMPARE(storedLabels(project), (std::vector<std::string>{"good", "bad"}));
    }

    void deletingADatasetRunsNoSqlOnTheGuiThread() {
        QTemporaryDir dir;
        const std::string project = makeProject(dir, "delete.gateau");
        ui::MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, project));
        QTRY_COMPARE(w.sampleModel()->totalSamples(), int64_t(7));
        SqlRecording rec;
        w.deleteDataset(1, false);
        // Busy until the delete reports: the bar, the message, the dataset panel disabled.
        QVERIFY(w.findChild<QProgressBar*>("busyBar")->isVisible());
        QVERIFY2(w.statusBar()->currentMessage().contains("Deleting dataset #1"), qPrintable(w.statusBar()->currentMessage()));
        QVERIFY(!w.datasetPanel()->isEnabled());
        QTRY_COMPARE(w.datasetPanel()->datasetCount(), 1);
        QTRY_VERIFY(w.datasetPanel()->isEnabled());
        QTRY_COMPARE(w.sampleModel()->totalSamples(), int64_t(3));
        int off = 0;
        const QStringList onGui = rec.stop(&off);
        QVERIFY2(onGui.isEmpty(), qPrintable(QString("%1 statements on the GUI thread: %2").arg(onGui.size()).arg(joined(onGui))));
        QVERIFY(off > 0);
        auto store = db::ProjectStore::openReadOnly(project);
        QCOMPARE(int(store.datasets().size()), 1);
        QCOMPARE(store.sampleCount(), int64_t(3));
    }

    // An unknown dataset: the error is shown, nothing is deleted.
    void aFailedDeleteIsReported() {
        QTemporaryDir dir;
        const std::string project = makeProject(dir, "nodelete.gateau");
        ui::MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, project));
        w.deleteDataset(99, false);
        QTRY_VERIFY(!w.findChildren<QMessageBox*>().isEmpty());
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        QVERIFY2(w.findChildren<QMessageBox*>().constLast()->text().contains("99"),
                 qPrintable(w.findChildren<QMessageBox*>().constLast()->text()));
        auto store = db::ProjectStore::openReadOnly(project);
        QCOMPARE(store.sampleCount(), int64_t(7));
    }

    // Issue 15's sweep, as a user would go: open a scored project, walk rows (the inspector
    // loads each), keep one, label it, undo, edit the label set, reload. None of it runs SQL
    // on the GUI thread.
    void aReviewSessionRunsNoSqlOnTheGuiThread() {
        QTemporaryDir dir;
        const auto p = test::makeScoredProject(dir.path().toStdString(), 12);
        QCOMPARE(p.error, std::string());
        ui::MainWindow w;
        w.resize(1366, 768);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        SqlRecording rec;
        QVERIFY(openAndWait(w, p.project));
        QTRY_VERIFY(w.rankingSession()->hasRun());
        ui::BrowserPanel* b = w.browser();
        QTRY_COMPARE(b->proxy()->rowCount(), 12);
        QTableView* t = b->table();
        for (int row : {0, 3, 5}) {
            QTest::mouseClick(t->viewport(), Qt::LeftButton, {}, t->visualRect(b->proxy()->index(row, 1)).center());
            const qint64 id = b->proxy()->index(row, 0).data(ui::RankedTableModel::SampleIdRole).toLongLong();
            QTRY_COMPARE(w.inspector()->sampleId(), int64_t(id));
        }
        QTest::keyClick(t, Qt::Key_K);
        b->setLabelSet({"checked"});
        b->toggleLabel("checked");
        w.undoStack()->undo();
        w.refresh();
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        int off = 0;
        const QStringList onGui = rec.stop(&off);
        QVERIFY2(onGui.isEmpty(), qPrintable(QString("%1 statements on the GUI thread: %2").arg(onGui.size()).arg(joined(onGui))));
        QVERIFY(off > 0);
        QCOMPARE(storedLabels(p.project), (std::vector<std::string>{"checked"}));
    }
};

QTEST_MAIN(TestGuiThread)
#include "test_gui_thread.moc"
