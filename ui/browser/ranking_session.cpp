#include "ui/browser/ranking_session.h"

#include "ui/tasks/task_runner.h"

#include <algorithm>

namespace gateau::ui {

namespace {
const QString kLoadLane = QStringLiteral("load-run");
}

RankingSession::RankingSession(QObject* parent) : QObject(parent) {}
RankingSession::~RankingSession() = default;  // the runner drops a destroyed owner's results

void RankingSession::setProject(const QString& path) {
    TaskRunner::instance().drop(this, kLoadLane);
    project_ = path;
    runId_ = 0;
    inputs_.reset();
    ranking_ = {};
    rowOfInput_.clear();
    emit loaded();
}

void RankingSession::loadRun(qint64 runId) {
    runId_ = runId;
    if (runId <= 0 || project_.isEmpty()) {
        TaskRunner::instance().drop(this, kLoadLane);
        inputs_.reset();
        ranking_ = {};
        rowOfInput_.clear();
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
            inputs_ = std::move(r.value);
            rerank(false);
            emit loaded();
        });
}

void RankingSession::setAlpha(double alpha) {
    alpha_ = std::clamp(alpha, 0.0, 1.0);
    rerank(true);
}

void RankingSession::setSelection(const scoring::Selection& selection) {
    selection_ = selection;
    selection_.overrides.clear();
    rerank(true);
}

void RankingSession::setDecisions(const std::vector<Override>& overrides) {
    bool changed = false;
    for (const Override& o : overrides) {
        const int i = indexOf(o.sampleId);
        if (i < 0) continue;
        inputs_->samples[size_t(i)].decision = o.decision;
        inputs_->samples[size_t(i)].note = o.note;
        inputs_->samples[size_t(i)].annotations = o.annotations;
        inputs_->samples[size_t(i)].team = o.team;
        changed = true;
    }
    if (changed) rerank(true);
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
    return ranking_.rows[size_t(rowOfInput_[size_t(inputIndex)])];
}

std::vector<int64_t> RankingSession::selectedIds() const {
    std::vector<int64_t> out;
    if (!inputs_) return out;
    for (const auto& r : ranking_.rows)
        if (r.selected) out.push_back(inputs_->samples[r.input].sampleId);
    return out;
}

void RankingSession::rerank(bool emitChanged) {
    if (!inputs_) return;
    try {
        ranking_ = db::rankPool(*inputs_, alpha_, selection_);
    } catch (const std::exception& e) {
        emit failed(QString::fromStdString(e.what()));
        return;
    }
    rowOfInput_.assign(inputs_->samples.size(), 0);
    for (size_t r = 0; r < ranking_.rows.size(); ++r) rowOfInput_[ranking_.rows[r].input] = int(r);
    if (emitChanged) emit rankingChanged();
}

}  // namespace gateau::ui
