// Team review in the workbench (docs/review-team.md), driven offscreen: a merged project's
// disputes shown and queued, K / D by the lead recorded as adjudications (undoable), the
// agreement dialog against a kappa worked out by hand, File > Merge Reviews' merge.
#include "tests/ui/open_project.h"
#include "tests/ui/scored_project.h"
#include "db/team_review.h"
#include "ui/tasks/task_runner.h"
#include "ui/browser/annotation_bar.h"
#include "ui/browser/browser_panel.h"
#include "ui/browser/filter_bar.h"
#include "ui/browser/ranked_filter_proxy.h"
#include "ui/browser/ranked_table_model.h"
#include "ui/browser/ranking_session.h"
#include "ui/main_window.h"
#include "ui/team_review.h"

#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QUndoStack>

#include <algorithm>

using namespace gateau;
using gateau::test::q;

namespace {

constexpr int kSamples = 12;

// Samples 1..6 decided by two annotators; 2 and 4 disputed:
//   sample  1 2 3 4 5 6
//   alice   K K K D D D
//   bob     K D K K D D
// Cohen: p_o = 4/6; each keeps 3 of 6, p_e = .5 * .5 + .5 * .5 = .5; kappa = (2/3 - 1/2) / (1/2) = 1/3.
const char* kAlice = "KKKDDD";
const char* kBob = "KDKKDD";

void vote(db::ProjectStore& store, const char* votes, const std::string& who) {
    for (int i = 0; i < 6; ++i)
        db::addOverrideBy(store, i + 1, votes[i] == 'K' ? db::Decision::Keep : db::Decision::Drop, "", who);
}

std::vector<qint64> rowsInView(ui::BrowserPanel* b) {
    std::vector<qint64> out;
    for (int r = 0; r < b->proxy()->rowCount(); ++r)
        out.push_back(b->proxy()->index(r, 0).data(ui::RankedTableModel::SampleIdRole).toLongLong());
    std::sort(out.begin(), out.end());
    return out;
}

QString decisionCell(ui::BrowserPanel* b, qint64 id) {
    for (int r = 0; r < b->proxy()->rowCount(); ++r) {
        const QModelIndex i = b->proxy()->index(r, ui::RankedTableModel::ColDecision);
        if (i.data(ui::RankedTableModel::SampleIdRole).toLongLong() == id) return i.data().toString();
    }
    return QStringLiteral("(not in view)");
}

int64_t overrideRows(const std::string& project) {
    ui::TaskRunner::instance().waitForIdle();  // review writes land on the runner
    auto store = db::ProjectStore::openReadOnly(project);
    auto st = store.db().prepare("SELECT count(*) FROM overrides");
    st.step();
    return st.int64(0);
}

}  // namespace

