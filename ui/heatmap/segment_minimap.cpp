#include "ui/heatmap/segment_minimap.h"

#include <QEvent>
#include <QFontMetrics>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace gateau::ui {

namespace {

// Max of the finite values in [a, b); for signed importance "max" means largest magnitude so
// that a strong negative segment is not hidden by a weak positive neighbour.
float aggregate(const std::vector<float>& v, size_t a, size_t b, bool byMagnitude) {
    float best = std::nanf("");
    for (size_t i = a; i < b && i < v.size(); ++i) {
        const float x = v[i];
        if (std::isnan(x)) continue;
        if (std::isnan(best) || (byMagnitude ? std::fabs(x) > std::fabs(best) : x > best)) best = x;
    }
    return best;
}

}  // namespace

SegmentMinimap::SegmentMinimap(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
    setColumnTitles(tr("A"), tr("I"));
}

void SegmentMinimap::setColumnTitles(const QString& attention, const QString& importance) {
    attentionTitle_ = attention;
    importanceTitle_ = importance;
    update();
}

int SegmentMinimap::columnWidth() const {
    // About 14 px at the default font, and it grows with the font on high-DPI setups.
    const QFontMetrics fm(font());
    return std::max(fm.height() * 5 / 6, fm.horizontalAdvance(QStringLiteral("M")) + 2);
}

int SegmentMinimap::gap() const { return std::max(1, columnWidth() / 7); }

int SegmentMinimap::headerHeight() const { return QFontMetrics(font()).height() + gap(); }

QSize SegmentMinimap::sizeHint() const {
    return {2 * columnWidth() + 3 * gap(), headerHeight() + QFontMetrics(font()).height() * 20};
}

QSize SegmentMinimap::minimumSizeHint() const {
    return {2 * columnWidth() + 3 * gap(), headerHeight() + QFontMetrics(font()).height() * 3};
}

QRect SegmentMinimap::stripRect() const {
    const int g = gap();
    return QRect(g, headerHeight(), 2 * columnWidth() + g, std::max(1, height() - headerHeight() - g));
}

QRect SegmentMinimap::attentionColumnRect() const {
    const QRect s = stripRect();
    return QRect(s.left(), s.top(), columnWidth(), s.height());
}

QRect SegmentMinimap::importanceColumnRect() const {
    const QRect s = stripRect();
    return QRect(s.right() + 1 - columnWidth(), s.top(), columnWidth(), s.height());
}

void SegmentMinimap::setData(std::vector<float> attention, ColorScale attentionScale,
                             std::vector<float> importance, ColorScale importanceScale) {
    const size_t n = std::max(attention.size(), importance.size());
    attention.resize(n, std::nanf(""));
    importance.resize(n, std::nanf(""));
    attention_ = std::move(attention);
    importance_ = std::move(importance);
    attentionScale_ = attentionScale;
    importanceScale_ = importanceScale;
    lastDragSegment_ = -1;
    rebuildImage();
    update();
}

void SegmentMinimap::setVisibleSegments(int first, int last) {
    if (first > last) std::swap(first, last);
    if (first == visibleFirst_ && last == visibleLast_) return;
    visibleFirst_ = first;
    visibleLast_ = last;
    update();
}

int SegmentMinimap::segmentAt(int y) const {
    const int n = segmentCount();
    if (n == 0) return -1;
    const QRect s = stripRect();
    const int dy = std::clamp(y - s.top(), 0, s.height() - 1);
    return std::clamp(int(int64_t(dy) * n / s.height()), 0, n - 1);
}

std::pair<int, int> SegmentMinimap::segmentSpan(int segment) const {
    const QRect s = stripRect();
    const int n = std::max(1, segmentCount());
    // Inverse of segmentAt: the rows whose floor(dy * n / h) equals segment.
    auto rowStart = [&](int64_t seg) { return int((seg * s.height() + n - 1) / n); };
    const int a = rowStart(segment);
    const int b = std::max(a + 1, rowStart(int64_t(segment) + 1));
    return {s.top() + a, s.top() + b};
}

void SegmentMinimap::rebuildImage() {
    const int n = segmentCount();
    const QRect s = stripRect();
    const qreal dpr = devicePixelRatioF();
    const int rows = std::max(1, int(std::lround(s.height() * dpr)));
    if (n == 0) {
        image_ = QImage();
        return;
    }
    image_ = QImage(2, rows, QImage::Format_RGB32);
    for (int r = 0; r < rows; ++r) {
        // Same floor mapping as segmentAt, so a clicked row is the row that was drawn there.
        const size_t a = size_t(int64_t(r) * n / rows);
        const size_t b = std::max(a + 1, size_t(int64_t(r + 1) * n / rows));
        image_.setPixel(0, r, attentionScale_.rgb(aggregate(attention_, a, b, false)));
        image_.setPixel(1, r, importanceScale_.rgb(aggregate(importance_, a, b, true)));
    }
}

