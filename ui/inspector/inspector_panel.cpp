// InspectorPanel, part 1: layout, loading a sample, evidence. Token-level attention:
// inspector_token_attention.cpp; painting: inspector_paint.cpp.
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
#include <QToolButton>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
namespace gateau::ui {

using namespace inspector_detail;

InspectorPanel::InspectorPanel(QWidget* parent)
    : QWidget(parent),
      work_(std::make_shared<WorkState>()) {
    buildUi();
    clear();
}

InspectorPanel::~InspectorPanel() {
    // A forward pass in flight stops at its next progress call; the runner reports nothing
    // to a destroyed owner, and the work state lives until the task ends.
    TaskRunner::instance().drop(this, kLoadLane);
    TaskRunner::instance().drop(this, kAttentionLane);
}

int InspectorPanel::engineLoads() const { return work_->engineLoads.load(); }
int InspectorPanel::forwardPasses() const { return work_->forwardPasses.load(); }

// ---------------------------------------------------------------------------------------------
// Layout

void InspectorPanel::buildUi() {
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(4, 4, 4, 4);
    root->setSpacing(4);

    summary_ = new QLabel(this);
    summary_->setTextFormat(Qt::RichText);
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summary_->setToolTip(QStringList{glossary::pplA(), glossary::pplB(), glossary::ifd(), glossary::cas()}.join(QStringLiteral("\n\n")));
    root->addWidget(summary_);

    message_ = new QLabel(this);
    message_->setWordWrap(true);
    message_->setStyleSheet(QStringLiteral(
        "QLabel { background: #fff4d6; color: #5a4300; border: 1px solid #e6c36a; border-radius: 3px; padding: 3px 6px; }"));
    message_->setVisible(false);
    root->addWidget(message_);

    pages_ = new QStackedWidget(this);
    root->addWidget(pages_, 1);

    // Page 0: nothing selected.
    emptyLabel_ = new QLabel(tr("Select a sample to inspect it."), pages_);
    emptyLabel_->setAlignment(Qt::AlignCenter);
    emptyLabel_->setWordWrap(true);
    pages_->addWidget(emptyLabel_);

    // Page 1: just the conversation (no run, or no score row).
    {
        auto* page = new QWidget(pages_);
        auto* l = new QVBoxLayout(page);
        l->setContentsMargins(0, 0, 0, 0);
        conversationMessage_ = new QLabel(page);
        conversationMessage_->setWordWrap(true);
        conversationMessage_->setStyleSheet(QStringLiteral("QLabel { padding: 4px; font-weight: bold; }"));
        conversationOnly_ = new ConversationView(page);
        l->addWidget(conversationMessage_);
        l->addWidget(conversationOnly_, 1);
        pages_->addWidget(page);
    }

    // Page 2: the inspector.
    mainSplit_ = new QSplitter(Qt::Horizontal, pages_);
    pages_->addWidget(mainSplit_);

    auto* leftSplit = new QSplitter(Qt::Vertical, mainSplit_);

    // Context: header, heatmap + minimap, legend.
    {
        auto* box = new QWidget(leftSplit);
        auto* l = new QVBoxLayout(box);
        l->setContentsMargins(0, 0, 0, 0);
        l->setSpacing(3);
        contextTitle_ = new QLabel(box);
        contextTitle_->setTextFormat(Qt::RichText);
        contextTitle_->setWordWrap(true);
        l->addWidget(contextTitle_);
        auto* header = new QHBoxLayout;
        header->addStretch(1);
        progressLabel_ = new QLabel(box);
        // Wraps instead of widening the inspector (and with it the window) while it shows.
        progressLabel_->setWordWrap(true);
        progressLabel_->setVisible(false);
        header->addWidget(progressLabel_);
        cancelButton_ = new QPushButton(tr("Cancel"), box);
        cancelButton_->setVisible(false);
        header->addWidget(cancelButton_);
        meanButton_ = new QPushButton(tr("Mean of response"), box);
        meanButton_->setToolTip(tr("Show the attention of all response tokens (averaged) again"));
        header->addWidget(meanButton_);
        tokenLevelButton_ = new QPushButton(tr("Token-level attention"), box);
        tokenLevelButton_->setToolTip(
            tr("Compute the attention on each context token with model B (then automatic for every "
               "token you click in this sample); results are cached in the project"));
        header->addWidget(tokenLevelButton_);
        scaleCombo_ = new QComboBox(box);
        scaleCombo_->addItem(tr("log scale"));
        scaleCombo_->addItem(tr("gamma 0.5"));
        scaleCombo_->addItem(tr("linear"));
        scaleCombo_->addItem(tr("sample range"));
        scaleCombo_->setItemData(kScaleRange, tr("Linear from this sample's lowest to its highest value: shows which tokens "
                                                 "are above or below the rest when attention is almost uniform"),
                                 Qt::ToolTipRole);
        scaleCombo_->setToolTip(tr("Colour scale of the context heatmap"));
        header->addWidget(scaleCombo_);
        sharedScale_ = new QToolButton(box);
        sharedScale_->setText(tr("Shared"));
        sharedScale_->setCheckable(true);
        sharedScale_->setToolTip(tr("Keep the current sample's colour scale for every sample, so colours compare "
                                    "across samples (off: each sample its own range)"));
        header->addWidget(sharedScale_);
        l->addLayout(header);

        contextStack_ = new QStackedWidget(box);
        auto* viewRow = new QWidget(contextStack_);
        auto* h = new QHBoxLayout(viewRow);
        h->setContentsMargins(0, 0, 0, 0);
        h->setSpacing(4);
        contextView_ = new TokenHeatmapView(viewRow);
        minimap_ = new SegmentMinimap(viewRow);
        minimap_->setColumnTitles(tr("A"), tr("I"));
        minimap_->setToolTip(tr("Segments: attention A_k (left) and importance I_k (right); click to jump"));
        h->addWidget(contextView_, 1);
        h->addWidget(minimap_);
        contextStack_->addWidget(viewRow);
        contextMissing_ = new QLabel(contextStack_);
        contextMissing_->setAlignment(Qt::AlignCenter);
        contextMissing_->setWordWrap(true);
        contextStack_->addWidget(contextMissing_);
        l->addWidget(contextStack_, 1);

        contextLegend_ = new ColorLegend(box);
        l->addWidget(contextLegend_);
    }

    // Response: instruction, heatmap, legend.
    {
        auto* box = new QWidget(leftSplit);
        auto* l = new QVBoxLayout(box);
        l->setContentsMargins(0, 0, 0, 0);
        l->setSpacing(3);
        auto* title = new QLabel(
            tr("<b>Response</b>: log p<sub>B</sub> − log p<sub>A</sub> per token "
               "(<span style='color:#b2182b'>red</span>: the long-context model B finds it easier, "
               "<span style='color:#2166ac'>blue</span>: model A does). Click a token to see where it looks."),
            box);
        title->setWordWrap(true);
        l->addWidget(title);
        instructionLabel_ = new QLabel(box);
        instructionLabel_->setWordWrap(true);
        instructionLabel_->setTextFormat(Qt::PlainText);
        instructionLabel_->setStyleSheet(QStringLiteral("QLabel { color: palette(dark); font-style: italic; }"));
        l->addWidget(instructionLabel_);
        responseView_ = new TokenHeatmapView(box);
        l->addWidget(responseView_, 1);
        responseLegend_ = new ColorLegend(box);
        responseLegend_->setTitle(tr("log p_B − log p_A (nats)"));
        l->addWidget(responseLegend_);
    }
    leftSplit->setStretchFactor(0, 3);
    leftSplit->setStretchFactor(1, 1);

    auto* rightSplit = new QSplitter(Qt::Vertical, mainSplit_);
    profiles_ = new QCustomPlot(rightSplit);
    // An explicit minimum: QCustomPlot's own hint grows with its legend (the clicked token's
    // profile adds an entry), which widened the whole window.
    profiles_->setMinimumSize(160, 180);
    profiles_->setAntialiasedElements(QCP::aePlottables);
    profiles_->plotLayout()->insertRow(0);
    profiles_->plotLayout()->addElement(0, 0, new QCPTextElement(profiles_, QString(), QFont(font().family(), 9, QFont::Bold)));
    profiles_->xAxis->setLabel(tr("segment"));
    profiles_->yAxis->setLabel(tr("share"));
    profiles_->legend->setVisible(true);
    profiles_->legend->setFont(QFont(font().family(), 8));
    {
        // The legend in its own row below the axes, laid out horizontally: it never hides data.
        QCPLegend* legend = profiles_->legend;
        profiles_->axisRect()->insetLayout()->take(legend);
        profiles_->plotLayout()->addElement(2, 0, legend);
        profiles_->plotLayout()->setRowStretchFactor(2, 0.001);
        legend->setWrap(1);  // one entry per line: the panel can be narrow
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
        legend->setBorderPen(Qt::NoPen);
        legend->setMargins(QMargins(4, 0, 4, 2));
    }
    profiles_->setToolTip(tr("Click to jump to a segment"));

    rightTabs_ = new QTabWidget(rightSplit);
    matrix_ = new MatrixHeatmap(rightTabs_);
    matrix_->setLegendTitle(tr("attention mass"));
    matrix_->setToolTip(QString());
    rightTabs_->addTab(matrix_, tr("Layers × segments"));
    conversation_ = new ConversationView(rightTabs_);
    rightTabs_->addTab(conversation_, tr("Conversation"));
    rightSplit->setStretchFactor(0, 1);
    rightSplit->setStretchFactor(1, 1);

    mainSplit_->setStretchFactor(0, 3);
    mainSplit_->setStretchFactor(1, 2);

    // Wiring.
    connect(responseView_, &TokenHeatmapView::tokenClicked, this, &InspectorPanel::focusResponseToken);
    connect(meanButton_, &QPushButton::clicked, this, &InspectorPanel::showMeanOfResponse);
    connect(tokenLevelButton_, &QPushButton::clicked, this, &InspectorPanel::requestTokenAttention);
    connect(cancelButton_, &QPushButton::clicked, this, &InspectorPanel::cancelTokenAttention);
    // A new kind of scale, or sharing turned on or off, starts from the sample in view.
    auto rescale = [this] {
        for (auto& held : heldScale_) held.reset();
        paintContext();
    };
    connect(scaleCombo_, &QComboBox::currentIndexChanged, this, rescale);
    connect(sharedScale_, &QToolButton::toggled, this, rescale);
    connect(minimap_, &SegmentMinimap::segmentClicked, this, &InspectorPanel::jumpToSegment);
    connect(matrix_, &MatrixHeatmap::cellClicked, this, [this](int, int col) { jumpToSegment(col); });
    connect(contextView_, &TokenHeatmapView::visibleTokensChanged, this, &InspectorPanel::syncMinimapToView);
    markEvidence_ = new QAction(tr("Mark Selection as &Evidence"), this);
    markEvidence_->setShortcut(QKeySequence(Qt::Key_E));
    markEvidence_->setShortcutContext(Qt::WindowShortcut);
    markEvidence_->setToolTip(tr("The context tokens selected in the inspector (drag, or Shift+click) become the "
                                 "evidence for the response"));
    connect(markEvidence_, &QAction::triggered, this, &InspectorPanel::markSpanAsEvidence);
    removeEvidence_ = new QAction(tr("Remove E&vidence"), this);
    connect(removeEvidence_, &QAction::triggered, this, [this] {
        if (data_ && evidenceSample_ == sampleId_ && evidenceStart_ >= 0) emit evidenceEdited(sampleId_, -1, -1);
    });
    addAction(markEvidence_);
    contextView_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(contextView_, &QWidget::customContextMenuRequested, this, [this](const QPoint& at) {
        QMenu menu(contextView_);
        menu.addAction(markEvidence_);
        menu.addAction(removeEvidence_);
        markEvidence_->setEnabled(contextView_->span().first >= 0);
        removeEvidence_->setEnabled(evidenceSample_ == sampleId_ && evidenceStart_ >= 0);
        menu.exec(contextView_->mapToGlobal(at));
        markEvidence_->setEnabled(true);
        removeEvidence_->setEnabled(true);
    });
    connect(contextView_, &TokenHeatmapView::tokenClicked, this, [this](int index) {
        if (!data_) return;
        const int k = data_->segmentOfPosition(data_->contextBegin + index);
        if (k >= 0) matrix_->setSelectedColumn(k);
    });
    connect(profiles_, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (!data_ || data_->segmentCount() == 0) return;
        const double x = profiles_->xAxis->pixelToCoord(e->position().x());
        jumpToSegment(int(std::lround(std::clamp(x, 0.0, double(data_->segmentCount() - 1)))));
    });
}

