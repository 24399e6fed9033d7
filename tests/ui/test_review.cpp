// The review loop driven offscreen as an annotator drives it: keys, clicks in the table and
// the scatter, the note editor. Every check compares what the user sees (highlighted rows,
// the inspector's sample, the counts on screen) with what the project stores.
#include "tests/ui/open_project.h"
#include "tests/ui/sql_thread_log.h"
#include "tests/ui/scored_project.h"
#include "core/scoring/prompt.h"
#include "db/annotations.h"
#include "db/export.h"
#include "db/ranking.h"
#include "db/ranking_settings.h"
#include "db/sql_observer.h"
#include "ui/browser/annotation_bar.h"
#include "ui/browser/browser_panel.h"
#include "ui/browser/filter_bar.h"
#include "ui/browser/ranked_filter_proxy.h"
#include "ui/browser/ranked_table_model.h"
#include "ui/browser/ranking_session.h"
#include "ui/heatmap/token_heatmap_view.h"
#include "ui/inspector/inspector_panel.h"
#include "ui/main_window.h"
#include "ui/plots/plots_panel.h"
#include "ui/plots/score_histogram.h"
#include "ui/plots/score_scatter.h"

#include <qcustomplot.h>

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTextStream>
#include <QToolButton>
#include <QCheckBox>
#include <QUndoStack>

#include "ui/tasks/task_runner.h"

#include <algorithm>
#include <string_view>
#include <mutex>
#include <QThread>

using namespace gateau;
using gateau::test::q;

namespace {

constexpr int kSamples = 12;

qint64 idAt(ui::BrowserPanel* b, int row) {
    return b->proxy()->index(row, 0).data(ui::RankedTableModel::SampleIdRole).toLongLong();
}

QVector<qint64> highlighted(ui::BrowserPanel* b) {
    QVector<qint64> ids;
    for (const QModelIndex& i : b->table()->selectionModel()->selectedRows())
        ids << i.data(ui::RankedTableModel::SampleIdRole).toLongLong();
    std::sort(ids.begin(), ids.end());
    return ids;
}

db::Decision stored(const std::string& project, qint64 id) {
    ui::TaskRunner::instance().waitForIdle();  // review writes land on the runner
    auto store = db::ProjectStore::open(project, false);
    const auto o = store.currentOverride(id);
    return o ? o->decision : db::Decision::None;
}

db::Annotations storedAnnotations(const std::string& project, qint64 id) {
    ui::TaskRunner::instance().waitForIdle();  // review writes land on the runner
    auto store = db::ProjectStore::open(project, false);
    return db::annotationsOf(store, id);
}

// The scores CSV of the run as `gateau export --scores-csv` writes it: sample id -> column -> value.
QMap<qint64, QMap<QString, QString>> exportedCsv(const std::string& project, qint64 runId, const QString& path) {
    auto store = db::ProjectStore::open(project, false);
    const db::RankInputs in = db::loadRankInputs(store, runId);
    db::exportRun(store, in, db::rankPool(in, 0.7, scoring::Selection::topPercent(10)), "", path.toStdString());
    QFile f(path);
    QMap<qint64, QMap<QString, QString>> out;
    if (!f.open(QIODevice::ReadOnly)) return out;
    QTextStream ts(&f);
    const QStringList header = ts.readLine().split(',');
    while (!ts.atEnd()) {
        const QStringList cells = ts.readLine().split(',');  // this project's fields hold no commas
        QMap<QString, QString> row;
        for (int i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
        out[row["sample_id"].toLongLong()] = row;
    }
    return out;
}

std::string storedNote(const std::string& project, qint64 id) {
    ui::TaskRunner::instance().waitForIdle();  // review writes land on the runner
    auto store = db::ProjectStore::open(project, false);
    const auto o = store.currentOverride(id);
    return o ? o->note : std::string();
}

void clickRow(ui::BrowserPanel* b, int row, Qt::KeyboardModifiers mods = {}) {
    QTableView* t = b->table();
    t->scrollTo(b->proxy()->index(row, 0));
    QTest::mouseClick(t->viewport(), Qt::LeftButton, mods, t->visualRect(b->proxy()->index(row, 1)).center());
}

// The number in the histogram legend's "Selected (N)" entry; -1 when there is none.
int histogramSelected(ui::PlotsPanel* plots) {
    QCustomPlot* p = plots->histogram()->customPlot();
    static const QRegularExpression re(QStringLiteral("^Selected \\((\\d+)\\)$"));
    for (int i = 0; i < p->plottableCount(); ++i) {
        const auto m = re.match(p->plottable(i)->name());
        if (m.hasMatch() && p->legend->hasItemWithPlottable(p->plottable(i))) return m.captured(1).toInt();
    }
    return -1;
}

// On failure: the visible widgets whose minimum is widest or tallest, to say who to fix.
void dumpMinimums(QWidget* root) {
    for (QWidget* w : root->findChildren<QWidget*>()) {
        if (!w->isVisible()) continue;
        const QSize m = w->minimumSizeHint().expandedTo(w->minimumSize());
        if (m.width() > 300 || m.height() > 250)
            qInfo("%s %s parent %s: minimum %dx%d", w->metaObject()->className(), qPrintable(w->objectName()),
                  w->parentWidget() ? w->parentWidget()->metaObject()->className() : "-", m.width(), m.height());
    }
}

using test::recordSql;
using test::sqlMutex;
using test::sqlSeen;

}  // namespace

class TestReview : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string scored_;  // the scored project; each test works on its own copy
    std::string project_;

