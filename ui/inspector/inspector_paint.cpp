// InspectorPanel, part 3: painting a loaded sample (summary, context and response heatmaps,
// profiles, the layers x segments matrix) and the context colour scale. Layout and
// loading: inspector_panel.cpp; token-level attention: inspector_token_attention.cpp.
#include "ui/inspector/inspector_panel.h"

#include "db/token_attention.h"
#include "ui/glossary.h"
#include "ui/heatmap/search_hits.h"
#include "ui/inspector/inspector_helpers.h"
#include "ui/inspector/conversation_view.h"
#include "ui/heatmap/color_scale.h"
#include "ui/heatmap/matrix_heatmap.h"
#include "ui/heatmap/segment_minimap.h"
#include "ui/heatmap/token_heatmap_view.h"
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
        applySearchHits(true);
    }
    paintContext();
    paintProfiles();
    updateTokenLevelControls();
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

void InspectorPanel::setSearchQuery(const QString& query) {
    if (query == searchQuery_) return;
    searchQuery_ = query;
    applySearchHits(true);
}

void InspectorPanel::applySearchHits(bool scroll) {
    if (!data_ || !data_->hasTokens || data_->contextTokenCount() == 0) return;
    const InspectorData& d = *data_;
    auto hits = searchHitTokens(textsOf(d.tokenTexts, size_t(d.contextBegin), size_t(d.contextEnd)), searchQuery_);
    if (scroll && !hits.empty()) contextView_->scrollToToken(hits.front().first);
    contextView_->setHighlights(std::move(hits));
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
    ColorScale scale = contextScale(values);
    if (sharedScale_->isChecked()) {
        std::optional<ColorScale>& held = heldScale_[tokenLevelShown_ ? 1 : 0];
        if (held) scale = *held;
        else held = scale;
        legend += tr(" · shared scale");
    }
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