// ---------------------------------------------------------------------------------------------
// Requests

void InspectorPanel::setProject(const QString& projectPath) {
    projectPath_ = projectPath;  // first: clear() words its message by it
    clear();
    // The next run may use other models: free model B (and the worker's connection). A
    // request for token-level attention that supersedes this does not need it: the computer
    // loads the model its request names.
    auto work = work_;
    TaskRunner::instance().run<int>(
        this, kAttentionLane,
        [work](const CancelToken&) {
            work->computer.release();
            return 0;
        },
        {}, LaneMode::Serial);
}

void InspectorPanel::clear() {
    TaskRunner::instance().drop(this, kLoadLane);
    TaskRunner::instance().drop(this, kAttentionLane);
    runId_ = sampleId_ = 0;
    data_.reset();
    focus_ = -1;
    tokenLevelRequested_ = tokenLevelShown_ = attnInFlight_ = false;
    tokenRows_.clear();
    progressLabel_->setVisible(false);
    contextView_->clear();
    responseView_->clear();
    minimap_->setData({}, ColorScale(), {}, ColorScale());
    matrix_->setMatrix(0, 0, {});
    profiles_->clearGraphs();
    profiles_->replot();
    summary_->clear();
    summary_->setVisible(false);
    setMessage({});
    emptyLabel_->setText(projectPath_.isEmpty() ? tr("No project is open.") : tr("Select a sample to inspect it."));
    pages_->setCurrentIndex(0);
    updateTokenLevelControls();
}

