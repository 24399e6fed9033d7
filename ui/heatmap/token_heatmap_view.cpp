#include "ui/heatmap/token_heatmap_view.h"

#include <QEvent>
#include <QFontMetrics>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace gateau::ui {

namespace {

// More than two blank lines in a row only wastes space in a heatmap.
constexpr int kMaxBreaksPerToken = 3;

QString displayString(const QString& text, int* newlines) {
    int nl = 0;
    QString out;
    out.reserve(text.size());
    for (QChar c : text) {
        switch (c.unicode()) {
        case '\n':
            ++nl;
            out += QChar(0x21B5);  // ↵ keeps the newline token visible and clickable
            break;
        case '\r':
            break;
        case '\t':
            out += QChar(0x2192);  // →
            break;
        default:
            out += c;
        }
    }
    *newlines = nl;
    return out;
}

}  // namespace

TokenHeatmapView::TokenHeatmapView(QWidget* parent) : QAbstractScrollArea(parent) {
    // Always on: an appearing scrollbar would narrow the viewport and force a second relayout.
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFocusPolicy(Qt::StrongFocus);
    viewport()->setMouseTracking(true);
    viewport()->setBackgroundRole(QPalette::Base);
    viewport()->setAutoFillBackground(true);
    updateMetrics();
}

QSize TokenHeatmapView::sizeHint() const {
    const QFontMetrics fm(font());
    return {fm.averageCharWidth() * 80, lineHeight_ * 20};
}

void TokenHeatmapView::updateMetrics() {
    const QFontMetrics fm(font());
    // Small vertical gap keeps adjacent lines apart when both are strongly coloured.
    lineHeight_ = fm.height() + std::max(1, fm.height() / 5);
    boxHeight_ = fm.height();
    boxOffset_ = (lineHeight_ - boxHeight_) / 2;
    ascent_ = fm.ascent();
    padX_ = std::max(1, fm.averageCharWidth() / 6);
    margin_ = std::max(2, fm.averageCharWidth() / 2);
    minTokenWidth_ = std::max(2, fm.averageCharWidth() / 2);
}

int TokenHeatmapView::availableWidth() const {
    return std::max(1, viewport()->width() - 2 * margin_);
}

int TokenHeatmapView::contentY() const { return verticalScrollBar()->value(); }

void TokenHeatmapView::setTokens(std::vector<QString> texts, std::vector<float> values,
                                 ColorScale scale) {
    texts_ = std::move(texts);
    const size_t n = texts_.size();
    display_.resize(n);
    breaksAfter_.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
        int nl = 0;
        display_[i] = displayString(texts_[i], &nl);
        breaksAfter_[i] = uint8_t(std::min(nl, kMaxBreaksPerToken));
    }
    values.resize(n, std::nanf(""));
    values_ = std::move(values);
    scale_ = scale;
    ids_.clear();
    ranges_.clear();
    boundaries_.clear();
    selected_ = -1;
    anchor_ = -1;
    evidence_ = {-1, -1};
    highlights_.clear();
    hovered_ = -1;
    measureTokens();
    layoutWidth_ = -1;
    relayout();
    verticalScrollBar()->setValue(0);
    viewport()->update();
    emitVisibleRange();
}

void TokenHeatmapView::setValues(std::vector<float> values, ColorScale scale) {
    values.resize(texts_.size(), std::nanf(""));
    values_ = std::move(values);
    scale_ = scale;
    viewport()->update();
}

void TokenHeatmapView::setTokenIds(std::vector<int64_t> ids) { ids_ = std::move(ids); }

void TokenHeatmapView::setPositionOffset(int64_t offset) { positionOffset_ = offset; }

void TokenHeatmapView::setMarkedRanges(std::vector<Range> ranges) {
    const int n = tokenCount();
    for (Range& r : ranges) {
        r.begin = std::clamp(r.begin, 0, n);
        r.end = std::clamp(r.end, r.begin, n);
    }
    ranges_ = std::move(ranges);
    viewport()->update();
}

