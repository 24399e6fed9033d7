// InspectorPanel, part 2: token-level attention of one response token on demand (a forward
// pass on the serial worker, cancellable, its progress in the panel). Layout and loading:
// inspector_panel.cpp; painting: inspector_paint.cpp.
#include "ui/inspector/inspector_panel.h"

#include "db/token_attention.h"
#include "ui/glossary.h"
#include "ui/inspector/inspector_helpers.h"
#include "ui/inspector/conversation_view.h"
#include "ui/heatmap/color_scale.h"
#include "ui/heatmap/matrix_heatmap.h"
#include "ui/heatmap/segment_minimap.h"
#include "ui/heatmap/token_heatmap_view.h"
#include "ui/inspector/inspector_work_state.h"
#include "ui/tasks/task_runner.h"
#include "ui/inspector/token_attention_worker.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QAction>
#include <QLabel>
#include <QMenu>
#include <QMetaObject>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
namespace gateau::ui {

using namespace inspector_detail;

void InspectorPanel::focusResponseToken(int t) {
    if (!data_ || !data_->hasArrays) return;
    if (t >= data_->responseTokenCount()) t = -1;
    if (t < -1) t = -1;
    focus_ = t;
    responseView_->setSelectedToken(t);
    paintContext();
    paintProfiles();
    updateTokenLevelControls();
    if (tokenLevelRequested_) startTokenAttention();
}

void InspectorPanel::requestTokenAttention() {
    if (!data_ || !data_->hasTokens || data_->contextTokenCount() == 0) return;
    tokenLevelRequested_ = true;
    startTokenAttention();
}

void InspectorPanel::cancelTokenAttention() {
    if (!attnInFlight_) return;
    TaskRunner::instance().drop(this, kAttentionLane);  // the forward pass stops at its next progress call
    attnInFlight_ = false;
    tokenLevelRequested_ = false;  // no automatic restarts until asked again
    progressLabel_->setText(tr("Token-level attention cancelled"));
    progressLabel_->setVisible(true);
    updateTokenLevelControls();
    emit statusMessage(tr("Token-level attention cancelled"));
}

int64_t InspectorPanel::focusQueryPosition() const {
    if (!data_) return db::kMeanOfResponse;
    return focus_ < 0 ? db::kMeanOfResponse : data_->spanFrom + focus_;
}

void InspectorPanel::startTokenAttention() {
    if (!data_ || !data_->hasTokens) return;
    const int64_t query = focusQueryPosition();
    if (tokenRows_.count(query)) {
        paintContext();
        return;
    }
    if (attnInFlight_ && attnQuery_ == query) return;  // already on its way
    attnInFlight_ = true;
    attnQuery_ = query;

    TokenAttentionRequest req;
    req.projectPath = projectPath_.toStdString();
    req.runId = data_->runId;
    req.sampleId = data_->sampleId;
    req.modelB = data_->modelB;
    req.dtype = data_->dtype;
    req.ids = data_->ids;
    req.spanFrom = data_->spanFrom;
    req.queryPosition = query;

    progressLabel_->setText(tr("Token-level attention: starting…"));
    progressLabel_->setVisible(true);
    updateTokenLevelControls();

    // Supersedes a computation for another token (the lane's task before is cancelled).
    auto work = work_;
    TaskRunner::instance().run<std::shared_ptr<TokenAttentionResult>>(
        this, kAttentionLane,
        [work, req = std::move(req)](const CancelToken& token) {
            auto progress = [&token](int64_t done, int64_t total) {
                if (token.cancelled()) return false;
                token.progress(done, total);
                return true;
            };
            auto result = std::make_shared<TokenAttentionResult>(work->computer.compute(req, progress));
            work->engineLoads.store(work->computer.engineLoads());
            work->forwardPasses.store(work->computer.forwardPasses());
            return result;
        },
        [this](TaskResult<std::shared_ptr<TokenAttentionResult>>& r) {
            if (r.status == TaskStatus::Finished) return onTokenAttention(std::move(r.value));
            attnInFlight_ = false;  // compute() reports its own errors; this is an exception
            tokenLevelRequested_ = false;
            progressLabel_->setVisible(false);
            if (r.status == TaskStatus::Failed) setMessage(r.error);
            updateTokenLevelControls();
        },
        LaneMode::Serial, [this](qint64 done, qint64 total) { onTokenAttentionProgress(done, total); });
}

void InspectorPanel::onTokenAttentionProgress(int64_t done, int64_t total) {
    if (!attnInFlight_) return;
    const int pct = total > 0 ? int(100 * done / total) : 0;
    progressLabel_->setText(tr("Token-level attention: %1%").arg(pct));
}

void InspectorPanel::onTokenAttention(std::shared_ptr<TokenAttentionResult> r) {
    attnInFlight_ = false;
    if (!data_ || r->sampleId != data_->sampleId || r->runId != data_->runId) return;
    if (r->cancelled) {
        progressLabel_->setText(tr("Token-level attention cancelled"));
        updateTokenLevelControls();
        return;
    }
    if (!r->error.empty()) {
        tokenLevelRequested_ = false;
        progressLabel_->setVisible(false);
        setMessage(qs(r->error));
        updateTokenLevelControls();
        emit tokenAttentionFailed(r->sampleId, qs(r->error));
        return;
    }
    if (r->fromCache) ++cacheHits_;
    progressLabel_->setText(r->fromCache ? tr("Token-level attention: from the project's cache")
                                         : tr("Token-level attention: computed in %1 s").arg(r->seconds, 0, 'f', 2));
    progressLabel_->setVisible(true);
    tokenRows_[r->queryPosition] = std::move(r->attention);
    paintContext();
    updateTokenLevelControls();
    emit tokenAttentionShown(r->sampleId, r->queryPosition);
    // The focus may have moved on while this one was computed.
    if (tokenLevelRequested_ && !tokenRows_.count(focusQueryPosition())) startTokenAttention();
}

void InspectorPanel::updateTokenLevelControls() {
    const bool usable = data_ && data_->hasTokens && data_->contextTokenCount() > 0;
    tokenLevelButton_->setEnabled(usable && !attnInFlight_);
    cancelButton_->setVisible(attnInFlight_);
    meanButton_->setEnabled(data_ && data_->hasArrays && focus_ >= 0);
}

}  // namespace gateau::ui