void InspectorPanel::showSample(int64_t runId, int64_t sampleId) {
    TaskRunner::instance().drop(this, kAttentionLane);  // token-level work for the previous sample stops
    attnInFlight_ = false;
    tokenRows_.clear();
    tokenLevelRequested_ = tokenLevelShown_ = false;
    focus_ = -1;
    runId_ = runId;
    sampleId_ = sampleId;
    progressLabel_->setVisible(false);
    updateTokenLevelControls();
    if (projectPath_.isEmpty()) {
        data_.reset();
        emptyLabel_->setText(tr("No project is open."));
        pages_->setCurrentIndex(0);
        return;
    }
    emit statusMessage(tr("Loading sample %1…").arg(sampleId));
    const std::string path = projectPath_.toStdString();
    auto work = work_;
    // Only the newest request matters: the lane's newer task supersedes this one.
    TaskRunner::instance().run<std::shared_ptr<InspectorData>>(
        this, kLoadLane,
        [work, path, runId, sampleId](const CancelToken&) {
            auto data = std::make_shared<InspectorData>();
            try {
                if (!work->store || work->store->path() != path) {
                    work->store.reset();
                    work->store = std::make_unique<db::ProjectStore>(db::ProjectStore::open(path, false));
                }
                *data = loadInspectorData(*work->store, runId, sampleId, &work->tokenizers);
            } catch (const std::exception& e) {
                work->store.reset();
                data->runId = runId;
                data->sampleId = sampleId;
                data->error = std::string("Cannot open the project: ") + e.what();
            }
            return data;
        },
        [this](TaskResult<std::shared_ptr<InspectorData>>& r) {
            if (r.status == TaskStatus::Finished) onLoaded(std::move(r.value));
        },
        LaneMode::Serial);
}