    // A window on a copy of the scored project (made on the name's first use), shown, active, its run loaded.
    // rows: what the view shows once loaded (a reopened project restores its filters).
    bool open(ui::MainWindow& w, const char* name, QSize size = {1600, 1000}, int rows = kSamples) {
        project_ = tmp_.filePath(QString::fromLatin1(name) + ".gateau").toStdString();
        if (!QFile::exists(q(project_)) && !QFile::copy(q(scored_), q(project_))) return false;
        w.resize(size);
        w.show();
        // Explicitly: under Xvfb without a window manager nothing activates a new window.
        if (!QTest::qWaitForWindowExposed(&w)) return false;
        w.activateWindow();
        if (!QTest::qWaitForWindowActive(&w)) return false;
        if (!test::openProjectOk(w, q(project_))) return false;
        QSignalSpy loaded(w.rankingSession(), &ui::RankingSession::loaded);
        if (!w.rankingSession()->hasRun() && !loaded.wait(20000)) return false;
        QCoreApplication::processEvents();
        return w.browser()->proxy()->rowCount() == rows;
    }

private slots:
    void reviewWritesRunOffTheGuiThread();
    void decisionJustBeforeCloseIsStored();
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        const auto p = test::makeScoredProject(tmp_.path().toStdString(), kSamples);
        QCOMPARE(p.error, std::string());
        scored_ = p.project;
    }

    // Defect 1: a click in the scatter highlights a row while the inspector kept the old
    // sample, and D dropped the inspector's sample; K on several rows marked only one.
    void decisionsApplyToTheHighlightedSamples() {
        ui::MainWindow w;
        QVERIFY(open(w, "highlight"));
        auto* b = w.browser();
        clickRow(b, 6);
        const qint64 old = idAt(b, 6);
        QTRY_COMPARE(w.inspector()->sampleId(), int64_t(old));

        // Click the top-ranked sample's point in the scatter.
        w.plots()->tabs()->setCurrentIndex(1);
        QTRY_COMPARE(w.plots()->scatter()->pointCount(), size_t(kSamples));
        QCoreApplication::processEvents();
        QCustomPlot* plot = w.plots()->scatter()->customPlot();
        plot->replot();
        const qint64 target = idAt(b, 0);
        const auto& row = w.rankingSession()->rankedRow(w.rankingSession()->indexOf(target));
        const QPoint at(qRound(plot->xAxis->coordToPixel(row.hmg)), qRound(plot->yAxis->coordToPixel(row.cam)));
        QSignalSpy brushed(w.plots(), &ui::PlotsPanel::brushed);
        QTest::mouseClick(plot, Qt::LeftButton, {}, at);
        QCOMPARE(brushed.count(), 1);
        QVector<qint64> picked = brushed.at(0).at(0).value<QVector<qint64>>();
        std::sort(picked.begin(), picked.end());
        QVERIFY(picked.contains(target));
        QVERIFY(!picked.contains(old));
        QCOMPARE(highlighted(b), picked);
        // The current sample, and with it the inspector, is one of the highlighted ones.
        QVERIFY(picked.contains(b->currentSampleId()));
        QTRY_COMPARE(w.inspector()->sampleId(), int64_t(b->currentSampleId()));

        // D with the focus still on the plot drops exactly the highlighted samples.
        QTest::keyClick(plot, Qt::Key_D);
        for (int r = 0; r < kSamples; ++r) {
            const qint64 id = idAt(b, r);
            QCOMPARE(stored(project_, id), picked.contains(id) ? db::Decision::Drop : db::Decision::None);
        }
        w.undoStack()->undo();
        for (int r = 0; r < kSamples; ++r) QCOMPARE(stored(project_, idAt(b, r)), db::Decision::None);

        // Several rows picked by hand: K keeps all of them, as one undo step.
        clickRow(b, 2);
        clickRow(b, 4, Qt::ShiftModifier);
        const QVector<qint64> rows = highlighted(b);
        QCOMPARE(rows.size(), 3);
        const int steps = w.undoStack()->index();
        QTest::keyClick(b->table(), Qt::Key_K);
        QCOMPARE(w.undoStack()->index(), steps + 1);
        for (int r = 0; r < kSamples; ++r) {
            const qint64 id = idAt(b, r);
            QCOMPARE(stored(project_, id), rows.contains(id) ? db::Decision::Keep : db::Decision::None);
        }
        w.undoStack()->undo();
        for (qint64 id : rows) QCOMPARE(stored(project_, id), db::Decision::None);
        w.undoStack()->redo();
        for (qint64 id : rows) QCOMPARE(stored(project_, id), db::Decision::Keep);

        // Ctrl+click takes the current row out of the highlight: the inspector moves to one
        // that is still highlighted.
        clickRow(b, 4, Qt::ControlModifier);
        const QVector<qint64> left = highlighted(b);
        QCOMPARE(left.size(), 2);
        QVERIFY(left.contains(b->currentSampleId()));
        QTRY_COMPARE(w.inspector()->sampleId(), int64_t(b->currentSampleId()));
    }

    // Defect 2: a 1856 px minimum width, and the window widening itself after a click on a
    // response token or with token-level attention.
    void fitsALaptopAndNeverResizesItself() {
        ui::MainWindow w;
        QVERIFY(open(w, "laptop", {1366, 768}));
        // Room for the window manager's frame and a panel.
        const QSize room(1366 - 20, 768 - 60);
        qInfo("minimum size %dx%d", w.minimumSizeHint().width(), w.minimumSizeHint().height());
        if (w.minimumSizeHint().width() > room.width() || w.minimumSizeHint().height() > room.height()) dumpMinimums(&w);
        QVERIFY2(w.minimumSizeHint().width() <= room.width() && w.minimumSizeHint().height() <= room.height(),
                 qPrintable(QString("minimum %1x%2").arg(w.minimumSizeHint().width()).arg(w.minimumSizeHint().height())));
        w.resize(room);
        QCoreApplication::processEvents();
        QCOMPARE(w.size(), room);
        QTRY_VERIFY_WITH_TIMEOUT(w.inspector()->data() != nullptr, 20000);
        QCoreApplication::processEvents();

        ui::TokenHeatmapView* response = w.inspector()->responseView();
        const QRect token = response->tokenRect(1);
        QVERIFY(token.isValid());
        QTest::mouseClick(response->viewport(), Qt::LeftButton, {}, token.center());
        QCOMPARE(w.inspector()->focusToken(), 1);
        QCoreApplication::processEvents();
        QCOMPARE(w.size(), room);

        QSignalSpy shown(w.inspector(), &ui::InspectorPanel::tokenAttentionShown);
        w.inspector()->requestTokenAttention();
        QVERIFY(shown.wait(120000));
        QCoreApplication::processEvents();
        if (w.size() != room) dumpMinimums(&w);
        QCOMPARE(w.size(), room);
        QVERIFY(w.minimumSizeHint().width() <= room.width());

        // On a 4k screen the inspector grows with the window instead of the table taking it all.
        auto* dock = w.findChild<QDockWidget*>("inspectorDock");
        w.resize(3840 - 20, 2160 - 60);
        QCoreApplication::processEvents();
        QTRY_VERIFY2(dock->width() >= w.width() * 2 / 5, qPrintable(QString("inspector %1 px").arg(dock->width())));
        QVERIFY2(w.browser()->width() >= w.width() / 3, qPrintable(QString("browser %1 px").arg(w.browser()->width())));
    }

    // Defect 3: Ctrl+Shift+Z was registered twice (ambiguous) and Ctrl+Y not at all. Which
    // keys QKeySequence::Redo holds depends on the platform theme: on X11 (xcb) it is
    // Ctrl+Shift+Z, offscreen it is Ctrl+Y, so the keys are pressed and every binding of
    // the window is checked for duplicates as well.
    void redoFromTheKeyboard() {
        QTest::failOnWarning(QRegularExpression(QStringLiteral("[Aa]mbiguous")));
        ui::MainWindow w;
        QVERIFY(open(w, "redo"));
        QMap<QString, QString> owner;
        for (QAction* a : w.findChildren<QAction*>()) {
            for (const QKeySequence& k : a->shortcuts()) {
                const QString key = k.toString();
                QVERIFY2(!owner.contains(key), qPrintable(key + " is bound to " + owner.value(key) + " and " + a->text()));
                owner.insert(key, a->text());
            }
        }
        QVERIFY(owner.value("Ctrl+Y").contains("Redo"));
        QVERIFY(owner.value("Ctrl+Shift+Z").contains("Redo"));
        auto* b = w.browser();
        clickRow(b, 3);
        const qint64 id = b->currentSampleId();
        QTest::keyClick(b->table(), Qt::Key_K);
        QCOMPARE(stored(project_, id), db::Decision::Keep);
        QTest::keyClick(b->table(), Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(stored(project_, id), db::Decision::None);
        QTest::keyClick(b->table(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(stored(project_, id), db::Decision::Keep);
        QTest::keyClick(b->table(), Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(stored(project_, id), db::Decision::None);
        QTest::keyClick(b->table(), Qt::Key_Y, Qt::ControlModifier);
        QCOMPARE(stored(project_, id), db::Decision::Keep);
    }

    // Defect 4: under "No decision", K removed the row and left no current row; L then
    // jumped to the top.
    void filteredQueueKeepsItsPlace() {
        ui::MainWindow w;
        QVERIFY(open(w, "queue"));
        auto* b = w.browser();
        b->filterBar()->decisionCombo()->setCurrentIndex(b->filterBar()->decisionCombo()->findText("No decision"));
        QCOMPARE(b->proxy()->rowCount(), kSamples);
        std::vector<qint64> queue;
        for (int r = 0; r < kSamples; ++r) queue.push_back(idAt(b, r));
        clickRow(b, 3);
        QTest::keyClick(b->table(), Qt::Key_K);
        QCOMPARE(stored(project_, queue[3]), db::Decision::Keep);
        QCOMPARE(b->proxy()->rowCount(), kSamples - 1);
        // The next sample of the queue took its place, highlighted and inspected.
        QCOMPARE(b->currentSampleId(), queue[4]);
        QCOMPARE(highlighted(b), QVector<qint64>{queue[4]});
        QTRY_COMPARE(w.inspector()->sampleId(), int64_t(queue[4]));
        QTest::keyClick(b->table(), Qt::Key_L);
        QCOMPARE(b->currentSampleId(), queue[5]);
        QTest::keyClick(b->table(), Qt::Key_D);
        QCOMPARE(b->currentSampleId(), queue[6]);
        QTest::keyClick(b->table(), Qt::Key_J);
        QCOMPARE(b->currentSampleId(), queue[4]);
        // The last row of the queue: its predecessor becomes current.
        clickRow(b, b->proxy()->rowCount() - 1);
        QTest::keyClick(b->table(), Qt::Key_K);
        QCOMPARE(b->currentSampleId(), queue[kSamples - 2]);
    }

    // Defect 5: a note typed and not confirmed with Enter vanished on moving to another row;
    // Escape did nothing.
    void notesSurviveMovingAndEscapeReverts() {
        ui::MainWindow w;
        QVERIFY(open(w, "notes"));
        auto* b = w.browser();
        QLineEdit* note = b->noteEdit();
        clickRow(b, 2);
        const qint64 a = b->currentSampleId();
        QTest::mouseClick(note, Qt::LeftButton);
        QTest::keyClicks(note, "cites section 2");
        clickRow(b, 5);  // focus leaves the editor and the row changes
        QCOMPARE(storedNote(project_, a), std::string("cites section 2"));
        QCOMPARE(note->text(), QString());  // row 5's (empty) note
        w.undoStack()->undo();
        QCOMPARE(storedNote(project_, a), std::string());
        w.undoStack()->redo();
        QCOMPARE(storedNote(project_, a), std::string("cites section 2"));

        // The row changes while the editor keeps the focus (a brush, a reload).
        const qint64 c = b->currentSampleId();
        note->setFocus();
        QTest::keyClicks(note, "truncated");
        emit w.plots()->brushed({idAt(b, 7)});
        QCOMPARE(storedNote(project_, c), std::string("truncated"));

        // Escape throws the edit away and shows the stored note again.
        clickRow(b, 2);
        QCOMPARE(note->text(), QString("cites section 2"));
        const int steps = w.undoStack()->count();
        QTest::mouseClick(note, Qt::LeftButton);
        QTest::keyClick(note, Qt::Key_End);
        QTest::keyClicks(note, ", and more");
        QTest::keyClick(note, Qt::Key_Escape);
        QCOMPARE(note->text(), QString("cites section 2"));
        clickRow(b, 4);
        QCOMPARE(storedNote(project_, a), std::string("cites section 2"));
        QCOMPARE(w.undoStack()->count(), steps);

        // Opening another project saves the typed note in this one, and only here.
        const std::string first = project_;
        const qint64 d = b->currentSampleId();
        QTest::mouseClick(note, Qt::LeftButton);
        QTest::keyClicks(note, "pending");
        ui::MainWindow other;  // only to make the copy
        QVERIFY(open(other, "notes-other"));
        QVERIFY(test::openProjectOk(w, q(project_)));
        QTRY_VERIFY_WITH_TIMEOUT(w.rankingSession()->hasRun() && b->currentSampleId() >= 0, 20000);
        QCOMPARE(storedNote(first, d), std::string("pending"));
        QCOMPARE(storedNote(project_, d), std::string());
        QCOMPARE(note->text(), QString::fromStdString(storedNote(project_, b->currentSampleId())));
    }

    // Defect 6: the histogram legend counted scores at or above the cut ("Selected (2)")
    // while the summary counted the ranking's selection after overrides ("selected 1").
    void selectedCountsAgree() {
        ui::MainWindow w;
        QVERIFY(open(w, "counts"));
        auto* b = w.browser();
        // Top 10% of 12: the cut holds ceil(1.2) = 2 samples.
        QCOMPARE(w.rankingSession()->ranking().cut, int64_t(2));
        QTRY_COMPARE(histogramSelected(w.plots()), 2);
        clickRow(b, 0);
        QTest::keyClick(b->table(), Qt::Key_D);  // a dropped sample inside the cut is not selected
        QTRY_COMPARE(w.rankingSession()->ranking().selected, int64_t(1));  // re-ranked on the runner
        QVERIFY(b->summaryLabel()->text().contains("selected 1 "));
        QTRY_COMPARE(histogramSelected(w.plots()), 1);
        clickRow(b, kSamples - 1);
        QTest::keyClick(b->table(), Qt::Key_K);  // a kept sample outside the cut is
        clickRow(b, kSamples - 2);
        QTest::keyClick(b->table(), Qt::Key_K);
        QTRY_COMPARE(w.rankingSession()->ranking().selected, int64_t(3));
        QVERIFY(b->summaryLabel()->text().contains("selected 3 "));
        QTRY_COMPARE(histogramSelected(w.plots()), 3);
    }

    // The review loop by keyboard alone: U goes to the next sample without a decision, the
    // status bar counts the reviewed samples, F1 lists every key.
    void keyboardReviewLoop() {
        ui::MainWindow w;
        QVERIFY(open(w, "keys"));
        auto* b = w.browser();
        auto* reviewed = w.findChild<QLabel*>("reviewedLabel");
        QVERIFY(reviewed);
        QCOMPARE(reviewed->text(), QString("0 / %1 reviewed").arg(kSamples));
        clickRow(b, 0);
        QTest::keyClick(b->table(), Qt::Key_K);  // auto-advance: row 1 is current
        QTest::keyClick(b->table(), Qt::Key_D);
        QCOMPARE(reviewed->text(), QString("2 / %1 reviewed").arg(kSamples));
        // Rows 0 and 1 have decisions: from the top, U skips them.
        QTest::keyClick(b->table(), Qt::Key_Home, Qt::ControlModifier);
        QCOMPARE(b->table()->currentIndex().row(), 0);
        QTest::keyClick(b->table(), Qt::Key_U);
        QCOMPARE(b->currentSampleId(), idAt(b, 2));
        clickRow(b, kSamples - 1);
        QTest::keyClick(b->table(), Qt::Key_U);  // wraps around past the decided rows
        QCOMPARE(b->currentSampleId(), idAt(b, 2));

        QTest::keyClick(b->table(), Qt::Key_F1);
        QDialog* sheet = nullptr;
        QTRY_VERIFY((sheet = w.findChild<QDialog*>("shortcutSheet")) != nullptr);
        const QString text = sheet->findChild<QTextBrowser*>()->toPlainText();
        for (const char* key : {"K", "D", "C", "N", "J", "L", "U", "S", "T", "E", "1", "Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y", "F1", "Escape"})
            QVERIFY2(text.contains(key), qPrintable(key));
        for (QAction* a : b->sampleActions())
            if (!a->shortcuts().isEmpty())
                QVERIFY2(text.contains(QString(a->text()).remove('&').remove(QChar(0x2026))), qPrintable(a->text()));
        sheet->close();
    }

    // Review mode: after K or D the next row of the queue (the filtered, sorted view) becomes
    // current; S skips without deciding (and U passes over the skipped sample); the toggle
    // is remembered.
    void autoAdvanceFollowsTheFilteredQueue() {
        const QString name = "advance";
        {
            // Notes on the even samples: the "Has note" queue holds 5 of 12.
            const std::string path = tmp_.filePath(name + ".gateau").toStdString();
            QVERIFY(QFile::copy(q(scored_), q(path)));
            auto store = db::ProjectStore::open(path, false);
            for (qint64 id : {2, 4, 6, 8, 10}) store.addOverride(id, db::Decision::None, "to check");
        }
        ui::MainWindow w;
        QVERIFY(open(w, "advance"));
        auto* b = w.browser();
        QVERIFY(b->autoAdvance());  // on by default
        b->filterBar()->hasNoteBox()->setChecked(true);
        b->table()->sortByColumn(ui::RankedTableModel::ColPplA, Qt::DescendingOrder);
        QCOMPARE(b->proxy()->rowCount(), 5);
        std::vector<qint64> queue;
        for (int r = 0; r < 5; ++r) queue.push_back(idAt(b, r));
        // The view's order, not the id order: PPL A descending.
        auto store = db::ProjectStore::open(project_, false);
        const db::RankInputs in = db::loadRankInputs(store, w.rankingSession()->runId());
        std::vector<std::pair<double, qint64>> expect;
        for (const auto& s : in.samples)
            if (s.sampleId % 2 == 0 && s.sampleId <= 10) expect.push_back({-s.pplA, s.sampleId});
        std::sort(expect.begin(), expect.end());
        for (size_t i = 0; i < expect.size(); ++i) QCOMPARE(queue[i], expect[i].second);

        clickRow(b, 0);
        QTest::keyClick(b->table(), Qt::Key_D);
        QCOMPARE(stored(project_, queue[0]), db::Decision::Drop);
        QCOMPARE(b->currentSampleId(), queue[1]);
        QCOMPARE(highlighted(b), QVector<qint64>{queue[1]});
        QTRY_COMPARE(w.inspector()->sampleId(), int64_t(queue[1]));
        QTest::keyClick(b->table(), Qt::Key_K);
        QCOMPARE(stored(project_, queue[1]), db::Decision::Keep);
        QCOMPARE(b->currentSampleId(), queue[2]);
        // Skip: the next undecided sample; queue[2] stays undecided.
        QTest::keyClick(b->table(), Qt::Key_S);
        QCOMPARE(b->currentSampleId(), queue[3]);
        QCOMPARE(stored(project_, queue[2]), db::Decision::None);
        QTest::keyClick(b->table(), Qt::Key_U);
        QCOMPARE(b->currentSampleId(), queue[4]);
        QTest::keyClick(b->table(), Qt::Key_U);  // wraps past the decided and the skipped
        QCOMPARE(b->currentSampleId(), queue[3]);

        // Off: a decision leaves the current row where it is; remembered.
        b->autoAdvanceAction()->trigger();
        QVERIFY(!b->autoAdvance());
        clickRow(b, 4);
        QTest::keyClick(b->table(), Qt::Key_D);
        QCOMPARE(b->currentSampleId(), queue[4]);
        {
            ui::MainWindow again;
            QVERIFY(open(again, "advance", {1600, 1000}, 5));
            QVERIFY(!again.browser()->autoAdvance());
            again.browser()->setAutoAdvance(true);
        }
    }

    // Labels, tags and a decision on a multi-row highlight: each one undo step over every
    // row, stored with the annotator, shown in the table, filtered on, exported.
    void bulkLabelsTagsAndDecisionsUndoAsOne() {
        ui::MainWindow w;
        QVERIFY(open(w, "bulk"));
        auto* b = w.browser();
        QCOMPARE(b->labelSet(), (std::vector<std::string>{"answer not in context", "truncated", "duplicate"}));
        clickRow(b, 2);
        clickRow(b, 5, Qt::ShiftModifier);
        const QVector<qint64> rows = highlighted(b);
        QCOMPARE(rows.size(), 4);
        const int steps = w.undoStack()->index();
        QTest::keyClick(b->table(), Qt::Key_1);
        QCOMPARE(highlighted(b), rows);
        b->addTag("needs-check");
        QCOMPARE(highlighted(b), rows);
        QTest::keyClick(b->table(), Qt::Key_D);
        QCOMPARE(w.undoStack()->index(), steps + 3);
        QCOMPARE(highlighted(b), rows);  // a bulk decision keeps the highlight (no auto-advance)
        const std::string me = b->annotator().toStdString();
        QVERIFY(!me.empty());
        for (int r = 0; r < kSamples; ++r) {
            const qint64 id = idAt(b, r);
            const bool in = rows.contains(id);
            const db::Annotations a = storedAnnotations(project_, id);
            QCOMPARE(a.labels, in ? std::vector<std::string>{"answer not in context"} : std::vector<std::string>{});
            QCOMPARE(a.tags, in ? std::vector<std::string>{"needs-check"} : std::vector<std::string>{});
            QCOMPARE(stored(project_, id), in ? db::Decision::Drop : db::Decision::None);
            const QString cell = b->proxy()->index(r, ui::RankedTableModel::ColLabels).data().toString();
            QCOMPARE(cell, in ? QString("answer not in context, #needs-check") : QString());
        }
        {
            auto store = db::ProjectStore::open(project_, false);
            QCOMPARE(db::overrideAnnotators(store, rows[0]).back(), me);
            auto st = store.db().prepare("SELECT DISTINCT annotator FROM sample_marks");
            QVERIFY(st.step());
            QCOMPARE(st.text(0), me);
            QVERIFY(!st.step());
        }
        // The filters see them.
        QComboBox* mark = b->filterBar()->markCombo();
        mark->setCurrentIndex(mark->findData("L:answer not in context"));
        QCOMPARE(b->proxy()->rowCount(), 4);
        mark->setCurrentIndex(mark->findData("T:needs-check"));
        QCOMPARE(b->proxy()->rowCount(), 4);
        mark->setCurrentIndex(mark->findData("-"));
        QCOMPARE(b->proxy()->rowCount(), kSamples - 4);
        mark->setCurrentIndex(0);
        QCOMPARE(b->proxy()->rowCount(), kSamples);

        // The scores CSV carries them.
        const auto csv = exportedCsv(project_, w.rankingSession()->runId(), tmp_.filePath("bulk.csv"));
        QCOMPARE(csv.size(), kSamples);
        for (auto it = csv.begin(); it != csv.end(); ++it) {
            const bool in = rows.contains(it.key());
            QCOMPARE(it.value()["labels"], in ? QString("answer not in context") : QString());
            QCOMPARE(it.value()["tags"], in ? QString("needs-check") : QString());
            QCOMPARE(it.value()["decision"], in ? QString("drop") : QString("none"));
            QCOMPARE(it.value()["evidence_start"], QString());
        }

        // One Ctrl+Z per step, each over every row.
        b->table()->setFocus();
        QTest::keyClick(b->table(), Qt::Key_Z, Qt::ControlModifier);
        for (qint64 id : rows) {
            QCOMPARE(stored(project_, id), db::Decision::None);
            QCOMPARE(storedAnnotations(project_, id).tags, std::vector<std::string>{"needs-check"});
        }
        QTest::keyClick(b->table(), Qt::Key_Z, Qt::ControlModifier);
        for (qint64 id : rows) QVERIFY(storedAnnotations(project_, id).tags.empty());
        QTest::keyClick(b->table(), Qt::Key_Z, Qt::ControlModifier);
        for (qint64 id : rows) QVERIFY(storedAnnotations(project_, id).empty());
        QCOMPARE(w.undoStack()->index(), steps);
        for (int i = 0; i < 3; ++i) w.undoStack()->redo();
        for (qint64 id : rows) {
            QCOMPARE(stored(project_, id), db::Decision::Drop);
            QCOMPARE(storedAnnotations(project_, id).labels, std::vector<std::string>{"answer not in context"});
        }
        // The key again on rows that all have the label takes it off all of them (the filters
        // above took the highlight away: highlight them again).
        b->selectSamples(rows);
        QCOMPARE(highlighted(b), rows);
        QTest::keyClick(b->table(), Qt::Key_1);
        for (qint64 id : rows) QVERIFY(storedAnnotations(project_, id).labels.empty());
    }

    // The label set and the labels come back with the project.
    void labelsSurviveReopening() {
        qint64 id = -1;
        {
            ui::MainWindow w;
            QVERIFY(open(w, "labels"));
            auto* b = w.browser();
            b->setLabelSet({"off topic", "truncated"});
            clickRow(b, 3);
            id = b->currentSampleId();
            QTest::keyClick(b->table(), Qt::Key_2);
            QCOMPARE(b->reviewState(id)->annotations.labels, std::vector<std::string>{"truncated"});
            QTest::keyClick(b->table(), Qt::Key_3);  // no third label any more: nothing happens
            QCOMPARE(storedAnnotations(project_, id).labels, std::vector<std::string>{"truncated"});
        }
        ui::MainWindow w;
        QVERIFY(open(w, "labels"));
        auto* b = w.browser();
        QCOMPARE(b->labelSet(), (std::vector<std::string>{"off topic", "truncated"}));
        QCOMPARE(b->currentSampleId(), id);
        QCOMPARE(b->reviewState(id)->annotations.labels, std::vector<std::string>{"truncated"});
        const auto buttons = b->annotationBar()->labelButtons();
        QCOMPARE(buttons.size(), 2);
        QVERIFY(buttons[0]->text().contains("off topic"));
        QVERIFY(!buttons[0]->isChecked());
        QVERIFY(buttons[1]->isChecked());
        // A click on a label button labels the highlighted samples too.
        QTest::mouseClick(buttons[0], Qt::LeftButton);
        QCOMPARE(storedAnnotations(project_, id).labels, (std::vector<std::string>{"off topic", "truncated"}));
        QVERIFY(buttons[0]->isChecked());
    }

    // Evidence: a span of context tokens picked in the inspector, stored as byte offsets of
    // the context text, drawn under the tokens, undoable, exported.
    void evidenceSpanFromTheInspector() {
        ui::MainWindow w;
        QVERIFY(open(w, "evidence"));
        auto* b = w.browser();
        clickRow(b, 1);
        const qint64 id = b->currentSampleId();
        // The painted sample (data()), not only the requested one (sampleId()).
        QTRY_VERIFY_WITH_TIMEOUT(w.inspector()->data() != nullptr && w.inspector()->data()->sampleId == id, 20000);
        const ui::InspectorData* d = w.inspector()->data();
        QVERIFY(d->hasTokens);
        QVERIFY(d->contextTokenCount() > 10);
        QCOMPARE(int64_t(d->contextBytes.size()), d->contextTokenCount());
        // Copies: a re-rank may have the inspector load the sample again.
        const std::vector<std::string> tokenTexts = d->tokenTexts;
        const int64_t contextBegin = d->contextBegin;
        ui::TokenHeatmapView* ctx = w.inspector()->contextView();
        ctx->scrollToToken(0);
        QCoreApplication::processEvents();
        QTest::mouseClick(ctx->viewport(), Qt::LeftButton, {}, ctx->tokenRect(3).center());
        QTest::mouseClick(ctx->viewport(), Qt::LeftButton, Qt::ShiftModifier, ctx->tokenRect(7).center());
        QCOMPARE(ctx->span(), std::make_pair(3, 7));
        const int steps = w.undoStack()->index();
        QTest::keyClick(ctx, Qt::Key_E);
        QCOMPARE(w.undoStack()->index(), steps + 1);
        const db::Annotations a = storedAnnotations(project_, id);
        QVERIFY(a.hasEvidence());
        // Independent truth: the bytes of the context text between the offsets are the five
        // tokens' texts.
        auto store = db::ProjectStore::open(project_, false);
        const auto text = store.sampleText(id);
        QVERIFY(text.has_value());
        const std::string context = scoring::splitConversation(text->conversation, scoring::PromptConfig{}).context;
        std::string tokens;
        for (int t = 3; t <= 7; ++t) tokens += tokenTexts[size_t(contextBegin + t)];
        QVERIFY(a.evidenceEnd <= int64_t(context.size()));
        QCOMPARE(QString::fromStdString(context.substr(size_t(a.evidenceStart), size_t(a.evidenceEnd - a.evidenceStart))), QString::fromStdString(tokens));
        QCOMPARE(ctx->evidence(), std::make_pair(3, 8));
        QVERIFY(b->annotationBar()->evidenceLabel()->text().contains(QString::number(a.evidenceStart)));
        QVERIFY(b->proxy()->index(1, ui::RankedTableModel::ColLabels).data().toString().contains("evidence"));
        const auto csv = exportedCsv(project_, w.rankingSession()->runId(), tmp_.filePath("evidence.csv"));
        QCOMPARE(csv[id]["evidence_start"], QString::number(a.evidenceStart));
        QCOMPARE(csv[id]["evidence_end"], QString::number(a.evidenceEnd));

        w.undoStack()->undo();
        QVERIFY(!storedAnnotations(project_, id).hasEvidence());
        QCOMPARE(ctx->evidence().first, -1);
        w.undoStack()->redo();
        QCOMPARE(storedAnnotations(project_, id), a);
        QCOMPARE(ctx->evidence(), std::make_pair(3, 8));
        // Removable from the bar, and still shown after moving away and back.
        clickRow(b, 4);
        clickRow(b, 1);
        QTRY_COMPARE(ctx->evidence(), std::make_pair(3, 8));
        // Heatmap on a near-uniform sample: the "sample range" scale spans the sample's own
        // values (nearest-rank 0.5% and 99.5% percentiles), not 0..max.
        QComboBox* scale = nullptr;
        for (QComboBox* c : w.inspector()->findChildren<QComboBox*>())
            if (c->findText("sample range") >= 0) scale = c;
        QVERIFY(scale);
        scale->setCurrentIndex(scale->findText("sample range"));
        std::vector<float> values;
        for (float v : ctx->values())
            if (std::isfinite(v)) values.push_back(v);
        std::sort(values.begin(), values.end());
        QVERIFY(values.size() > 10);
        const size_t lo = size_t(std::ceil(0.005 * double(values.size())) - 1), hi = size_t(std::ceil(0.995 * double(values.size())) - 1);
        QCOMPARE(ctx->colorScale().minimum(), values[lo]);
        QCOMPARE(ctx->colorScale().maximum(), values[hi]);
        QVERIFY(ctx->colorScale().minimum() > 0.0f);
        const auto remove = b->annotationBar()->findChildren<QToolButton*>();
        QToolButton* x = nullptr;
        for (QToolButton* t : remove)
            if (t->text() == QStringLiteral("×")) x = t;
        QVERIFY(x && x->isEnabled());
        QTest::mouseClick(x, Qt::LeftButton);
        QVERIFY(!storedAnnotations(project_, id).hasEvidence());
        QCOMPARE(ctx->evidence().first, -1);
    }

    // Alpha, the cut rule and the current sample come back with the project.
    void reviewStateSurvivesARestart() {
        qint64 current = -1;
        {
            ui::MainWindow w;
            QVERIFY(open(w, "restart"));
            auto* b = w.browser();
            b->alphaSlider()->setValue(40);
            b->cutMode()->setCurrentIndex(1);
            b->cutValue()->setValue(5);
            // The queue: sorted by IFD, high first, without the decided samples.
            b->table()->sortByColumn(ui::RankedTableModel::ColIfd, Qt::DescendingOrder);
            clickRow(b, 0);
            QTest::keyClick(b->table(), Qt::Key_K);
            b->filterBar()->decisionCombo()->setCurrentIndex(b->filterBar()->decisionCombo()->findText("No decision"));
            QCOMPARE(b->proxy()->rowCount(), kSamples - 1);
            clickRow(b, 7);
            current = b->currentSampleId();
        }
        ui::MainWindow w;
        QVERIFY(open(w, "restart", {1600, 1000}, kSamples - 1));
        auto* b = w.browser();
        QCOMPARE(b->alphaSlider()->value(), 40);
        QCOMPARE(w.rankingSession()->alpha(), 0.4);
        QCOMPARE(b->cutMode()->currentIndex(), 1);
        QCOMPARE(w.rankingSession()->ranking().cut, int64_t(5));
        QCOMPARE(b->currentSampleId(), current);
        QTRY_COMPARE(w.inspector()->sampleId(), int64_t(current));
        QCOMPARE(b->table()->horizontalHeader()->sortIndicatorSection(), int(ui::RankedTableModel::ColIfd));
        QCOMPARE(b->table()->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(b->filterBar()->decisionCombo()->currentText(), QString("No decision"));
        QCOMPARE(b->table()->currentIndex().row(), 7);
        // Another project keeps its own state.
        ui::MainWindow other;
        QVERIFY(open(other, "restart-other"));
        QCOMPARE(other.browser()->alphaSlider()->value(), 70);
    }

    // The slider starts from the alpha stored in the project and follows it until the user
    // moves it; "Make This α the Project's Default" stores the user's, "Follow" forgets it.
    void sliderFollowsTheProjectsAlpha() {
        const std::string path = tmp_.filePath("alpha.gateau").toStdString();
        QVERIFY(QFile::copy(q(scored_), q(path)));
        auto storedAlpha = [&] {
            auto store = db::ProjectStore::openReadOnly(path);
            return db::projectAlpha(store.db());
        };
        auto setStoredAlpha = [&](double a) {
            auto store = db::ProjectStore::open(path, false);
            db::setProjectAlpha(store.db(), a);
            store.finish();
        };
        QCOMPARE(storedAlpha(), 0.7);
        setStoredAlpha(0.85);
        auto action = [](ui::BrowserPanel* b, const QString& prefix) -> QAction* {
            for (QAction* a : b->alphaSlider()->actions())
                if (a->text().startsWith(prefix)) return a;
            return nullptr;
        };
        {
            ui::MainWindow w;
            QVERIFY(open(w, "alpha"));
            auto* b = w.browser();
            QTRY_COMPARE(b->alphaSlider()->value(), 85);  // read off the GUI thread
            QCOMPARE(w.rankingSession()->alpha(), 0.85);
            b->alphaSlider()->setValue(40);
            QAction* makeDefault = action(b, "Make This");
            QVERIFY(makeDefault);
            QVERIFY(ui::TaskRunner::instance().waitForIdle());
            {
                std::lock_guard lock(sqlMutex);
                sqlSeen.clear();
            }
            db::setSqlObserver(recordSql);
            makeDefault->trigger();
            QVERIFY(ui::TaskRunner::instance().waitForIdle());
            db::setSqlObserver(nullptr);
            QStringList onGui, writes;
            {
                std::lock_guard lock(sqlMutex);
                for (const auto& [gui, sql] : sqlSeen) {
                    if (gui) onGui << sql;
                    if (sql.contains("ranking_settings")) writes << sql;
                }
            }
            QVERIFY2(onGui.isEmpty(), qPrintable("SQL on the GUI thread: " + onGui.join(" | ")));
            QVERIFY(!writes.isEmpty());
            QCOMPARE(storedAlpha(), 0.4);
        }
        setStoredAlpha(0.9);  // another user's default: this user moved the slider, so keeps 40
        ui::MainWindow w;
        QVERIFY(open(w, "alpha"));
        auto* b = w.browser();
        QVERIFY(ui::TaskRunner::instance().waitForIdle());  // the project's alpha has been read
        QCoreApplication::processEvents();
        QCOMPARE(b->alphaSlider()->value(), 40);
        QAction* follow = action(b, "Follow");
        QVERIFY(follow);
        follow->trigger();
        QCOMPARE(b->alphaSlider()->value(), 90);
        QCOMPARE(w.rankingSession()->alpha(), 0.9);
        QCOMPARE(storedAlpha(), 0.9);  // following stores nothing
    }
};


// Issue 15: a decision, a note, their undo and redo write nothing on the GUI thread (the
// writes go to the runner's Queue lane), and the table shows each at once.
void TestReview::reviewWritesRunOffTheGuiThread() {
    ui::MainWindow w;
    QVERIFY(open(w, "write-thread"));
    auto* b = w.browser();
    clickRow(b, 3);
    const qint64 id = idAt(b, 3);
    QVERIFY(ui::TaskRunner::instance().waitForIdle());
    {
        std::lock_guard lock(sqlMutex);
        sqlSeen.clear();
    }
    db::setSqlObserver(recordSql);
    QCOMPARE(b->currentSampleId(), id);
    b->setNote("written off the GUI thread");
    QTest::keyClick(b->table(), Qt::Key_K);
    QCOMPARE(w.rankingSession()->inputs().samples[size_t(w.rankingSession()->indexOf(id))].decision, db::Decision::Keep);
    w.undoStack()->undo();
    w.undoStack()->redo();
    QVERIFY(ui::TaskRunner::instance().waitForIdle());
    db::setSqlObserver(nullptr);
    int off = 0, on = 0;
    QStringList onGui;
    {
        std::lock_guard lock(sqlMutex);
        for (const auto& [gui, sql] : sqlSeen) {
            const bool write = sql.contains("INSERT", Qt::CaseInsensitive);
            if (write) ++(gui ? on : off);
            if (gui) onGui << sql;
        }
    }
    QVERIFY2(off > 0, "the review writes never ran");
    QVERIFY2(onGui.isEmpty(), qPrintable("SQL on the GUI thread: " + onGui.join(" | ")));
    QCOMPARE(on, 0);
    QCOMPARE(stored(project_, id), db::Decision::Keep);
    QCOMPARE(storedNote(project_, id), std::string("written off the GUI thread"));
}

// A decision made just before the window closes is stored: the write is queued on the
// runner, whose destruction (the application's exit) waits for its Queue lanes.
void TestReview::decisionJustBeforeCloseIsStored() {
    qint64 id = 0;
    {
        ui::MainWindow w;
        QVERIFY(open(w, "close-write"));
        auto* b = w.browser();
        QVERIFY(ui::TaskRunner::instance().waitForIdle());
        clickRow(b, 5);
        id = idAt(b, 5);
        QTest::keyClick(b->table(), Qt::Key_D);
        w.close();
    }  // the window, its panel and the writer are gone; the write is still queued or running
    delete &ui::TaskRunner::instance();  // what ~QApplication does at exit
    auto store = db::ProjectStore::open(project_, false);
    const auto o = store.currentOverride(id);
    QVERIFY(o);
    QCOMPARE(o->decision, db::Decision::Drop);
}

QTEST_MAIN(TestReview)
#include "test_review.moc"
