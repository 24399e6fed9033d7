#pragma once
// The ranked pool of one run, shared by the browser table, the plots and the export dialog.
// Raw values are loaded once per run on a worker thread; alpha, the cut and overrides
// re-rank in memory (METHOD.md: normalisation happens at ranking time). Alpha and the cut
// re-rank (and re-order the table) on the task runner in a Serial lane: while alpha is
// dragged, one re-rank runs and only the newest value waits; ranking() keeps the last
// finished one meanwhile (rankPending()). Overrides (a decision) are mirrored into the pool at
// once (decisionsChanged: the row shows them) and re-rank in the same lane, superseding any
// pending re-rank; a header click re-orders at once. So an older result never overwrites a
// newer state.
#include "db/ranking.h"
#include "ui/browser/rank_order.h"

#include <QObject>
#include <QString>

#include <memory>
#include <vector>

namespace gateau::ui {

class RankingSession : public QObject {
    Q_OBJECT
public:
    explicit RankingSession(QObject* parent = nullptr);
    ~RankingSession() override;

    void setProject(const QString& path);  // forgets the run
    QString projectPath() const { return project_; }
    // Loads the run's raw values off the GUI thread; loaded() follows (or failed()).
    void loadRun(qint64 runId);
    void reload() { loadRun(runId_); }
    qint64 runId() const { return runId_; }
    bool hasRun() const { return runId_ > 0 && inputs_ != nullptr; }

    double alpha() const { return alpha_; }  // the newest asked for; ranking().alpha the one shown
    const scoring::Selection& selection() const { return selection_; }
    void setAlpha(double alpha);
    void setSelection(const scoring::Selection& selection);  // its overrides are ignored: the project's apply
    bool rankPending() const;  // a re-rank for a newer alpha or cut is running or waiting

    // The table's row order: a RankedTableModel column and direction (ties by sample id).
    void setSort(int column, Qt::SortOrder order);
    int sortColumn() const { return sortColumn_; }
    Qt::SortOrder sortOrder() const { return sortOrder_; }
    int inputAt(int tableRow) const { return view_->order[size_t(tableRow)]; }
    int rowOfInput(int inputIndex) const { return view_->rowOfOrder[size_t(inputIndex)]; }

    // Mirrors overrides already written to the project (OverrideCommand does the write) into
    // inputs() at once; one re-rank for the whole batch, on the runner (rankPending()).
    struct Override {
        qint64 sampleId;
        db::Decision decision;
        std::string note;
        db::Annotations annotations;
        db::TeamVotes team;
    };
    void setDecisions(const std::vector<Override>& overrides);

    const db::RankInputs& inputs() const { return *inputs_; }
    const db::Ranking& ranking() const { return view_->ranking; }
    // For work off the GUI thread: the pool and the ranking shown, never written once shared
    // (a later change replaces or copies them). Null inputs without a run.
    std::shared_ptr<const db::RankInputs> sharedInputs() const { return inputs_; }
    std::shared_ptr<const RankedView> sharedView() const { return view_; }
    int indexOf(qint64 sampleId) const;                  // into inputs().samples, -1 if absent
    const db::RankedRow& rankedRow(int inputIndex) const;  // rank, scores, selected
    std::vector<int64_t> selectedIds() const;              // rank order

signals:
    void loaded();                // a new pool (row count may change)
    void aboutToChangeRanking();  // the old ranking and order are still readable
    void rankingChanged();        // same pool, new ranks / selection / order
    // inputs() is about to get / has new overrides (shown at once: a filter on decisions
    // re-applies); their re-rank is pending.
    void aboutToChangeDecisions();
    void decisionsChanged();
    void failed(QString message);

private:
    void rerank(bool emitChanged);  // now, on the GUI thread
    void rerankLater();             // on the runner
    void apply(RankedView view, bool emitChanged);
    void clearPool();

    QString project_;
    qint64 runId_ = 0;
    // Shared with a running re-rank: written only after a copy when shared (setDecisions).
    std::shared_ptr<db::RankInputs> inputs_;
    std::shared_ptr<RankedView> view_ = std::make_shared<RankedView>();  // never null
    int sortColumn_ = 0;  // RankedTableModel::ColRank
    Qt::SortOrder sortOrder_ = Qt::AscendingOrder;
    double alpha_ = 0.7;
    scoring::Selection selection_ = scoring::Selection::topPercent(10.0);
};

}  // namespace gateau::ui
