// The ranked browser driven offscreen on a really scored project (built-in tokenizer, two
// tiny models, `gateau score`): alpha re-ranks against the formulas computed here, brushing
// and table selection agree, overrides are undoable and survive reopening, the export
// dialog writes exactly the rule's samples, full-text search filters the table.
#include "tests/ui/open_project.h"
#include "core/scoring/formulas.h"
#include "db/run_store.h"
#include "db/search.h"
#include "tests/ui/scored_project.h"
#include "ui/browser/browser_panel.h"
#include "ui/browser/cut_rule.h"
#include "ui/compare/score_compare_view.h"
#include "ui/browser/filter_bar.h"
#include "ui/browser/ranked_filter_proxy.h"
#include "ui/browser/ranked_table_model.h"
#include "ui/browser/ranking_session.h"
#include "ui/export_dialog.h"
#include "ui/main_window.h"
#include "ui/plots/plots_panel.h"
#include "ui/tasks/task_runner.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QDoubleSpinBox>
#include <QTemporaryDir>
#include <QUndoStack>

#include <algorithm>
#include <fstream>
#include <map>
#include <numeric>

using namespace gateau;
using gateau::test::q;
using gateau::test::fileLines;
using gateau::test::runCli;

namespace {

constexpr int kSamples = 12;

// Sample ids in rank order computed from the stored raw values with the formulas alone.
std::vector<int64_t> expectedOrder(const std::string& project, double alpha) {
    auto store = db::ProjectStore::open(project, false);
    std::vector<int64_t> ids;
    std::vector<double> pa, pb, cr;
    for (const auto& r : db::loadRawScores(store, 1, false)) {
        if (r.status != "done") continue;
        ids.push_back(r.sampleId);
        pa.push_back(r.pplA);
        pb.push_back(r.pplB);
        cr.push_back(r.camRaw);
    }
    const auto score = scoring::combined(scoring::hmgScores(pa, pb), scoring::camScores(cr), alpha);
    std::vector<size_t> order(ids.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return score[a] != score[b] ? score[a] > score[b] : ids[a] < ids[b];
    });
    std::vector<int64_t> out;
    for (size_t i : order) out.push_back(ids[i]);
    return out;
}

std::vector<int64_t> tableOrder(ui::BrowserPanel* b) {
    std::vector<int64_t> out;
    for (int r = 0; r < b->proxy()->rowCount(); ++r)
        out.push_back(b->proxy()->index(r, 0).data(ui::RankedTableModel::SampleIdRole).toLongLong());
    return out;
}

}  // namespace

