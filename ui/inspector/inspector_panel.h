#pragma once
// The per-sample inspector: why did this sample score what it did? Paints one (run, sample):
//  - context heatmap: the prompt's context tokens (only the context, contextBegin..contextEnd;
//    the instruction is quoted above the response) coloured by attention per token, i.e. the
//    stored segment attention A_k of the token's segment / the segment's length (mean over
//    response tokens), or one clicked response token's row of the token x segment array, or,
//    on demand, true token-level attention computed with model B and cached in the project;
//    next to it the segment minimap (attention vs importance, click to jump);
//  - response heatmap: log p_B - log p_A per response token (red: B, the long-context model,
//    finds the token easier; blue: A does); click a token to see where it looks;
//  - segment profiles I_k and A_k (CAS in the title) and the layers x segments matrix;
//  - a summary line (PPL_A, PPL_B, IFD, CAS, token counts) and a message line.
// Loading runs on a worker thread with its own ProjectStore; token-level attention on a second
// one that keeps model B's engine for the next sample of the same run. The GUI thread never
// touches SQLite or the engine. Newer requests supersede older ones.
#include "ui/heatmap/color_scale.h"
#include "ui/inspector/inspector_data.h"

#include <QString>
#include <QWidget>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

class QAction;
class QCustomPlot;
class QComboBox;
class QLabel;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QToolButton;

namespace gateau::ui {

class ColorLegend;
class ColorScale;
class ConversationView;
class MatrixHeatmap;
class SegmentMinimap;
class TokenAttentionComputer;
class TokenHeatmapView;
struct TokenAttentionResult;

class InspectorPanel : public QWidget {
    Q_OBJECT
public:
    explicit InspectorPanel(QWidget* parent = nullptr);
    // Cancels token-level work and joins both worker threads (an engine load in progress is
    // waited for; a forward pass stops at its next prefill chunk).
    ~InspectorPanel() override;

    // Clears the view; the next showSample reads this project. Frees model B's engine.
    void setProject(const QString& projectPath);
    QString projectPath() const { return projectPath_; }
    // runId 0, or a sample the run has no score for: only the conversation, with a message.
    void showSample(int64_t runId, int64_t sampleId);
    void clear();

    int64_t runId() const { return runId_; }
    int64_t sampleId() const { return sampleId_; }
    // The painted sample; null while nothing is painted (or while loading).
    const InspectorData* data() const { return data_.get(); }
    // Response token (0-based) whose attention the context heatmap shows; -1: mean of response.
    int focusToken() const { return focus_; }
    // The context heatmap shows token-level values (computed or cached) for the focus.
    bool tokenLevelShown() const { return tokenLevelShown_; }
    bool tokenAttentionBusy() const { return attnInFlight_; }
    // The message line ("" when none) and the conversation-only page's message.
    QString message() const;
    bool showsConversationOnly() const;

    TokenHeatmapView* contextView() const { return contextView_; }
    // "Shared" next to the scale: the context scale of the sample shown when it was turned on
    // (per level: segment, token) is kept for every later sample, so colours compare across
    // samples; off, each sample gets its own range.
    QToolButton* sharedScaleButton() const { return sharedScale_; }
    // The browser's search: its words are marked in the context heatmap (ui/heatmap/search_hits.h)
    // and a new sample opens at the first hit. Empty: no marks.
    void setSearchQuery(const QString& query);
    TokenHeatmapView* responseView() const { return responseView_; }
    SegmentMinimap* minimap() const { return minimap_; }
    MatrixHeatmap* layerMatrix() const { return matrix_; }
    QCustomPlot* profilePlot() const { return profiles_; }
    QPushButton* tokenLevelButton() const { return tokenLevelButton_; }

    // Debug counters of the token-level worker (tests): engine loads, forward passes, and
    // requests answered from the project's cache.
    int engineLoads() const;
    int forwardPasses() const;
    int cacheHits() const { return cacheHits_; }