void InspectorPanel::onLoaded(std::shared_ptr<InspectorData> data) {
    data_ = std::move(data);
    paintAll();
    emit statusMessage(tr("Sample %1 loaded in %2 ms").arg(data_->sampleId).arg(data_->loadSeconds * 1000, 0, 'f', 0));
    emit loaded(data_->sampleId);
}

void InspectorPanel::jumpToSegment(int segment) {
    if (!data_ || segment < 0 || segment >= int(data_->segments.size())) {
        if (data_ && segment >= 0 && segment < data_->segmentCount()) matrix_->setSelectedColumn(segment);
        return;
    }
    matrix_->setSelectedColumn(segment);
    contextView_->scrollToToken(int(data_->segments[size_t(segment)].first - data_->contextBegin));
}

void InspectorPanel::syncMinimapToView(int first, int last) {
    if (!data_ || !data_->hasTokens || first < 0) {
        minimap_->setVisibleSegments(-1, -1);
        return;
    }
    const int a = data_->segmentOfPosition(data_->contextBegin + first);
    const int b = data_->segmentOfPosition(data_->contextBegin + last);
    minimap_->setVisibleSegments(a, b < 0 ? a : b);
}

QString InspectorPanel::message() const {
    if (pages_->currentIndex() == 1) return conversationMessage_->text();
    return message_->isVisible() ? message_->text() : QString();
}

bool InspectorPanel::showsConversationOnly() const { return pages_->currentIndex() == 1; }

void InspectorPanel::setMessage(const QString& text) {
    message_->setText(text);
    message_->setVisible(!text.isEmpty());
}

QList<QAction*> InspectorPanel::evidenceActions() const { return {markEvidence_, removeEvidence_}; }

void InspectorPanel::setEvidence(qint64 sampleId, qint64 start, qint64 end) {
    evidenceSample_ = sampleId;
    evidenceStart_ = start;
    evidenceEnd_ = end;
    applyEvidence();
}

void InspectorPanel::applyEvidence() {
    if (!data_ || data_->sampleId != evidenceSample_ || evidenceStart_ < 0) return contextView_->setEvidence(-1, -1);
    const auto [first, end] = data_->tokensOfBytes(evidenceStart_, evidenceEnd_);
    contextView_->setEvidence(first, end);
}

void InspectorPanel::markSpanAsEvidence() {
    if (!data_ || data_->contextBytes.empty()) {
        emit statusMessage(tr("No context tokens to mark: evidence needs the context heatmap"));
        return;
    }
    const auto [first, last] = contextView_->span();
    const auto [start, end] = data_->bytesOfTokens(first, last);
    if (start < 0) {
        emit statusMessage(tr("Select context tokens first: drag over them, or click one and Shift+click another"));
        return;
    }
    emit evidenceEdited(sampleId_, start, end);
}

}  // namespace gateau::ui
