#include "ui/browser/ranking_session.h"

#include "ui/tasks/task_runner.h"

#include <algorithm>

namespace gateau::ui {

namespace {
const QString kLoadLane = QStringLiteral("load-run");
const QString kRankLane = QStringLiteral("rank");
}

RankingSession::RankingSession(QObject* parent) : QObject(parent) {}
RankingSession::~RankingSession() = default;  // the runner drops a destroyed owner's results

void RankingSession::clearPool() {
    TaskRunner::instance().drop(this, kLoadLane);
    TaskRunner::instance().drop(this, kRankLane);
    inputs_.reset();
    view_ = std::make_shared<RankedView>();
}

void RankingSession::setProject(const QString& path) {
    clearPool();
    project_ = path;
    runId_ = 0;
    emit loaded();
}

void RankingSession::loadRun(qint64 runId) {
    runId_ = runId;
    if (runId <= 0 || project_.isEmpty()) {
        clearPool();
        emit loaded();
        return;
    }
    const std::string path = project_.toStdString();
    TaskRunner::instance().run<std::shared_ptr<db::RankInputs>>(
        this, kLoadLane,
        [path, runId](const CancelToken&) {
            auto store = db::ProjectStore::openReadOnly(path);
            return std::make_shared<db::RankInputs>(db::loadRankInputs(store, runId));
        },
        [this](TaskResult<std::shared_ptr<db::RankInputs>>& r) {
            if (r.status == TaskStatus::Failed) return emit failed(r.error);
            if (r.status != TaskStatus::Finished) return;
            TaskRunner::instance().drop(this, kRankLane);  // for the pool before
            inputs_ = std::move(r.value);
            rerank(false);
            emit loaded();
        });
}

void RankingSession::setAlpha(double alpha) {
    alpha_ = std::clamp(alpha, 0.0, 1.0);
    rerankLater();
}

void RankingSession::setSelection(const scoring::Selection& selection) {
    selection_ = selection;
    selection_.overrides.clear();
    rerankLater();
}

void RankingSession::setDecisions(const std::vector<Override>& overrides) {
    bool changed = false;
    for (const Override& o : overrides) {
        const int i = indexOf(o.sampleId);
        if (i < 0) continue;
        if (!changed) {
            emit aboutToChangeDecisions();
            // A running re-rank reads the pool: write a copy (it is superseded by the re-rank below).
            if (inputs_.use_count() > 1) inputs_ = std::make_shared<db::RankInputs>(*inputs_);
        }
        inputs_->samples[size_t(i)].decision = o.decision;
        inputs_->samples[size_t(i)].note = o.note;
        inputs_->samples[size_t(i)].annotations = o.annotations;
        inputs_->samples[size_t(i)].team = o.team;
        changed = true;
    }
    if (!changed) return;
    emit decisionsChanged();
    rerankLater();
}

int RankingSession::indexOf(qint64 sampleId) const {
    if (!inputs_) return -1;
    // loadRankInputs returns the samples in sample id order.
    const auto& v = inputs_->samples;
    auto it = std::lower_bound(v.begin(), v.end(), sampleId,
                               [](const db::RankInput& s, qint64 id) { return s.sampleId < id; });
    return it != v.end() && it->sampleId == sampleId ? int(it - v.begin()) : -1;
}

const db::RankedRow& RankingSession::rankedRow(int inputIndex) const {
    return view_->ranking.rows[size_t(view_->rowOfInput[size_t(inputIndex)])];
}

std::vector<int64_t> RankingSession::selectedIds() const {
    std::vector<int64_t> out;
    if (!inputs_) return out;
    for (const auto& r : view_->ranking.rows)
        if (r.selected) out.push_back(inputs_->samples[r.input].sampleId);
    return out;
}

bool RankingSession::rankPending() const { return TaskRunner::instance().busy(const_cast<RankingSession*>(this), kRankLane); }

void RankingSession::rerank(bool emitChanged) {
    if (!inputs_) return;
    TaskRunner::instance().drop(this, kRankLane);  // this state is newer than any pending result
    try {
        apply(rankAndOrder(*inputs_, alpha_, selection_, sortColumn_, sortOrder_), emitChanged);
    } catch (const std::exception& e) {
        emit failed(QString::fromStdString(e.what()));
    }
}

void RankingSession::rerankLater() {
    if (!inputs_) return;
    auto inputs = inputs_;  // shared, never written while shared (setDecisions copies)
    const double alpha = alpha_;
    const scoring::Selection selection = selection_;
    const int column = sortColumn_;
    const Qt::SortOrder order = sortOrder_;
    TaskRunner::instance().run<std::shared_ptr<RankedView>>(
        this, kRankLane,
        [inputs, alpha, selection, column, order](const CancelToken&) {
            return std::make_shared<RankedView>(rankAndOrder(*inputs, alpha, selection, column, order));
        },
        [this](TaskResult<std::shared_ptr<RankedView>>& r) {
            // Only the lane's newest task reports, and a synchronous re-rank or a new pool drops
            // the lane, so this result is for the current pool, alpha, cut and sort.
            if (r.status == TaskStatus::Failed) return emit failed(r.error);
            if (r.status == TaskStatus::Finished) apply(std::move(*r.value), true);
        },
        LaneMode::Serial);
}

void RankingSession::apply(RankedView view, bool emitChanged) {
    if (emitChanged) emit aboutToChangeRanking();
    view_ = std::make_shared<RankedView>(std::move(view));
    if (emitChanged) emit rankingChanged();
}

void RankingSession::setSort(int column, Qt::SortOrder order) {
    sortColumn_ = column;
    sortOrder_ = order;
    if (!inputs_) return;
    const bool pending = rankPending();
    TaskRunner::instance().drop(this, kRankLane);  // its order is for the old column
    emit aboutToChangeRanking();
    // Work off the GUI thread may read the shown view: re-order a copy then.
    if (view_.use_count() > 1) view_ = std::make_shared<RankedView>(*view_);
    orderView(*inputs_, *view_, column, order);
    emit rankingChanged();
    if (pending) rerankLater();
}

}  // namespace gateau::ui