void TokenHeatmapView::clear() { setTokens({}, {}, scale_); }

void TokenHeatmapView::measureTokens() {
    const QFontMetrics fm(font());
    widths_.resize(texts_.size());
    for (size_t i = 0; i < display_.size(); ++i) {
        const QString& s = display_[i];
        auto it = widthCache_.constFind(s);
        if (it == widthCache_.constEnd())
            it = widthCache_.insert(s, std::max(minTokenWidth_, fm.horizontalAdvance(s) + 2 * padX_));
        widths_[i] = it.value();
    }
}

void TokenHeatmapView::relayout() {
    const int avail = availableWidth();
    const int n = tokenCount();
    layoutWidth_ = avail;
    ++layoutCount_;
    lineStarts_.clear();
    tokenX_.resize(size_t(n));
    if (n > 0) lineStarts_.push_back(0);
    int x = 0;
    for (int i = 0; i < n; ++i) {
        const int w = std::min(widths_[size_t(i)], avail);
        if (x > 0 && x + w > avail) {
            lineStarts_.push_back(i);
            x = 0;
        }
        tokenX_[size_t(i)] = x;
        x += w;
        if (i + 1 == n) break;
        if (breaksAfter_[size_t(i)] > 0) {
            // The first break ends this line, each further one adds an empty line.
            for (int k = 0; k < breaksAfter_[size_t(i)]; ++k) lineStarts_.push_back(i + 1);
            x = 0;
        } else if (w >= avail) {
            lineStarts_.push_back(i + 1);  // an oversized token keeps its line to itself
            x = 0;
        }
    }
    updateScrollBars();
}

void TokenHeatmapView::updateScrollBars() {
    const int total = int(lineStarts_.size()) * lineHeight_ + 2 * margin_;
    const int vh = viewport()->height();
    QScrollBar* sb = verticalScrollBar();
    sb->setRange(0, std::max(0, total - vh));
    sb->setPageStep(vh);
    sb->setSingleStep(lineHeight_);
}

int TokenHeatmapView::lineEnd(int line) const {
    return line + 1 < int(lineStarts_.size()) ? lineStarts_[size_t(line) + 1] : tokenCount();
}

int TokenHeatmapView::lineAtY(int y) const {
    if (lineStarts_.empty()) return -1;
    const int line = (y - margin_) / lineHeight_;  // lines have a uniform height
    return std::clamp(y < margin_ ? 0 : line, 0, int(lineStarts_.size()) - 1);
}

int TokenHeatmapView::lineOfToken(int index) const {
    if (index < 0 || index >= tokenCount() || lineStarts_.empty()) return -1;
    // upper_bound - 1 skips the empty lines that share their start with the next real line.
    auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), index);
    return int(it - lineStarts_.begin()) - 1;
}

QRect TokenHeatmapView::tokenRect(int index) const {
    const int line = lineOfToken(index);
    if (line < 0) return {};
    const int w = std::min(widths_[size_t(index)], layoutWidth_);
    const int top = margin_ + line * lineHeight_ - contentY() + boxOffset_;
    return QRect(margin_ + tokenX_[size_t(index)], top, w, boxHeight_);
}

int TokenHeatmapView::tokenAt(const QPoint& pos) const {
    if (lineStarts_.empty()) return -1;
    const int y = pos.y() + contentY() - margin_;
    if (y < 0) return -1;
    const int line = y / lineHeight_;
    if (line >= int(lineStarts_.size())) return -1;
    const int x = pos.x() - margin_;
    if (x < 0) return -1;
    const int begin = lineStarts_[size_t(line)];
    const int end = lineEnd(line);
    if (begin == end) return -1;
    auto first = tokenX_.begin() + begin;
    auto it = std::upper_bound(first, tokenX_.begin() + end, x);
    if (it == first) return -1;
    const int t = int(it - tokenX_.begin()) - 1;
    const int w = std::min(widths_[size_t(t)], layoutWidth_);
    return x < tokenX_[size_t(t)] + w ? t : -1;
}