class TestAdjudication : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string scored_;

    bool open(ui::MainWindow& w, const std::string& project) {
        w.resize(1600, 1000);
        w.show();
        if (!QTest::qWaitForWindowExposed(&w)) return false;
        w.activateWindow();
        if (!QTest::qWaitForWindowActive(&w)) return false;
        if (!test::openProjectOk(w, q(project))) return false;
        QSignalSpy loaded(w.rankingSession(), &ui::RankingSession::loaded);
        if (!w.rankingSession()->hasRun() && !loaded.wait(20000)) return false;
        QCoreApplication::processEvents();
        return w.browser()->proxy()->rowCount() == kSamples;
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        const auto p = test::makeScoredProject(tmp_.path().toStdString(), kSamples);
        QCOMPARE(p.error, std::string());
        scored_ = p.project;
    }

    void leadAdjudicatesTheQueueUndoably() {
        const std::string project = tmp_.filePath("team.gateau").toStdString();
        QVERIFY(QFile::copy(q(scored_), q(project)));
        {
            auto store = db::ProjectStore::open(project, false);
            vote(store, kAlice, "alice");
            vote(store, kBob, "bob");
        }
        const int64_t votesBefore = overrideRows(project);
        ui::MainWindow w;
        QVERIFY(open(w, project));
        auto* b = w.browser();
        b->setAnnotator("lead");
        // Consensus applies, disputes say so.
        QCOMPARE(decisionCell(b, 1), QString("keep"));
        QCOMPARE(decisionCell(b, 5), QString("drop"));
        QCOMPARE(decisionCell(b, 2), QString("disputed"));
        QCOMPARE(decisionCell(b, 4), QString("disputed"));
        QCOMPARE(decisionCell(b, 7), QString());

        b->showAdjudicationQueue();
        QCOMPARE(rowsInView(b), (std::vector<qint64>{2, 4}));
        const qint64 first = b->currentSampleId();
        QVERIFY(first == 2 || first == 4);
        const qint64 second = first == 2 ? 4 : 2;
        QVERIFY(!b->annotationBar()->teamLabel()->isHidden());
        QVERIFY(b->annotationBar()->teamLabel()->text().contains("disputed"));
        QVERIFY(b->annotationBar()->teamLabel()->text().contains("K 1 · D 1"));
        QVERIFY(b->annotationBar()->teamLabel()->toolTip().contains("alice: "));

        QTest::keyClick(b->table(), Qt::Key_D);
        {
            ui::TaskRunner::instance().waitForIdle();  // review writes land on the runner
            auto store = db::ProjectStore::openReadOnly(project);
            const db::TeamVotes t = db::teamVotesOf(store, first);
            QVERIFY(t.adjudicated == db::Decision::Drop);
            QCOMPARE(t.adjudicator, std::string("lead"));
            QCOMPARE(t.votes.size(), size_t(2));  // alice's and bob's decisions untouched
        }
        QCOMPARE(overrideRows(project), votesBefore);  // the lead cast no vote
        QCOMPARE(rowsInView(b), std::vector<qint64>{second});
        QCOMPARE(b->currentSampleId(), second);  // auto-advance through the queue

        // Undo withdraws the adjudication: the sample is disputed and queued again.
        w.undoStack()->undo();
        {
            ui::TaskRunner::instance().waitForIdle();  // review writes land on the runner
            auto store = db::ProjectStore::openReadOnly(project);
            QVERIFY(!db::teamVotesOf(store, first).isAdjudicated());
        }
        QCOMPARE(rowsInView(b), (std::vector<qint64>{2, 4}));
        w.undoStack()->redo();
        QCOMPARE(rowsInView(b), std::vector<qint64>{second});
        b->table()->setFocus();
        QTest::keyClick(b->table(), Qt::Key_K);
        QCOMPARE(b->proxy()->rowCount(), 0);

        // Every sample back in view: the adjudicated ones say so, and the bar names the lead.
        b->filterBar()->decisionCombo()->setCurrentIndex(0);
        QCOMPARE(decisionCell(b, first), QString("drop (adj.)"));
        QCOMPARE(decisionCell(b, second), QString("keep (adj.)"));
        {
            ui::TaskRunner::instance().waitForIdle();  // review writes land on the runner
            auto store = db::ProjectStore::openReadOnly(project);
            const db::RankInputs in = db::loadRankInputs(store, w.rankingSession()->runId());
            for (const auto& s : in.samples) {
                const int i = w.rankingSession()->indexOf(s.sampleId);
                QVERIFY(i >= 0);
                QVERIFY(w.rankingSession()->inputs().samples[size_t(i)].decision == s.decision);  // GUI = store
            }
        }

        // C on an adjudicated sample withdraws the adjudication (the dispute is back), not a vote.
        b->filterBar()->decisionCombo()->setCurrentIndex(int(ui::BrowserFilter::Decision::Disputed));
        QCOMPARE(rowsInView(b), (std::vector<qint64>{2, 4}));
        QTableView* table = b->table();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(b->proxy()->index(0, 1)).center());
        QVERIFY(b->currentSampleId() == 2 || b->currentSampleId() == 4);
        QVERIFY(b->annotationBar()->teamLabel()->text().contains("adjudicated"));
        QTest::keyClick(table, Qt::Key_C);
        QCOMPARE(decisionCell(b, b->currentSampleId()), QString("disputed"));
        QCOMPARE(overrideRows(project), votesBefore);
    }

    void agreementDialogShowsHandComputedKappa() {
        const std::string project = tmp_.filePath("agree.gateau").toStdString();
        QVERIFY(QFile::copy(q(scored_), q(project)));
        {
            auto store = db::ProjectStore::open(project, false);
            vote(store, kAlice, "alice");
            vote(store, kBob, "bob");
        }
        ui::MainWindow w;
        QVERIFY(open(w, project));
        ui::showAgreement(&w, project, [] {});
        ui::AgreementDialog* d = nullptr;
        QTRY_VERIFY((d = w.findChild<ui::AgreementDialog*>()) != nullptr);
        QTableWidget* t = d->table();
        QCOMPARE(t->item(0, 0)->text(), QString("decision"));
        QCOMPARE(t->item(0, 1)->text(), QString("alice / bob"));
        QCOMPARE(t->item(0, 2)->text(), QString("6"));
        QCOMPARE(t->item(0, 3)->text(), QString("0.667"));
        QCOMPARE(t->item(0, 4)->text(), QString("0.333"));
        d->close();
    }

    // Not a check: the agreement dialog of any project saved as a PNG for docs/ (skipped unless
    // GATEAU_SHOT_PROJECT and GATEAU_SHOT_PNG are set; docs/review-team.md says how it was made).
    void agreementDialogScreenshot() {
        const QString project = qEnvironmentVariable("GATEAU_SHOT_PROJECT"), png = qEnvironmentVariable("GATEAU_SHOT_PNG");
        if (project.isEmpty() || png.isEmpty()) QSKIP("GATEAU_SHOT_PROJECT / GATEAU_SHOT_PNG not set");
        QWidget parent;
        ui::showAgreement(&parent, project.toStdString(), [] {});
        ui::AgreementDialog* d = nullptr;
        QTRY_VERIFY((d = parent.findChild<ui::AgreementDialog*>()) != nullptr);
        QVERIFY(QTest::qWaitForWindowExposed(d));
        QVERIFY(d->grab().save(png));
    }

    // File > Merge Reviews' merge: a copy's unnamed rows are named after its file.
    void mergeFromTheWorkbench() {
        const std::string project = tmp_.filePath("lead.gateau").toStdString();
        const std::string carol = tmp_.filePath("carol.gateau").toStdString();
        QVERIFY(QFile::copy(q(scored_), q(project)));
        QVERIFY(QFile::copy(q(scored_), q(carol)));
        {
            auto store = db::ProjectStore::open(project, false);
            vote(store, kAlice, "alice");
            auto c = db::ProjectStore::open(carol, false);
            vote(c, kBob, "");  // rows of no name, as before migration 6
        }
        const QString text = ui::mergeReviewCopies(project, {q(carol)});
        QVERIFY2(text.contains("carol.gateau: 6 review rows added, 0 already present (annotators: carol)"), qPrintable(text));
        QVERIFY2(text.contains("2 annotators, 6 samples decided, 2 disputed (0 adjudicated)"), qPrintable(text));
        ui::TaskRunner::instance().waitForIdle();  // review writes land on the runner
        auto store = db::ProjectStore::openReadOnly(project);
        QVERIFY(db::teamVotesOf(store, 4).votes == (std::map<std::string, db::Decision>{
                                                        {"alice", db::Decision::Drop}, {"carol", db::Decision::Keep}}));
    }
};

QTEST_MAIN(TestAdjudication)
#include "test_adjudication.moc"