    // The sample's evidence span (bytes of its context text; start < 0: none), drawn under
    // the context tokens it covers once that sample is painted.
    void setEvidence(qint64 sampleId, qint64 start, qint64 end);
    // E / context menu: the context tokens spanned (drag, Shift+click) become the evidence
    // (evidenceEdited); a second action removes it. For the Sample menu and the key sheet.
    QList<QAction*> evidenceActions() const;
    void markSpanAsEvidence();

public slots:
    // t: response token index (0-based), -1: mean of response.
    void focusResponseToken(int t);
    void showMeanOfResponse() { focusResponseToken(-1); }
    // Token-level attention for the focus, and automatically for later focus changes on this
    // sample.
    void requestTokenAttention();
    void cancelTokenAttention();
    void jumpToSegment(int segment);

signals:
    void loaded(qint64 sampleId);
    void statusMessage(const QString& text);
    void tokenAttentionShown(qint64 sampleId, qint64 queryPosition);
    void tokenAttentionFailed(qint64 sampleId, const QString& message);
    // The user marked (start >= 0) or removed (start < 0) the evidence of a sample.
    void evidenceEdited(qint64 sampleId, qint64 start, qint64 end);

private:
    void buildUi();
    void onLoaded(std::shared_ptr<InspectorData> data);
    void onTokenAttention(std::shared_ptr<TokenAttentionResult> result);
    void onTokenAttentionProgress(int64_t done, int64_t total);
    void paintAll();
    void applyEvidence();
    void paintSummary();
    void paintContext();
    void paintResponse();
    void paintProfiles();
    void paintMatrix();
    void setMessage(const QString& text);
    void startTokenAttention();
    void updateTokenLevelControls();
    void syncMinimapToView(int first, int last);
    int64_t focusQueryPosition() const;
    ColorScale contextScale(const std::vector<float>& values) const;
    std::vector<float> focusSegmentValues() const;

    // Widgets.
    QLabel* summary_ = nullptr;
    QLabel* message_ = nullptr;
    QStackedWidget* pages_ = nullptr;  // 0: empty, 1: conversation only, 2: inspector
    QLabel* emptyLabel_ = nullptr;
    QLabel* conversationMessage_ = nullptr;
    ConversationView* conversationOnly_ = nullptr;
    QSplitter* mainSplit_ = nullptr;
    QLabel* contextTitle_ = nullptr;
    QPushButton* meanButton_ = nullptr;
    QPushButton* tokenLevelButton_ = nullptr;
    QComboBox* scaleCombo_ = nullptr;
    QToolButton* sharedScale_ = nullptr;
    std::optional<ColorScale> heldScale_[2];
    QString searchQuery_;
    void applySearchHits(bool scroll);  // [segment level, token level] while shared
    QLabel* progressLabel_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QStackedWidget* contextStack_ = nullptr;  // 0: view + minimap, 1: message
    QLabel* contextMissing_ = nullptr;
    TokenHeatmapView* contextView_ = nullptr;
    SegmentMinimap* minimap_ = nullptr;
    ColorLegend* contextLegend_ = nullptr;
    QLabel* instructionLabel_ = nullptr;
    TokenHeatmapView* responseView_ = nullptr;
    ColorLegend* responseLegend_ = nullptr;
    QCustomPlot* profiles_ = nullptr;
    QTabWidget* rightTabs_ = nullptr;
    MatrixHeatmap* matrix_ = nullptr;
    ConversationView* conversation_ = nullptr;
    QAction* markEvidence_ = nullptr;
    QAction* removeEvidence_ = nullptr;
    qint64 evidenceSample_ = -1, evidenceStart_ = -1, evidenceEnd_ = -1;

    // State (GUI thread).
    QString projectPath_;
    int64_t runId_ = 0, sampleId_ = 0;
    std::shared_ptr<const InspectorData> data_;
    int focus_ = -1;
    bool tokenLevelRequested_ = false;  // for this sample
    bool tokenLevelShown_ = false;
    bool attnInFlight_ = false;
    int64_t attnQuery_ = 0;             // query position in flight
    std::map<int64_t, std::vector<float>> tokenRows_;  // query position -> attention over keys
    int cacheHits_ = 0;

    // What the inspector's tasks touch: loading runs in the task runner's Serial lane
    // "load", token-level attention in "attention", so each part is used by one task at a
    // time; shared with the tasks, so one still running when the panel goes keeps it alive.
    struct WorkState;
    std::shared_ptr<WorkState> work_;
};

}  // namespace gateau::ui