std::pair<int, int> TokenHeatmapView::visibleTokenRange() const {
    if (lineStarts_.empty()) return {-1, -1};
    const int first = lineAtY(contentY());
    const int last = lineAtY(contentY() + viewport()->height() - 1);
    int a = lineStarts_[size_t(first)];
    int b = lineEnd(last) - 1;
    a = std::min(a, tokenCount() - 1);
    return {a, std::max(a, b)};
}

void TokenHeatmapView::emitVisibleRange() {
    const auto r = visibleTokenRange();
    if (r == lastEmittedRange_) return;
    lastEmittedRange_ = r;
    emit visibleTokensChanged(r.first, r.second);
}

void TokenHeatmapView::ensureTokenVisible(int index, bool center) {
    const int line = lineOfToken(index);
    if (line < 0) return;
    const int top = margin_ + line * lineHeight_;
    const int vh = viewport()->height();
    QScrollBar* sb = verticalScrollBar();
    if (center) {
        if (top >= sb->value() && top + lineHeight_ <= sb->value() + vh) return;
        sb->setValue(top + lineHeight_ / 2 - vh / 2);
    } else if (top < sb->value()) {
        sb->setValue(top - margin_);
    } else if (top + lineHeight_ > sb->value() + vh) {
        sb->setValue(top + lineHeight_ + margin_ - vh);
    }
}

void TokenHeatmapView::scrollToToken(int index) { ensureTokenVisible(index, true); }

void TokenHeatmapView::setSelectedToken(int index) {
    if (index < -1 || index >= tokenCount()) index = -1;
    anchor_ = index;
    if (index == selected_) return;
    selected_ = index;
    viewport()->update();
}

void TokenHeatmapView::setBoundaries(std::vector<int> tokens) {
    std::sort(tokens.begin(), tokens.end());
    boundaries_ = std::move(tokens);
    viewport()->update();
}

std::pair<int, int> TokenHeatmapView::span() const {
    if (selected_ < 0) return {-1, -1};
    const int a = anchor_ < 0 ? selected_ : anchor_;
    return {std::min(a, selected_), std::max(a, selected_)};
}

void TokenHeatmapView::setSpan(int first, int last) {
    if (first < 0 || last < first || last >= tokenCount()) {
        anchor_ = -1;
        setSelectedToken(-1);
        return;
    }
    anchor_ = first;
    selected_ = last;
    viewport()->update();
}

void TokenHeatmapView::setEvidence(int begin, int end) {
    evidence_ = begin >= 0 && end > begin ? std::make_pair(begin, std::min(end, tokenCount())) : std::make_pair(-1, -1);
    viewport()->update();
}

void TokenHeatmapView::setHighlights(std::vector<std::pair<int, int>> ranges) {
    std::sort(ranges.begin(), ranges.end());
    highlights_ = std::move(ranges);
    viewport()->update();
}

void TokenHeatmapView::setHovered(int index) {
    if (index == hovered_) return;
    hovered_ = index;
    viewport()->update();
    emit tokenHovered(index);
}

QString TokenHeatmapView::visibleWhitespace(const QString& text) {
    if (text.isEmpty()) return QStringLiteral("<i>(empty)</i>");
    QString s = text;
    s.replace(QLatin1Char(' '), QChar(0x00B7))
        .replace(QLatin1Char('\n'), QChar(0x21B5))
        .replace(QLatin1Char('\t'), QChar(0x2192))
        .replace(QLatin1Char('\r'), QChar(0x240D));
    return s.toHtmlEscaped();
}

