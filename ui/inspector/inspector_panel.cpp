#include "ui/inspector/inspector_panel.h"

#include "db/token_attention.h"
#include "ui/glossary.h"
#include "ui/inspector/conversation_view.h"
#include "ui/heatmap/color_scale.h"
#include "ui/heatmap/matrix_heatmap.h"
#include "ui/heatmap/segment_minimap.h"
#include "ui/heatmap/token_heatmap_view.h"
#include "ui/inspector/serial_worker.h"
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

namespace {

// Okabe-Ito, as in the score plots.
const QColor kBlue{0x00, 0x72, 0xB2};
const QColor kOrange{0xE6, 0x9F, 0x00};
const QColor kGreen{0x00, 0x9E, 0x73};

enum ScaleChoice { kScaleLog = 0, kScaleGamma = 1, kScaleLinear = 2, kScaleRange = 3 };

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString num(double v, int digits = 4) {
    if (!std::isfinite(v)) return QStringLiteral("–");
    return QString::number(v, 'g', digits);
}

// Token display strings for a heatmap.
std::vector<QString> textsOf(const std::vector<std::string>& texts, size_t from, size_t to) {
    std::vector<QString> out;
    out.reserve(to > from ? to - from : 0);
    for (size_t i = from; i < to && i < texts.size(); ++i) out.push_back(QString::fromStdString(texts[i]));
    return out;
}

float robustPositiveMin(const std::vector<float>& v) {
    float m = std::numeric_limits<float>::infinity();
    for (float x : v)
        if (std::isfinite(x) && x > 0) m = std::min(m, x);
    return m;
}

// Nearest-rank low percentile of the finite values, the bottom of the "sample range" scale
// (the mirror of ColorScale::robustMax at its top: one outlier does not set the range).
float robustMin(const std::vector<float>& values, double percentile) {
    std::vector<float> v;
    for (float x : values)
        if (std::isfinite(x)) v.push_back(x);
    if (v.empty()) return 0.0f;
    const size_t k = size_t(std::clamp(std::ceil(percentile * double(v.size()) - 1e-9) - 1.0, 0.0, double(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
    return v[k];
}

}  // namespace

InspectorPanel::InspectorPanel(QWidget* parent)
    : QWidget(parent),
      tokenizers_(std::make_unique<TokenizerCache>()),
      computer_(std::make_unique<TokenAttentionComputer>()),
      loader_(std::make_unique<SerialWorker>()),
      attnWorker_(std::make_unique<SerialWorker>()) {
    buildUi();
    clear();
}

InspectorPanel::~InspectorPanel() {
    ++loadGen_;
    ++attnGen_;  // a forward pass in flight stops at its next progress call
    loader_.reset();
    attnWorker_.reset();
    // Queued results addressed to this object die with it (QObject removes posted events).
}

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
    connect(scaleCombo_, &QComboBox::currentIndexChanged, this, [this] { paintContext(); });
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
    clear();
    projectPath_ = projectPath;
    // The next run may use other models: free model B (and the worker's connection).
    TokenAttentionComputer* computer = computer_.get();
    attnWorker_->post([computer] { computer->release(); });
}

void InspectorPanel::clear() {
    ++loadGen_;
    ++attnGen_;
    loader_->dropPending();
    attnWorker_->dropPending();
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
    const uint64_t gen = ++loadGen_;
    ++attnGen_;  // token-level work for the previous sample stops
    attnWorker_->dropPending();
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
    loader_->dropPending();  // only the newest request matters
    loader_->post([this, gen, path, runId, sampleId] {
        if (gen != loadGen_.load()) return;
        auto data = std::make_shared<InspectorData>();
        try {
            if (!loaderStore_ || loaderStore_->path() != path) {
                loaderStore_.reset();
                loaderStore_ = std::make_unique<db::ProjectStore>(db::ProjectStore::open(path, false));
            }
            *data = loadInspectorData(*loaderStore_, runId, sampleId, tokenizers_.get());
        } catch (const std::exception& e) {
            loaderStore_.reset();
            data->runId = runId;
            data->sampleId = sampleId;
            data->error = std::string("Cannot open the project: ") + e.what();
        }
        QMetaObject::invokeMethod(this, [this, gen, data] { onLoaded(gen, data); }, Qt::QueuedConnection);
    });
}

void InspectorPanel::onLoaded(uint64_t generation, std::shared_ptr<InspectorData> data) {
    if (generation != loadGen_.load()) return;  // superseded
    data_ = std::move(data);
    paintAll();
    emit statusMessage(tr("Sample %1 loaded in %2 ms").arg(data_->sampleId).arg(data_->loadSeconds * 1000, 0, 'f', 0));
    emit loaded(data_->sampleId);
}

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
    ++attnGen_;
    attnWorker_->dropPending();
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
    const uint64_t gen = ++attnGen_;                   // supersedes a computation for another token
    attnWorker_->dropPending();
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

    TokenAttentionComputer* computer = computer_.get();
    attnWorker_->post([this, gen, computer, req = std::move(req)] {
        if (gen != attnGen_.load()) return;
        auto progress = [this, gen](int64_t done, int64_t total) {
            if (gen != attnGen_.load()) return false;
            QMetaObject::invokeMethod(
                this, [this, gen, done, total] { onTokenAttentionProgress(gen, done, total); }, Qt::QueuedConnection);
            return true;
        };
        auto result = std::make_shared<TokenAttentionResult>(computer->compute(req, progress));
        engineLoads_.store(computer->engineLoads());
        forwardPasses_.store(computer->forwardPasses());
        QMetaObject::invokeMethod(this, [this, gen, result] { onTokenAttention(gen, result); }, Qt::QueuedConnection);
    });
}

void InspectorPanel::onTokenAttentionProgress(uint64_t generation, int64_t done, int64_t total) {
    if (generation != attnGen_.load() || !attnInFlight_) return;
    const int pct = total > 0 ? int(100 * done / total) : 0;
    progressLabel_->setText(tr("Token-level attention: %1%").arg(pct));
}

void InspectorPanel::onTokenAttention(uint64_t generation, std::shared_ptr<TokenAttentionResult> r) {
    if (generation != attnGen_.load()) return;
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

// ---------------------------------------------------------------------------------------------
// Painting

void InspectorPanel::paintAll() {
    const InspectorData& d = *data_;
    const QString title = d.externalId.empty() ? tr("Sample #%1").arg(d.sampleId)
                                               : tr("Sample %1 (#%2)").arg(qs(d.externalId)).arg(d.sampleId);
    QStringList messages;
    for (const auto& m : d.messages) messages << qs(m);

    if (!d.error.empty()) {
        summary_->setVisible(false);
        setMessage({});
        emptyLabel_->setText(qs(d.error));
        pages_->setCurrentIndex(0);
        updateTokenLevelControls();
        return;
    }
    if (!d.hasArrays) {
        // No run, no score row, a failed row or corrupt arrays: the conversation and why.
        summary_->setVisible(false);
        setMessage({});
        QString why;
        if (d.runId <= 0) why = tr("No scoring run selected: showing the conversation only.");
        else why = messages.join(QStringLiteral("\n"));
        conversationMessage_->setText(why);
        conversationOnly_->showConversation(d.conversation, title);
        pages_->setCurrentIndex(1);
        updateTokenLevelControls();
        return;
    }

    pages_->setCurrentIndex(2);
    setMessage(messages.join(QStringLiteral("\n")));
    paintSummary();
    conversation_->showConversation(d.conversation, title);
    QString instruction = qs(d.conversation.instructionText()).simplified();
    if (instruction.size() > 300) instruction = instruction.left(300) + QChar(0x2026);
    instructionLabel_->setText(tr("Instruction: %1").arg(instruction));
    paintResponse();
    paintMatrix();

    // Context tokens (their layout does not change when the values do).
    contextLegend_->setVisible(d.hasTokens && d.contextTokenCount() > 0);
    if (!d.hasTokens) {
        contextView_->clear();
        contextMissing_->setText(tr("Context tokens unavailable: model B's tokenizer is needed to place them "
                                    "(see the message above)."));
        contextStack_->setCurrentIndex(1);
    } else if (d.contextTokenCount() == 0) {
        contextView_->clear();
        contextMissing_->setText(tr("This sample has no long context: nothing to attend to beyond the instruction."));
        contextStack_->setCurrentIndex(1);
    } else {
        contextStack_->setCurrentIndex(0);
        contextView_->setTokens(textsOf(d.tokenTexts, size_t(d.contextBegin), size_t(d.contextEnd)), d.contextValues,
                                contextScale(d.contextValues));
        contextView_->setTokenIds(std::vector<int64_t>(d.ids.begin() + d.contextBegin, d.ids.begin() + d.contextEnd));
        contextView_->setPositionOffset(d.contextBegin);
        // Segment boundaries, alternating faint outlines, so the L-token tiling is visible.
        std::vector<TokenHeatmapView::Range> ranges;
        for (size_t k = 0; k < d.segments.size(); ++k) {
            TokenHeatmapView::Range r;
            r.begin = int(d.segments[k].first - d.contextBegin);
            r.end = int(d.segments[k].second - d.contextBegin);
            r.color = (k % 2 == 0) ? QColor(120, 120, 120, 90) : QColor(0, 114, 178, 90);
            r.label = tr("segment %1 (positions %2–%3)").arg(k).arg(d.segments[k].first).arg(d.segments[k].second - 1);
            ranges.push_back(r);
        }
        contextView_->setMarkedRanges(std::move(ranges));
        std::vector<int> starts;
        for (size_t k = 1; k < d.segments.size(); ++k) starts.push_back(int(d.segments[k].first - d.contextBegin));
        contextView_->setBoundaries(std::move(starts));
        contextView_->scrollToToken(0);
        applyEvidence();
    }
    paintContext();
    paintProfiles();
    updateTokenLevelControls();
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

void InspectorPanel::paintSummary() {
    const InspectorData& d = *data_;
    const db::StoredScore& s = d.score;
    QString text = tr("<b>%1</b> · run %2 · PPL<sub>A</sub> %3 · PPL<sub>B</sub> %4 · IFD %5 · CAS %6 · "
                      "tokens: prompt %7 (context %8 in %9 segments of ≤ %10), response %11")
                       .arg(d.externalId.empty() ? tr("#%1").arg(d.sampleId)
                                                 : tr("%1 (#%2)").arg(qs(d.externalId).toHtmlEscaped()).arg(d.sampleId))
                       .arg(d.runId)
                       .arg(num(s.pplA))
                       .arg(num(s.pplB))
                       .arg(num(s.ifd))
                       .arg(num(s.cas, 3))
                       .arg(s.promptTokens)
                       .arg(s.contextTokens)
                       .arg(d.arrays.segments)
                       .arg(d.segmentLen)
                       .arg(s.responseTokens);
    if (s.truncated) text += tr(" · <span style='color:#b2182b'>context truncated (left)</span>");
    summary_->setText(text);
    summary_->setVisible(true);
}

ColorScale InspectorPanel::contextScale(const std::vector<float>& values) const {
    const float max = ColorScale::robustMax(values, 0.995);
    switch (scaleCombo_->currentIndex()) {
    case kScaleGamma:
        return ColorScale::sequential(max, 0.5f);
    case kScaleLinear:
        return ColorScale::sequential(max);
    case kScaleRange:
        return ColorScale::sequentialRange(robustMin(values, 0.005), max);
    default: {
        // Log over the data's own range (the smallest positive value just above white), at
        // most four decades so that near-zero tokens do not flatten the rest.
        const float lo = robustPositiveMin(values);
        float floor = std::isfinite(lo) ? 0.5f * lo / max : 1e-3f;
        floor = std::clamp(floor, 1e-4f, 0.2f);
        return ColorScale::sequentialLog(max, floor);
    }
    }
}

std::vector<float> InspectorPanel::focusSegmentValues() const {
    if (!data_ || !data_->hasArrays) return {};
    if (focus_ < 0) return data_->arrays.attention;
    return tokenSegmentRow(data_->arrays, focus_);
}

void InspectorPanel::paintContext() {
    if (!data_ || !data_->hasArrays) return;
    const InspectorData& d = *data_;
    const std::vector<float> seg = focusSegmentValues();

    // Minimap: attention column follows the focus; importance stays.
    minimap_->setData(seg, ColorScale::sequential(ColorScale::robustMax(seg, 1.0)), d.arrays.importance,
                      ColorScale::sequential(ColorScale::robustMax(d.arrays.importance, 1.0)));

    QString who;
    if (focus_ < 0) {
        who = tr("mean of the response");
    } else {
        const int64_t pos = d.spanFrom + focus_;
        QString tokText = (d.hasTokens && size_t(pos) < d.tokenTexts.size()) ? qs(d.tokenTexts[size_t(pos)]) : QString();
        who = tr("response token %1 “%2” (position %3)")
                  .arg(focus_)
                  .arg(TokenHeatmapView::visibleWhitespace(tokText))
                  .arg(d.hasTokens ? d.spanFrom + focus_ : d.score.promptTokens + focus_);
    }

    tokenLevelShown_ = false;
    if (!d.hasTokens || d.contextTokenCount() == 0) {
        contextTitle_->setText(tr("<b>Context</b>: attention of the %1").arg(who));
        return;
    }
    std::vector<float> values;
    QString legend;
    auto row = tokenRows_.find(focusQueryPosition());
    if (row != tokenRows_.end() && int64_t(row->second.size()) >= d.contextEnd) {
        values.assign(row->second.begin() + d.contextBegin, row->second.begin() + d.contextEnd);
        tokenLevelShown_ = true;
        contextTitle_->setText(tr("<b>Context</b>: token-level attention of the %1, heads and layers averaged").arg(who));
        legend = tr("attention per token (token level)");
    } else {
        values = focus_ < 0 ? d.contextValues : perTokenFromSegments(d.segments, d.contextBegin, d.contextEnd, seg);
        contextTitle_->setText(tr("<b>Context</b>: attention of the %1 per token, segment level (segment mass / its length)")
                                   .arg(who));
        legend = tr("attention per token (segment level)");
    }
    const ColorScale scale = contextScale(values);
    contextView_->setValues(std::move(values), scale);
    contextLegend_->setScale(scale);
    contextLegend_->setTitle(legend);
}

void InspectorPanel::paintResponse() {
    const InspectorData& d = *data_;
    std::vector<QString> texts;
    std::vector<int64_t> ids;
    int64_t offset = d.score.promptTokens;
    if (d.hasTokens) {
        texts = textsOf(d.tokenTexts, size_t(d.spanFrom), size_t(d.spanEnd));
        ids.assign(d.ids.begin() + d.spanFrom, d.ids.begin() + d.spanEnd);
        offset = d.spanFrom;
    } else {
        // No tokenizer: one box per position, so the per-token values stay readable.
        for (int64_t t = 0; t < d.responseTokenCount(); ++t) texts.push_back(QStringLiteral("#%1 ").arg(t));
    }
    float absMax = ColorScale::robustMax(d.responseDelta, 0.98, true);
    if (!(absMax > 0)) absMax = 1;
    const ColorScale scale = ColorScale::diverging(absMax);
    responseView_->setTokens(std::move(texts), d.responseDelta, scale);
    responseView_->setTokenIds(std::move(ids));
    responseView_->setPositionOffset(offset);
    responseView_->setSelectedToken(-1);
    responseLegend_->setScale(scale);
}

void InspectorPanel::paintProfiles() {
    if (!data_ || !data_->hasArrays) return;
    const InspectorData& d = *data_;
    profiles_->clearGraphs();
    const int S = int(d.arrays.segments);
    QVector<double> x(S), imp(S), att(S);
    for (int k = 0; k < S; ++k) {
        x[k] = k;
        imp[k] = d.arrays.importance[size_t(k)];
        att[k] = d.arrays.attention[size_t(k)];
    }
    const bool dots = S <= 64;
    auto addGraph = [&](const QVector<double>& y, const QColor& c, const QString& name, Qt::PenStyle style) {
        QCPGraph* g = profiles_->addGraph();
        g->setData(x, y, true);
        g->setPen(QPen(c, 2, style));
        g->setName(name);
        if (dots) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 5));
    };
    addGraph(imp, kOrange, tr("importance I_k"), Qt::SolidLine);
    addGraph(att, kBlue, tr("attention A_k (mean of response)"), Qt::SolidLine);
    if (focus_ >= 0) {
        const std::vector<float> row = tokenSegmentRow(d.arrays, focus_);
        double sum = 0;
        for (float v : row) sum += v;
        QVector<double> y(S, 0.0);
        for (int k = 0; k < S && k < int(row.size()); ++k) y[k] = sum > 0 ? row[size_t(k)] / sum : 0;
        addGraph(y, kGreen, tr("response token %1 (normalised)").arg(focus_), Qt::DashLine);
    }
    double top = 0;
    for (int k = 0; k < S; ++k) top = std::max({top, imp[k], att[k]});
    for (int i = 2; i < profiles_->graphCount(); ++i)
        for (auto it = profiles_->graph(i)->data()->begin(); it != profiles_->graph(i)->data()->end(); ++it)
            top = std::max(top, it->value);
    profiles_->xAxis->setRange(-0.5, std::max(0.5, S - 0.5));
    profiles_->yAxis->setRange(0, top > 0 ? top * 1.1 : 1);
    if (auto* title = qobject_cast<QCPTextElement*>(profiles_->plotLayout()->element(0, 0)))
        title->setText(S == 0 ? tr("No context segments (CAS = 1 by definition)")
                              : tr("Importance vs attention\nCAS = cos(I, A) = %1").arg(num(d.score.cas, 3)));
    profiles_->replot();
}

void InspectorPanel::paintMatrix() {
    const InspectorData& d = *data_;
    QStringList labels;
    for (int64_t l = 0; l < d.arrays.layers; ++l) labels << QStringLiteral("L%1").arg(l);
    matrix_->setMatrix(int(d.arrays.layers), int(d.arrays.segments), d.arrays.layerSegmentAttention, labels, tr("segment"));
    matrix_->setSelectedColumn(-1);
}

}  // namespace gateau::ui
