#pragma once
// The ranked pool of one run, shared by the browser table, the plots and the export dialog.
// Raw values are loaded once per run on a worker thread; alpha, the cut and overrides
// re-rank in memory (METHOD.md: normalisation happens at ranking time).
#include "db/ranking.h"

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

    double alpha() const { return alpha_; }
    const scoring::Selection& selection() const { return selection_; }
    void setAlpha(double alpha);
    void setSelection(const scoring::Selection& selection);  // its overrides are ignored: the project's apply

    // Mirrors overrides already written to the project (OverrideCommand does the write);
    // one re-rank for the whole batch.
    struct Override {
        qint64 sampleId;
        db::Decision decision;
        std::string note;
        db::Annotations annotations;
        db::TeamVotes team;
    };
    void setDecisions(const std::vector<Override>& overrides);

    const db::RankInputs& inputs() const { return *inputs_; }
    const db::Ranking& ranking() const { return ranking_; }
    int indexOf(qint64 sampleId) const;                  // into inputs().samples, -1 if absent
    const db::RankedRow& rankedRow(int inputIndex) const;  // rank, scores, selected
    std::vector<int64_t> selectedIds() const;              // rank order

signals:
    void loaded();          // a new pool (row count may change)
    void rankingChanged();  // same pool, new ranks / selection
    void failed(QString message);

private:
    void rerank(bool emitChanged);

    QString project_;
    qint64 runId_ = 0;
    std::shared_ptr<db::RankInputs> inputs_;
    db::Ranking ranking_;
    std::vector<int> rowOfInput_;  // input index -> ranking_.rows index
    double alpha_ = 0.7;
    scoring::Selection selection_ = scoring::Selection::topPercent(10.0);
};

}  // namespace gateau::ui