QString TokenHeatmapView::toolTipForToken(int index) const {
    if (index < 0 || index >= tokenCount()) return {};
    QString html = QStringLiteral("<b><code>%1</code></b>").arg(visibleWhitespace(texts_[size_t(index)]));
    html += QStringLiteral("<br>position: %1").arg(positionOffset_ + index);
    if (size_t(index) < ids_.size()) html += QStringLiteral("<br>id: %1").arg(ids_[size_t(index)]);
    html += QStringLiteral("<br>value: %1").arg(ColorScale::formatValue(values_[size_t(index)]));
    for (const Range& r : ranges_)
        if (index >= r.begin && index < r.end && !r.label.isEmpty())
            html += QStringLiteral("<br>in: %1").arg(r.label.toHtmlEscaped());
    return html;
}

void TokenHeatmapView::paintEvent(QPaintEvent* event) {
    QPainter p(viewport());
    p.setFont(font());
    lastPaintedTokens_ = 0;
    if (lineStarts_.empty()) return;

    const QRect dirty = event->rect();
    const int y0 = contentY();
    const int firstLine = lineAtY(y0 + dirty.top());
    const int lastLine = lineAtY(y0 + dirty.bottom());
    const int boxH = boxHeight_;
    const int boxOffset = boxOffset_;
    const QColor base = palette().color(QPalette::Base);
    const QRgb baseRgb = base.rgb();
    const QColor defaultText = palette().color(QPalette::Text);
    QFontMetrics fm(font());

    QRgb currentPen = 0;
    bool penSet = false;
    int painted = 0;
    for (int line = firstLine; line <= lastLine; ++line) {
        const int top = margin_ + line * lineHeight_ - y0 + boxOffset;
        const int end = lineEnd(line);
        for (int t = lineStarts_[size_t(line)]; t < end; ++t) {
            const int w = std::min(widths_[size_t(t)], layoutWidth_);
            const QRect r(margin_ + tokenX_[size_t(t)], top, w, boxH);
            const QRgb bg = scale_.rgb(values_[size_t(t)]);
            if (bg != baseRgb) p.fillRect(r, QColor(bg));
            // Pen changes are not free; most neighbours share the text colour.
            const QRgb fg = bg == baseRgb ? defaultText.rgb() : ColorScale::textColorFor(QColor(bg)).rgb();
            if (!penSet || fg != currentPen) {
                p.setPen(QColor(fg));
                currentPen = fg;
                penSet = true;
            }
            const QString& s = display_[size_t(t)];
            if (widths_[size_t(t)] > layoutWidth_)
                p.drawText(r.left() + padX_, top + ascent_,
                           fm.elidedText(s, Qt::ElideRight, std::max(0, w - 2 * padX_)));
            else
                p.drawText(r.left() + padX_, top + ascent_, s);
            ++painted;
        }
    }
    lastPaintedTokens_ = painted;

    const int pw = std::max(1, boxH / 10);
    auto outline = [&](int a, int b, const QColor& c, int width) {
        // One rectangle per line the range touches, limited to the painted lines.
        const int la = std::max(lineOfToken(a), firstLine);
        const int lb = std::min(lineOfToken(b), lastLine);
        QPen pen(c, width);
        pen.setJoinStyle(Qt::MiterJoin);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        const qreal inset = width / 2.0;
        for (int line = la; line <= lb; ++line) {
            const int s = std::max(a, lineStarts_[size_t(line)]);
            const int e = std::min(b, lineEnd(line) - 1);
            if (s > e) continue;
            QRect r = tokenRect(s).united(tokenRect(e));
            r.setTop(margin_ + line * lineHeight_ - y0 + boxOffset);
            r.setHeight(boxH);
            p.drawRect(QRectF(r).adjusted(inset, inset, -inset, -inset));
        }
    };
    for (const Range& range : ranges_)
        if (range.end > range.begin)
            outline(range.begin, range.end - 1, range.color.isValid() ? range.color : defaultText, pw);
    if (hovered_ >= 0 && hovered_ != selected_) outline(hovered_, hovered_, defaultText, 1);
    // Segment boundaries: a bar in the text colour before the boundary token, over its box.
    if (!boundaries_.empty()) {
        const int first = lineStarts_[size_t(firstLine)], last = lineEnd(lastLine);
        for (auto it = std::lower_bound(boundaries_.begin(), boundaries_.end(), first);
             it != boundaries_.end() && *it < last; ++it) {
            if (*it <= 0 || *it >= tokenCount()) continue;
            const QRect r = tokenRect(*it);
            // Text colour with a base-colour edge: visible on light and on saturated boxes.
            p.fillRect(QRect(r.left() - 2, r.top() - 2, 4, r.height() + 4), base);
            p.fillRect(QRect(r.left() - 1, r.top() - 2, 2, r.height() + 4), defaultText);
        }
    }
    // Evidence: a green bar under its tokens, so the heatmap colours stay readable.
    if (evidence_.first >= 0) {
        const int bar = std::max(3, boxH / 6);
        const int la = std::max(lineOfToken(evidence_.first), firstLine);
        const int lb = std::min(lineOfToken(evidence_.second - 1), lastLine);
        for (int line = la; line <= lb; ++line) {
            const int s = std::max(evidence_.first, lineStarts_[size_t(line)]);
            const int e = std::min(evidence_.second - 1, lineEnd(line) - 1);
            if (s > e) continue;
            const QRect r = tokenRect(s).united(tokenRect(e));
            const int bottom = margin_ + line * lineHeight_ - y0 + boxOffset + boxH;
            p.fillRect(QRect(r.left(), bottom - bar, r.width(), bar), QColor(0, 150, 60));
        }
    }
    // Search hits: an amber bar over the top of their tokens (the evidence bar is underneath).
    if (!highlights_.empty()) {
        const int bar = std::max(3, boxH / 4);
        const int first = lineStarts_[size_t(firstLine)], last = lineEnd(lastLine);
        auto it = std::lower_bound(highlights_.begin(), highlights_.end(), std::make_pair(first, 0),
                                   [](const auto& h, const auto& v) { return h.second <= v.first; });
        for (; it != highlights_.end() && it->first < last; ++it) {
            const int la = std::max(lineOfToken(it->first), firstLine);
            const int lb = std::min(lineOfToken(std::min(it->second, tokenCount()) - 1), lastLine);
            for (int line = la; line <= lb; ++line) {
                const int s = std::max(it->first, lineStarts_[size_t(line)]);
                const int e = std::min(it->second - 1, lineEnd(line) - 1);
                if (s > e) continue;
                const QRect r = tokenRect(s).united(tokenRect(e));
                const int top = margin_ + line * lineHeight_ - y0 + boxOffset;
                p.fillRect(QRect(r.left(), top, r.width(), bar), QColor(255, 196, 0));
            }
        }
    }
    const auto [spanA, spanB] = span();
    if (spanA >= 0 && spanB > spanA) outline(spanA, spanB, palette().color(QPalette::Highlight), std::max(2, pw));
    else if (selected_ >= 0) outline(selected_, selected_, palette().color(QPalette::Highlight), std::max(2, pw));
}