class TestBrowser : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string dir_, project_, dataset_;

    bool openScored(ui::MainWindow& w) {
        if (!test::openProjectOk(w, q(project_))) return false;
        QSignalSpy loaded(w.rankingSession(), &ui::RankingSession::loaded);
        return w.rankingSession()->hasRun() || loaded.wait(20000);
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        dir_ = tmp_.path().toStdString();
        const auto p = test::makeScoredProject(dir_, kSamples);
        QCOMPARE(p.error, std::string());
        project_ = p.project;
        dataset_ = p.dataset;
    }

    // Plug-in scorers (docs/scorers.md) get browser columns after the fixed ones and entries
    // in the plots' score lists, from the registry: the key-token share against the
    // definition recomputed here from each sample's stored log-probs (threshold 2 nats).
    void pluginScoreColumns() {
        ui::MainWindow w;
        w.show();
        QVERIFY(openScored(w));
        auto* b = w.browser();
        const int col = ui::RankedTableModel::ColumnCount;
        QCOMPARE(b->proxy()->columnCount(), col + ui::RankedTableModel::pluginColumnCount());
        QCOMPARE(b->proxy()->headerData(col, Qt::Horizontal).toString(), QString("Key share"));
        QCOMPARE(b->proxy()->headerData(col + 1, Qt::Horizontal).toString(), QString("Key gain"));
        // The opt-in scorers (LDS, CDS) this run left off have columns, hidden.
        QVERIFY(ui::RankedTableModel::pluginColumnCount() > 2);
        for (int k = 0; k < ui::RankedTableModel::pluginColumnCount(); ++k)
            QCOMPARE(b->table()->isColumnHidden(col + k), k >= 2);
        QVERIFY(!b->proxy()->headerData(col, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
        auto store = db::ProjectStore::open(project_, false);
        std::vector<double> shares;
        for (int r = 0; r < b->proxy()->rowCount(); ++r) {
            const qint64 id = b->proxy()->index(r, 0).data(ui::RankedTableModel::SampleIdRole).toLongLong();
            const auto row = db::loadSampleScore(store, w.rankingSession()->runId(), id);
            QVERIFY(row);
            const db::ScoreArrays a = db::decodeScoreArrays(row->arraysBlob);
            int n = 0;
            for (size_t t = 0; t < a.logprobsA.size(); ++t) n += double(a.logprobsB[t]) - double(a.logprobsA[t]) > 2.0 ? 1 : 0;
            const double want = double(n) / double(a.logprobsA.size());
            QCOMPARE(b->proxy()->index(r, col).data(ui::RankedTableModel::SortRole).toDouble(), want);
            shares.push_back(want);
        }
        // Sorting by the column orders by it.
        b->table()->sortByColumn(col, Qt::DescendingOrder);
        QTRY_VERIFY(b->proxy()->rowCount() > 1 &&
                    b->proxy()->index(0, col).data(ui::RankedTableModel::SortRole).toDouble() ==
                        *std::max_element(shares.begin(), shares.end()));
        // The plots list it too (they refresh on a timer).
        auto listed = [&] {
            for (auto* combo : w.plots()->findChildren<QComboBox*>())
                if (combo->findText("Key share") >= 0) return true;
            return false;
        };
        QTRY_VERIFY(listed());
        // The sort column is remembered: leave the rank order for the tests after this one.
        b->table()->sortByColumn(ui::RankedTableModel::ColRank, Qt::AscendingOrder);
    }

    void alphaReranksLive() {
        ui::MainWindow w;
        w.show();
        QVERIFY(openScored(w));
        auto* b = w.browser();
        QCOMPARE(b->proxy()->rowCount(), kSamples);
        QCOMPARE(tableOrder(b), expectedOrder(project_, 0.7));
        b->alphaSlider()->setValue(0);  // CAM only
        QTRY_COMPARE(tableOrder(b), expectedOrder(project_, 0.0));
        b->alphaSlider()->setValue(100);  // HMG only
        QTRY_COMPARE(tableOrder(b), expectedOrder(project_, 1.0));
        QVERIFY(expectedOrder(project_, 0.0) != expectedOrder(project_, 1.0));  // the test can tell them apart
        // Default cut: top 10% of 12 = 2 selected rows, marked in the table.
        QCOMPARE(w.rankingSession()->ranking().selected, int64_t(2));
        QCOMPARE(b->proxy()->index(0, ui::RankedTableModel::ColSelected).data().toString(), QString("✓"));
        QCOMPARE(b->proxy()->index(2, ui::RankedTableModel::ColSelected).data().toString(), QString());
    }

    // Re-ranking leaves the GUI thread and coalesces: right after alpha moves, the table
    // still shows the last finished ranking; of a burst of values only the newest is applied
    // (one layout change), and a decision made meanwhile is neither lost nor overwritten.
    void alphaReranksOffTheGuiThread() {
        // A copy: the decision below must not reach the other tests' project.
        const std::string copy = dir_ + "/offthread.gateau";
        for (const char* suffix : {"", "-wal"})
            if (QFile::exists(q(project_ + suffix))) QVERIFY(QFile::copy(q(project_ + suffix), q(copy + suffix)));
        ui::MainWindow w;
        w.show();
        QSignalSpy loaded(w.rankingSession(), &ui::RankingSession::loaded);
        QVERIFY(test::openProjectOk(w, q(copy)));
        QVERIFY(w.rankingSession()->hasRun() || loaded.wait(20000));
        auto* b = w.browser();
        auto* session = w.rankingSession();
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        const auto at07 = expectedOrder(project_, 0.7);
        QCOMPARE(tableOrder(b), at07);
        QSignalSpy changed(session, &ui::RankingSession::rankingChanged);
        for (int v : {0, 100, 30}) b->alphaSlider()->setValue(v);
        QCOMPARE(tableOrder(b), at07);  // nothing ranked on the GUI thread yet
        QCOMPARE(session->ranking().alpha, 0.7);
        QVERIFY(session->rankPending());
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        QCOMPARE(changed.count(), 1);  // 0 and 1.0 were superseded: never applied
        QCOMPARE(session->ranking().alpha, 0.3);
        QCOMPARE(tableOrder(b), expectedOrder(project_, 0.3));
        QCOMPARE(expectedOrder(copy, 0.3), expectedOrder(project_, 0.3));

        // A decision while a re-rank is pending: shown on its row at once, re-ranked on the
        // runner with the newest alpha; the pending result (which did not see the decision)
        // never lands, and what lands is the reference ranking of the pool with the decision.
        changed.clear();
        b->alphaSlider()->setValue(0);
        const qint64 last = expectedOrder(project_, 0.0).back();
        b->table()->clearSelection();
        b->table()->selectRow(b->proxy()->mapFromSource(b->model()->index(b->model()->rowOf(last), 0)).row());
        QCOMPARE(b->currentSampleId(), last);
        b->setDecision(db::Decision::Keep);
        QCOMPARE(session->inputs().samples[size_t(session->indexOf(last))].decision, db::Decision::Keep);
        QCOMPARE(session->ranking().alpha, 0.3);  // not re-ranked on the GUI thread
        QVERIFY(session->rankPending());
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        QCOMPARE(session->ranking().alpha, 0.0);
        QCOMPARE(tableOrder(b), expectedOrder(project_, 0.0));
        QVERIFY(session->rankedRow(session->indexOf(last)).selected);  // kept by hand, last by score
        QCOMPARE(changed.count(), 1);
        const db::Ranking naive = db::rankPool(session->inputs(), 0.0, session->selection());
        QCOMPARE(session->ranking().cut, naive.cut);
        QCOMPARE(session->ranking().selected, naive.selected);
        std::vector<int64_t> naiveSelected;
        for (const auto& r : naive.rows)
            if (r.selected) naiveSelected.push_back(session->inputs().samples[r.input].sampleId);
        QCOMPARE(session->selectedIds(), naiveSelected);
        // Undo: the decision goes at once, its re-rank follows; the kept sample falls out.
        w.undoStack()->undo();
        QCOMPARE(session->inputs().samples[size_t(session->indexOf(last))].decision, db::Decision::None);
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        QVERIFY(!session->rankedRow(session->indexOf(last)).selected);
        QCOMPARE(session->ranking().selected, db::rankPool(session->inputs(), 0.0, session->selection()).selected);
    }

    void brushingSelectsRows() {
        ui::MainWindow w;
        w.show();
        QVERIFY(openScored(w));
        const auto order = tableOrder(w.browser());
        const QVector<qint64> brushed{order[3], order[7], order[1]};
        emit w.plots()->brushed(brushed);
        QVector<qint64> rows;
        for (const auto& i : w.browser()->table()->selectionModel()->selectedRows())
            rows << i.data(ui::RankedTableModel::SampleIdRole).toLongLong();
        std::sort(rows.begin(), rows.end());
        QVector<qint64> expected = brushed;
        std::sort(expected.begin(), expected.end());
        QCOMPARE(rows, expected);
        // And back: selecting rows in the table highlights them in the plots.
        w.browser()->table()->selectRow(5);
        QCOMPARE(w.plots()->selection(), QVector<qint64>{order[5]});
        // A reload (a running job's new results) keeps the current sample.
        QSignalSpy reloaded(w.rankingSession(), &ui::RankingSession::loaded);
        w.rankingSession()->reload();
        QVERIFY(reloaded.wait(20000));
        QCOMPARE(w.browser()->currentSampleId(), qint64(order[5]));
    }

    void overridesAreUndoableAndPersist() {
        qint64 id = 0;
        {
            ui::MainWindow w;
            w.show();
            QVERIFY(openScored(w));
            auto* b = w.browser();
            b->table()->setFocus();
            b->table()->selectRow(kSamples - 1);  // last in rank: outside the cut
            id = b->currentSampleId();
            const int64_t before = w.rankingSession()->ranking().selected;
            QTest::keyClick(b->table(), Qt::Key_K);
            // The row shows it at once; the re-rank and the write land on the runner (issue 15).
            QVERIFY(!b->model()->index(b->model()->rowOf(id), ui::RankedTableModel::ColDecision).data().toString().isEmpty());
            QCOMPARE(w.rankingSession()->inputs().samples[size_t(w.rankingSession()->indexOf(id))].decision,
                     db::Decision::Keep);
            auto written = [] { return ui::TaskRunner::instance().waitForIdle(); };
            auto store = db::ProjectStore::open(project_, false);
            QVERIFY(written());
            QCOMPARE(w.rankingSession()->ranking().selected, before + 1);
            QCOMPARE(store.currentOverride(id)->decision, db::Decision::Keep);
            w.undoStack()->undo();
            QVERIFY(written());
            QCOMPARE(w.rankingSession()->ranking().selected, before);
            QCOMPARE(store.currentOverride(id)->decision, db::Decision::None);
            w.undoStack()->redo();
            QVERIFY(written());
            QCOMPARE(store.currentOverride(id)->decision, db::Decision::Keep);
            b->noteEdit()->setText("long-range: cites section 2");
            QTest::keyClick(b->noteEdit(), Qt::Key_Return);
            QVERIFY(written());
            QCOMPARE(store.currentOverride(id)->note, std::string("long-range: cites section 2"));
            QCOMPARE(store.overrideHistory(id).size(), size_t(4));  // keep, undo, redo, note
            // J/L move through the table in view order.
            QTest::keyClick(b->table(), Qt::Key_J);
            QCOMPARE(b->table()->currentIndex().row(), kSamples - 2);
        }
        ui::MainWindow again;
        again.show();
        QVERIFY(openScored(again));
        const auto& in = again.rankingSession()->inputs();
        const int i = again.rankingSession()->indexOf(id);
        QVERIFY(i >= 0);
        QCOMPARE(in.samples[size_t(i)].decision, db::Decision::Keep);
        QCOMPARE(in.samples[size_t(i)].note, std::string("long-range: cites section 2"));
        QVERIFY(again.rankingSession()->rankedRow(i).selected);
        auto store = db::ProjectStore::open(project_, false);
        store.addOverride(id, db::Decision::None, "");
    }

    void exportDialogWritesTheRule() {
        ui::MainWindow w;
        w.show();
        QVERIFY(openScored(w));
        const auto order = expectedOrder(project_, 0.5);
        {
            auto store = db::ProjectStore::open(project_, false);
            store.addOverride(order[0], db::Decision::Drop, "");
        }
        w.refresh();
        QSignalSpy reloaded(w.rankingSession(), &ui::RankingSession::loaded);
        QVERIFY(reloaded.wait(20000));
        ui::ExportDialog d(w.rankingSession());
        const std::string out = dir_ + "/sel.jsonl", csv = dir_ + "/scores.csv";
        d.setDestinations(q(out), q(csv));
        d.setRule(false, 3, 0.5);
        QCOMPARE(d.previewCount(), 2);  // top 3 minus the dropped first
        QSignalSpy done(&d, &ui::ExportDialog::exported);
        d.startExport();
        QVERIFY(done.wait(20000));
        const auto lines = fileLines(out), source = fileLines(dataset_);
        QCOMPARE(lines.size(), size_t(2));
        QCOMPARE(lines[0], source[size_t(order[1] - 1)]);  // sample id i is line i
        QCOMPARE(lines[1], source[size_t(order[2] - 1)]);
        QCOMPARE(fileLines(csv).size(), size_t(kSamples + 1));
        auto store = db::ProjectStore::open(project_, false);
        store.addOverride(order[0], db::Decision::None, "");
    }

    // The browser's cut control and the export dialog select under a token budget: the
    // LADM walk (stop at the first overflow) over the ranking with each sample's stored
    // prompt + response tokens; the rule comes back with the project.
    void tokenBudgetCut() {
        std::map<int64_t, int64_t> tokens;
        {
            auto store = db::ProjectStore::open(project_, false);
            for (const auto& r : db::loadRawScores(store, 1, false))
                if (r.status == "done") tokens[r.sampleId] = r.promptTokens + r.responseTokens;
        }
        const auto order = expectedOrder(project_, 0.7);
        const int64_t budget = tokens[order[0]] + tokens[order[1]] + tokens[order[2]] - 1;
        int64_t want = 0, spent = 0;
        for (int64_t id : order) {
            if (spent + tokens[id] > budget) break;
            spent += tokens[id];
            ++want;
        }
        const int budgetMode = ui::cut_rule::indexOf(scoring::Selection::Mode::TokenBudget);
        {
            ui::MainWindow w;
            w.show();
            QVERIFY(openScored(w));
            auto* b = w.browser();
            b->alphaSlider()->setValue(70);
            b->cutMode()->setCurrentIndex(budgetMode);
            b->cutValue()->setValue(double(budget));
            QVERIFY(ui::TaskRunner::instance().waitForIdle());
            QCOMPARE(w.rankingSession()->ranking().selected, want);
            QCOMPARE(w.rankingSession()->ranking().selectedTokens, spent);
            QCOMPARE(w.rankingSession()->ranking().cut, want);
            QVERIFY(b->summaryLabel()->text().contains(QLocale().toString(qlonglong(spent)) + " tokens"));
            // The budget's wider value box still lets the window fit a 1366 px laptop.
            QVERIFY2(w.minimumSizeHint().width() <= 1346, qPrintable(QString::number(w.minimumSizeHint().width())));
            ui::ExportDialog d(w.rankingSession());
            QCOMPARE(d.ruleCombo()->currentIndex(), budgetMode);  // starts from the browser's rule
            QCOMPARE(d.previewCount(), int(want));
            d.setRule(scoring::Selection::Mode::TokenBudget, double(spent + tokens[order[want]]), 0.7);
            QCOMPARE(d.previewCount(), int(want + 1));
            QCOMPARE(d.previewTokens(), spent + tokens[order[want]]);
        }
        ui::MainWindow w;
        w.show();
        QVERIFY(openScored(w));
        QCOMPARE(w.browser()->cutMode()->currentIndex(), budgetMode);
        QCOMPARE(int64_t(w.browser()->cutValue()->value()), budget);
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        QCOMPARE(w.rankingSession()->ranking().selected, want);
        w.browser()->cutMode()->setCurrentIndex(0);  // leave the other tests their top 10%
        w.browser()->cutValue()->setValue(10);
    }

    // The plots dock's Compare tab: the matrix of every score fills, and clicking one of the
    // most-disagreeing samples makes it the browser's current sample (as a scatter click).
    void compareViewSelectsSamples() {
        ui::MainWindow w;
        w.resize(1366, 768);
        w.show();
        QVERIFY(openScored(w));
        auto* tabs = w.plots()->tabs();
        int tab = -1;
        for (int i = 0; i < tabs->count(); ++i)
            if (tabs->tabText(i) == "Compare") tab = i;
        QVERIFY(tab >= 0);
        tabs->setCurrentIndex(tab);
        auto* view = w.compareView();
        QTRY_VERIFY(view->matrixTable()->rowCount() >= 7);
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        auto* m = view->matrixTable();
        QCOMPARE(m->columnCount(), m->rowCount());
        // A score constant over the pool (the key-token share: the tiny models' gains never
        // clear its threshold) orders nothing and shows a dash in its whole row; every other
        // diagonal cell is 1.
        const QString none = QStringLiteral("\u2013");
        int orderedScores = 0;
        for (int r = 0; r < m->rowCount(); ++r) {
            if (m->item(r, r)->text() == none) {
                for (int c = 0; c < m->columnCount(); ++c) QCOMPARE(m->item(r, c)->text(), none);
            } else {
                QCOMPARE(m->item(r, r)->text(), QString("1.00"));
                ++orderedScores;
            }
            for (int c = 0; c < m->columnCount(); ++c) QCOMPARE(m->item(r, c)->text(), m->item(c, r)->text());
        }
        QVERIFY(orderedScores >= 7);
        auto* list = view->disagreementTable();
        QTRY_VERIFY(list->rowCount() > 0);
        QCOMPARE(list->rowCount(), kSamples);  // top 50 of a 12-sample pool: all of them
        // Largest difference first.
        for (int r = 1; r < list->rowCount(); ++r)
            QVERIFY(list->item(r - 1, 1)->text().toLongLong() >= list->item(r, 1)->text().toLongLong());
        // A cell picks the pair.
        const QRect cell = m->visualItemRect(m->item(1, 2));
        QTest::mouseClick(m->viewport(), Qt::LeftButton, {}, cell.center());
        QCOMPARE(view->scoreA()->currentIndex(), 1);
        QCOMPARE(view->scoreB()->currentIndex(), 2);
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        QVERIFY(list->horizontalHeaderItem(2)->text().contains(view->scoreA()->currentText()));
        // A listed sample is selected in the browser.
        const int row = 2;
        const qint64 id = list->item(row, 0)->text().toLongLong();
        QSignalSpy brushed(view, &ui::ScoreCompareView::brushed);
        list->scrollToItem(list->item(row, 0));
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(list->item(row, 0)).center());
        QCOMPARE(brushed.count(), 1);
        QCOMPARE(brushed[0][0].value<QVector<qint64>>(), QVector<qint64>{id});
        QCOMPARE(w.browser()->currentSampleId(), id);
        QCOMPARE(w.plots()->selection(), QVector<qint64>{id});
    }

    void searchFiltersTheTable() {
        // One sample gets a unique word through a second dataset.
        const std::string extra = dir_ + "/extra.jsonl";
        std::ofstream(extra) << R"({"id":"x1","messages":[{"role":"user","content":"A note about zeppelins.\n\nWhat flies?"},)"
                                R"({"role":"assistant","content":"Zeppelins fly."}]})"
                             << "\n";
        QCOMPARE(runCli({"import", q(project_), q(extra)}).code, 0);
        ui::MainWindow w;
        w.show();
        QVERIFY(openScored(w));
        auto* bar = w.browser()->filterBar();
        bar->search("river");  // in every sample
        QTRY_COMPARE_WITH_TIMEOUT(w.browser()->proxy()->rowCount(), kSamples, 10000);
        bar->search("zeppel*");  // only in the new sample, which this run has not scored
        QTRY_COMPARE_WITH_TIMEOUT(w.browser()->proxy()->rowCount(), 0, 10000);
        {
            auto store = db::ProjectStore::open(project_, false);
            QCOMPARE(db::searchSamples(store, "zeppelins"), std::vector<int64_t>{kSamples + 1});
            QCOMPARE(db::searchSamples(store, "zeppelins river"), std::vector<int64_t>{});
        }
        bar->search("");
        QTRY_COMPARE(w.browser()->proxy()->rowCount(), kSamples);
    }

    void nearDuplicatesShowAndFilter() {
        // The matching itself is test_near_duplicates'; here a stored match must reach the
        // column and the filter. Sample 3 nearly repeats sample 1 (set in the store directly).
        {
            auto store = db::ProjectStore::open(project_, false);
            store.db().exec("UPDATE sample_minhash SET near_duplicate_of = 1, similarity = 0.9 WHERE sample_id = 3");
        }
        ui::MainWindow w;
        w.show();
        QVERIFY(openScored(w));
        auto* b = w.browser();
        auto cell = [&](int64_t id) {
            for (int r = 0; r < b->proxy()->rowCount(); ++r)
                if (b->proxy()->index(r, 0).data(ui::RankedTableModel::SampleIdRole).toLongLong() == id)
                    return b->proxy()->index(r, ui::RankedTableModel::ColNearDuplicate).data().toString();
            return QString("(absent)");
        };
        QCOMPARE(cell(3), QString("≈ #1  0.90"));
        QCOMPARE(cell(1), QString("1 near copy"));
        QCOMPARE(cell(2), QString());
        auto* marks = b->filterBar()->markCombo();
        marks->setCurrentIndex(marks->findData(QStringLiteral("N")));
        QTRY_COMPARE(b->proxy()->rowCount(), 2);
        std::vector<int64_t> shown = tableOrder(b);
        std::sort(shown.begin(), shown.end());
        QCOMPARE(shown, (std::vector<int64_t>{1, 3}));
        marks->setCurrentIndex(0);
        QTRY_COMPARE(b->proxy()->rowCount(), kSamples);
        auto store = db::ProjectStore::open(project_, false);
        store.db().exec("UPDATE sample_minhash SET near_duplicate_of = NULL, similarity = NULL WHERE sample_id = 3");
    }
};

QTEST_MAIN(TestBrowser)
#include "test_browser.moc"
