// The first window driven offscreen: a project opens with every row reachable, the
// conversation view shows the selected sample, and a GUI import updates the table.
#include "tests/ui/open_project.h"
#include "tests/ui/sql_thread_log.h"
#include "../common/test_files.h"
#include "db/dataset_admin.h"
#include "db/importer.h"
#include "db/sql_observer.h"
#include "ui/inspector/conversation_view.h"
#include "ui/dataset_panel.h"
#include "ui/import_controller.h"
#include "ui/main_window.h"
#include "ui/sample_table_model.h"
#include "ui/tasks/task_runner.h"

#include <QApplication>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QThread>

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

using test::recordSql;
using test::sqlMutex;
using test::sqlSeen;
}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void opensProjectWithAllRows() {
        QTemporaryDir dir;
        const int n = 5 * ui::SampleTableModel::kBatch + 123;  // several fetchMore batches
        std::string project = dir.filePath("p.gateau").toStdString();
        {
            auto store = db::ProjectStore::open(project, true);
            db::importDataset(store, test::writeFile(dir, "d.jsonl", records(n, "s")));
        }
        ui::MainWindow w;
        w.show();
        QVERIFY(test::openProjectOk(w, QString::fromStdString(project)));
        auto* model = w.sampleModel();
        QTRY_COMPARE(model->totalSamples(), int64_t(n));  // read on the task runner
        QCOMPARE(model->rowCount(), int(ui::SampleTableModel::kBatch));  // lazily fetched
        while (model->canFetchMore({})) {
            model->fetchMore({});
            model->fetchMore({});  // a second request while one is in flight adds nothing
            QVERIFY(ui::TaskRunner::instance().waitForIdle());
        }
        QCOMPARE(model->rowCount(), n);
        QCOMPARE(model->index(n - 1, ui::SampleTableModel::ColInstruction).data().toString(), QString("Instruction s%1?").arg(n - 1));

        // Selecting a row shows its conversation with the instruction marked.
        w.sampleTable()->selectRow(42);
        QTRY_VERIFY(w.conversationView()->toPlainText().contains("Instruction s42?"));
        QVERIFY(w.conversationView()->toPlainText().contains("INSTRUCTION"));
        QVERIFY(w.conversationView()->toPlainText().contains("Answer 42"));
        QTRY_COMPARE(w.datasetPanel()->datasetCount(), 1);
        QVERIFY(w.windowTitle().contains("p.gateau"));
    }

    void importFromTheGui() {
        QTemporaryDir dir;
        QString project = dir.filePath("g.gateau");
        ui::MainWindow w;
        w.show();
        QVERIFY(test::openProjectOk(w, project, true));
        QCOMPARE(w.sampleModel()->rowCount(), 0);
        QSignalSpy done(w.importController(), &ui::ImportController::finished);
        w.importFile(QString::fromStdString(test::writeFile(dir, "a.jsonl", records(300, "a") + "{oops\n")));
        // On the application's task runner, which waits for it on exit (no thread of its own).
        QVERIFY(w.importController()->busy());
        QVERIFY(ui::TaskRunner::instance().busy(w.importController(), QStringLiteral("import")));
        QVERIFY(done.wait(30000));
        QVERIFY(!w.importController()->busy());
        auto outcome = done.takeFirst().at(0).value<ui::ImportOutcome>();
        QCOMPARE(outcome.kind, ui::ImportOutcome::Kind::Imported);
        QCOMPARE(outcome.samples, qint64(300));
        QCOMPARE(outcome.errors, qint64(1));
        QTRY_COMPARE(w.sampleModel()->rowCount(), 300);

        // The same file again adds nothing.
        w.importFile(QString::fromStdString(dir.filePath("a.jsonl").toStdString()));
        QVERIFY(done.wait(30000));
        QCOMPARE(done.takeFirst().at(0).value<ui::ImportOutcome>().kind, ui::ImportOutcome::Kind::AlreadyImported);
        QTRY_COMPARE(w.sampleModel()->rowCount(), 300);

        // A missing file fails with a message naming it, and the project is unharmed.
        w.importFile(dir.filePath("missing.jsonl"));
        QVERIFY(done.wait(30000));
        auto failed = done.takeFirst().at(0).value<ui::ImportOutcome>();
        QCOMPARE(failed.kind, ui::ImportOutcome::Kind::Failed);
        QVERIFY(failed.message.contains("missing.jsonl"));
        QTRY_COMPARE(w.sampleModel()->rowCount(), 300);
    }

    // Listing datasets and runs and showing a sample's text never run SQL on the GUI thread
    // (issue 15): they ran there before the task runner, and a big project froze the window.
    void listingsRunNoSqlOnTheGuiThread() {
        QTemporaryDir dir;
        const std::string project = dir.filePath("s.gateau").toStdString();
        {
            auto store = db::ProjectStore::open(project, true);
            db::importDataset(store, test::writeFile(dir, "a.jsonl", records(20, "a")));
            db::importDataset(store, test::writeFile(dir, "b.jsonl", records(5, "b")));
        }
        sqlSeen.clear();
        db::setSqlObserver(recordSql);
        {
            ui::MainWindow w;
            w.show();
            QVERIFY(test::openProjectOk(w, QString::fromStdString(project)));
            QTRY_COMPARE(w.datasetPanel()->datasetCount(), 2);
            QTRY_COMPARE(w.sampleModel()->rowCount(), 25);
            w.sampleTable()->selectRow(7);
            QTRY_VERIFY(w.conversationView()->toPlainText().contains("Instruction a7?"));
            w.refresh();
            QVERIFY(ui::TaskRunner::instance().waitForIdle());
        }
        db::setSqlObserver(nullptr);
        // The three reads (their statements' own text), each seen, none on the GUI thread.
        // ... and the plain sample list: its count and its batches.
        const QStringList reads{"report FROM datasets ORDER BY id", "FROM sample_texts t", "FROM runs r",
                                "sum(sample_count), 0) FROM datasets", "FROM samples s JOIN datasets d"};
        std::lock_guard lock(sqlMutex);
        for (const QString& r : reads) {
            int off = 0, on = 0;
            for (const auto& [gui, sql] : sqlSeen)
                if (sql.contains(r)) ++(gui ? on : off);
            QVERIFY2(off > 0, qPrintable("never ran: " + r));
            QVERIFY2(on == 0, qPrintable(QString("ran %1 times on the GUI thread: %2").arg(on).arg(r)));
        }
    }

    void badProjectFileIsReportedNotFatal() {
        QTemporaryDir dir;
        std::string junk = test::writeFile(dir, "junk.gateau", "this is not a project file at all, sorry..........");
        ui::MainWindow w;
        QVERIFY(!test::openProjectOk(w, QString::fromStdString(junk)));
        QVERIFY(w.projectPath().isEmpty());
        QCOMPARE(test::readFile(junk), std::string("this is not a project file at all, sorry.........."));
    }

    // "Delete dataset...": the panel asks for the selected one, the confirmation names what
    // goes, and the window removes it and shows what is left.
    void deleteDatasetFromThePanel() {
        QTemporaryDir dir;
        std::string project = dir.filePath("d.gateau").toStdString();
        {
            auto store = db::ProjectStore::open(project, true);
            db::importDataset(store, test::writeFile(dir, "a.jsonl", records(4, "a")));
            db::importDataset(store, test::writeFile(dir, "b.jsonl", records(3, "b")));
            const auto usage = db::datasetUsage(store);
            const QString text = ui::DatasetPanel::deleteConfirmation(usage[0]);
            QVERIFY2(text.contains("#1 \"a.jsonl\"") && text.contains("its 4 samples, 0 scores"), qPrintable(text));
        }
        ui::DatasetPanel panel;
        QVERIFY(!panel.deleteButton()->isEnabled());
        {
            auto store = db::ProjectStore::open(project, false);
            panel.setDatasets(store.datasets());
        }
        QSignalSpy asked(&panel, &ui::DatasetPanel::deleteRequested);
        panel.selectDataset(1);
        QVERIFY(panel.deleteButton()->isEnabled());
        panel.deleteButton()->click();
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.at(0).at(0).toLongLong(), qint64(1));

        ui::MainWindow w;
        QVERIFY(test::openProjectOk(w, QString::fromStdString(project)));
        QTRY_COMPARE(w.sampleModel()->totalSamples(), int64_t(7));
        QTRY_COMPARE(w.datasetPanel()->datasetCount(), 2);
        w.deleteDataset(1, false);
        QTRY_COMPARE(w.datasetPanel()->datasetCount(), 1);
        QTRY_COMPARE(w.sampleModel()->totalSamples(), int64_t(3));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