void TokenHeatmapView::resizeEvent(QResizeEvent* event) {
    QAbstractScrollArea::resizeEvent(event);
    if (availableWidth() != layoutWidth_) {
        // Keep the token at the top of the view at the top after rewrapping.
        const int anchorLine = lineAtY(contentY());
        const int anchor = anchorLine >= 0 ? lineStarts_[size_t(anchorLine)] : -1;
        relayout();
        const int line = lineOfToken(anchor);
        if (line > 0) verticalScrollBar()->setValue(margin_ + line * lineHeight_);
    } else {
        updateScrollBars();
    }
    emitVisibleRange();
}

void TokenHeatmapView::scrollContentsBy(int, int) {
    viewport()->update();
    emitVisibleRange();
}

void TokenHeatmapView::mouseMoveEvent(QMouseEvent* event) {
    const int t = tokenAt(event->position().toPoint());
    setHovered(t);
    if (dragging_ && (event->buttons() & Qt::LeftButton) && t >= 0 && t != selected_) {
        selected_ = t;  // extends the span from the anchor; tokenClicked waits for the release
        viewport()->update();
    }
}

void TokenHeatmapView::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return;
    const int t = tokenAt(event->position().toPoint());
    if (t < 0) return;
    const bool extend = (event->modifiers() & Qt::ShiftModifier) && selected_ >= 0;
    if (!extend) anchor_ = t;
    else if (anchor_ < 0) anchor_ = selected_;
    dragging_ = true;
    selected_ = t;
    viewport()->update();
    emit tokenClicked(t);
}