void SegmentMinimap::resizeEvent(QResizeEvent*) { rebuildImage(); }

void SegmentMinimap::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) {
        updateGeometry();
        rebuildImage();
    }
}

void SegmentMinimap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QRect a = attentionColumnRect();
    const QRect im = importanceColumnRect();
    const QFontMetrics fm(font());

    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRect(a.left(), 0, a.width(), fm.height()), Qt::AlignCenter, attentionTitle_);
    p.drawText(QRect(im.left(), 0, im.width(), fm.height()), Qt::AlignCenter, importanceTitle_);

    if (image_.isNull()) {
        p.fillRect(a, palette().color(QPalette::Base));
        p.fillRect(im, palette().color(QPalette::Base));
    } else {
        // Each image column is stretched horizontally only; rows are already one per pixel.
        p.drawImage(a, image_, QRect(0, 0, 1, image_.height()));
        p.drawImage(im, image_, QRect(1, 0, 1, image_.height()));
    }
    p.setPen(palette().color(QPalette::Mid));
    p.setBrush(Qt::NoBrush);
    p.drawRect(a.adjusted(0, 0, -1, -1));
    p.drawRect(im.adjusted(0, 0, -1, -1));

    if (visibleFirst_ >= 0 && segmentCount() > 0) {
        const int top = segmentSpan(std::clamp(visibleFirst_, 0, segmentCount() - 1)).first;
        const int bottom = segmentSpan(std::clamp(visibleLast_, 0, segmentCount() - 1)).second;
        const QRect s = stripRect();
        const int minH = std::max(2, gap() * 2);  // stay findable when the view is a sliver
        QRect box(s.left() - gap() + 1, top, s.width() + 2 * gap() - 2, std::max(minH, bottom - top));
        QColor fill = palette().color(QPalette::Highlight);
        fill.setAlpha(50);
        p.fillRect(box, fill);
        QPen pen(palette().color(QPalette::Highlight), std::max(1, gap() / 2));
        p.setPen(pen);
        p.drawRect(box.adjusted(0, 0, -1, -1));
    }
}

void SegmentMinimap::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return;
    const int s = segmentAt(event->position().toPoint().y());
    if (s < 0) return;
    lastDragSegment_ = s;
    emit segmentClicked(s);
}

void SegmentMinimap::mouseMoveEvent(QMouseEvent* event) {
    if (!(event->buttons() & Qt::LeftButton)) return;
    const int s = segmentAt(event->position().toPoint().y());
    if (s < 0 || s == lastDragSegment_) return;  // dragging within a band is not a new click
    lastDragSegment_ = s;
    emit segmentClicked(s);
}

QString SegmentMinimap::toolTipForSegment(int segment) const {
    if (segment < 0 || segment >= segmentCount()) return {};
    return tr("<b>Segment %1</b> of %2<br>attention: %3<br>importance: %4")
        .arg(segment)
        .arg(segmentCount())
        .arg(ColorScale::formatValue(attention_[size_t(segment)]),
             ColorScale::formatValue(importance_[size_t(segment)]));
}

bool SegmentMinimap::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(e);
        if (help->pos().y() < stripRect().top()) {
            QToolTip::showText(help->globalPos(),
                               tr("<b>%1</b>: attention mass per segment (%2)<br>"
                                  "<b>%3</b>: importance per segment, log p<sub>B</sub> − "
                                  "log p<sub>A</sub> (%4)<br>The box marks the visible tokens; "
                                  "click or drag to jump.")
                                   .arg(attentionTitle_.toHtmlEscaped(), attentionScale_.legendText(),
                                        importanceTitle_.toHtmlEscaped(), importanceScale_.legendText()),
                               this);
        } else {
            const int s = segmentAt(help->pos().y());
            if (s >= 0) {
                const auto span = segmentSpan(s);
                QToolTip::showText(help->globalPos(), toolTipForSegment(s), this,
                                   QRect(stripRect().left(), span.first, stripRect().width(),
                                         span.second - span.first));
            } else {
                QToolTip::hideText();
            }
        }
        return true;
    }
    return QWidget::event(e);
}

}  // namespace gateau::ui
