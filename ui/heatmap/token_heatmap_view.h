#pragma once
// Per-token heatmap over one long sample (up to ~64k tokens). Everything is painted by hand on
// the viewport: a widget or a QTextDocument per token would not survive 64k tokens.

#include "ui/heatmap/color_scale.h"

#include <QAbstractScrollArea>
#include <QColor>
#include <QHash>
#include <QString>

#include <cstdint>
#include <utility>
#include <vector>

namespace gateau::ui {

class TokenHeatmapView : public QAbstractScrollArea {
    Q_OBJECT
public:
    struct Range {
        int begin = 0;  // first token, inclusive
        int end = 0;    // one past the last token
        QColor color;
        QString label;
    };

    explicit TokenHeatmapView(QWidget* parent = nullptr);

    // texts are display strings of the tokens; a "\n" inside a token ends the line after it.
    // values.size() should equal texts.size(); missing values are shown as NaN.
    void setTokens(std::vector<QString> texts, std::vector<float> values, ColorScale scale);
    // Recolour only: the layout does not depend on the values.
    void setValues(std::vector<float> values, ColorScale scale);
    void setTokenIds(std::vector<int64_t> ids);
    // Added to the token index to show absolute positions when the view holds a window.
    void setPositionOffset(int64_t offset);
    void setMarkedRanges(std::vector<Range> ranges);
    // A vertical bar before each of these tokens (segment starts), drawn over the colours so
    // that boundaries stay visible whatever the values.
    void setBoundaries(std::vector<int> tokens);
    const std::vector<int>& boundaries() const { return boundaries_; }
    void clear();

    int tokenCount() const { return int(texts_.size()); }
    const ColorScale& colorScale() const { return scale_; }
    const std::vector<float>& values() const { return values_; }
    const std::vector<Range>& markedRanges() const { return ranges_; }
    int64_t positionOffset() const { return positionOffset_; }

    void scrollToToken(int index);
    // Viewport coordinates; -1 / null rect when there is no such token.
    int tokenAt(const QPoint& viewportPos) const;
    QRect tokenRect(int index) const;
    int lineOfToken(int index) const;
    int lineCount() const { return int(lineStarts_.size()); }
    // Tokens of the lines at least partly inside the viewport, inclusive; {-1,-1} when empty.
    std::pair<int, int> visibleTokenRange() const;

    int selectedToken() const { return selected_; }
    void setSelectedToken(int index);  // -1 clears; does not emit tokenClicked
    int hoveredToken() const { return hovered_; }
    // A span of tokens [first, last] picked by dragging, Shift+click or Shift+arrows from the
    // selected token; {-1, -1} when none. A click alone spans its one token.
    std::pair<int, int> span() const;
    void setSpan(int first, int last);
    // Tokens [begin, end) drawn with a green bar under them (the sample's evidence); begin < 0: none.
    void setEvidence(int begin, int end);
    std::pair<int, int> evidence() const { return evidence_; }
    // Token ranges [begin, end) marked with an amber bar over them (search hits).
    void setHighlights(std::vector<std::pair<int, int>> ranges);
    const std::vector<std::pair<int, int>>& highlights() const { return highlights_; }

    // Tooltip text (rich text) for one token; also what the hover tooltip shows.
    QString toolTipForToken(int index) const;
    // Token text with whitespace made visible (·, ↵, →), HTML-escaped.
    static QString visibleWhitespace(const QString& text);

    // Debug/benchmark hooks.
    int lastPaintedTokenCount() const { return lastPaintedTokens_; }
    int layoutCount() const { return layoutCount_; }
    int measuredStringCount() const { return int(widthCache_.size()); }

    QSize sizeHint() const override;

signals:
    void tokenHovered(int index);  // -1 when the pointer leaves all tokens
    void tokenClicked(int index);
    // Emitted after scrolling or relayout, for a minimap that tracks the view.
    void visibleTokensChanged(int first, int last);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool viewportEvent(QEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    void updateMetrics();
    void measureTokens();
    void relayout();
    void updateScrollBars();
    void setHovered(int index);
    void ensureTokenVisible(int index, bool center);
    void emitVisibleRange();
    int lineAtY(int contentY) const;
    int lineEnd(int line) const;  // one past the last token of the line
    int contentY() const;
    int availableWidth() const;

    std::vector<QString> texts_;
    std::vector<QString> display_;  // what is drawn: newlines and tabs made visible
    std::vector<uint8_t> breaksAfter_;  // newlines in the token: 0 = none, k = k line breaks
    std::vector<float> values_;
    std::vector<int64_t> ids_;
    std::vector<Range> ranges_;
    std::vector<int> boundaries_;  // sorted
    std::vector<std::pair<int, int>> highlights_;  // sorted
    ColorScale scale_;
    int64_t positionOffset_ = 0;

    // Width of each distinct display string is measured once per font.
    QHash<QString, int> widthCache_;
    std::vector<int> widths_;     // per token, unclipped
    std::vector<int> tokenX_;     // per token, x in content coordinates
    std::vector<int> lineStarts_; // first token of each line (empty lines repeat the next start)
    int layoutWidth_ = -1;

    // Font-metric-derived geometry.
    int lineHeight_ = 1;
    int boxHeight_ = 1;   // coloured box, centred in the line
    int boxOffset_ = 0;
    int ascent_ = 0;
    int padX_ = 1;
    int margin_ = 2;
    int minTokenWidth_ = 2;

    int selected_ = -1;
    int hovered_ = -1;
    int anchor_ = -1;  // the span runs from anchor_ to selected_
    bool dragging_ = false;
    std::pair<int, int> evidence_{-1, -1};
    int lastPaintedTokens_ = 0;
    int layoutCount_ = 0;
    std::pair<int, int> lastEmittedRange_{-2, -2};
};

}  // namespace gateau::ui