void TokenHeatmapView::mouseReleaseEvent(QMouseEvent* event) {
    const bool left = event->button() == Qt::LeftButton;
    if (left && dragging_) {
        dragging_ = false;
        const int t = tokenAt(event->position().toPoint());
        if (t >= 0 && t != anchor_ && t == selected_) emit tokenClicked(t);
    }
    event->setAccepted(left);  // the press already acted
}

void TokenHeatmapView::leaveEvent(QEvent* event) {
    QAbstractScrollArea::leaveEvent(event);
    setHovered(-1);
}

void TokenHeatmapView::keyPressEvent(QKeyEvent* event) {
    const int n = tokenCount();
    if (n == 0) return QAbstractScrollArea::keyPressEvent(event);
    int cur = selected_;
    if (cur < 0) cur = std::max(0, visibleTokenRange().first);
    int next = cur;
    auto verticalMove = [&](int lines) {
        const QRect r = tokenRect(cur);
        const int x = r.center().x();
        int line = lineOfToken(cur);
        const int step = lines > 0 ? 1 : -1;
        int remaining = std::abs(lines);
        while (remaining > 0) {
            line += step;
            if (line < 0 || line >= int(lineStarts_.size())) return;
            if (lineStarts_[size_t(line)] != lineEnd(line)) --remaining;  // skip empty lines
        }
        const int b = lineStarts_[size_t(line)];
        const int e = lineEnd(line);
        auto it = std::upper_bound(tokenX_.begin() + b, tokenX_.begin() + e, x - margin_);
        next = std::max(b, int(it - tokenX_.begin()) - 1);
    };
    const int pageLines = std::max(1, viewport()->height() / lineHeight_ - 1);
    switch (event->key()) {
    case Qt::Key_Left: next = cur - 1; break;
    case Qt::Key_Right: next = cur + 1; break;
    case Qt::Key_Up: verticalMove(-1); break;
    case Qt::Key_Down: verticalMove(1); break;
    case Qt::Key_PageUp: verticalMove(-pageLines); break;
    case Qt::Key_PageDown: verticalMove(pageLines); break;
    case Qt::Key_Home: next = 0; break;
    case Qt::Key_End: next = n - 1; break;
    default: return QAbstractScrollArea::keyPressEvent(event);
    }
    next = std::clamp(next, 0, n - 1);
    if (next == selected_) return;
    const int anchor = !(event->modifiers() & Qt::ShiftModifier) ? next : anchor_ < 0 ? cur : anchor_;
    setSelectedToken(next);
    anchor_ = anchor;
    ensureTokenVisible(next, false);
    emit tokenClicked(next);
}

void TokenHeatmapView::changeEvent(QEvent* event) {
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::FontChange) {
        widthCache_.clear();  // widths are only valid for the font they were measured with
        updateMetrics();
        measureTokens();
        relayout();
        viewport()->update();
    }
}

bool TokenHeatmapView::viewportEvent(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int t = tokenAt(help->pos());
        if (t >= 0)
            QToolTip::showText(help->globalPos(), toolTipForToken(t), viewport(), tokenRect(t));
        else
            QToolTip::hideText();
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

}  // namespace gateau::ui
