#pragma once
// Whole-context overview next to the token view: one row band per segment, two colour columns
// (attention, importance) and a translucent box for what the token view currently shows.

#include "ui/heatmap/color_scale.h"

#include <QImage>
#include <QWidget>

#include <vector>

namespace gateau::ui {

class SegmentMinimap : public QWidget {
    Q_OBJECT
public:
    explicit SegmentMinimap(QWidget* parent = nullptr);

    // Both vectors describe the same segments; the shorter one is padded with NaN.
    void setData(std::vector<float> attention, ColorScale attentionScale,
                 std::vector<float> importance, ColorScale importanceScale);
    void setVisibleSegments(int first, int last);  // inclusive; -1,-1 hides the box
    void setColumnTitles(const QString& attention, const QString& importance);

    int segmentCount() const { return int(attention_.size()); }
    std::pair<int, int> visibleSegments() const { return {visibleFirst_, visibleLast_}; }
    const ColorScale& attentionScale() const { return attentionScale_; }
    const ColorScale& importanceScale() const { return importanceScale_; }

    // Area covered by the two columns, widget coordinates.
    QRect stripRect() const;
    QRect attentionColumnRect() const;
    QRect importanceColumnRect() const;
    // Segment a widget y maps to (clamped into the strip); -1 when there are no segments.
    int segmentAt(int y) const;
    // Top and bottom (exclusive) y of a segment's band (several segments share a row when
    // there are more segments than pixels).
    std::pair<int, int> segmentSpan(int segment) const;
    QString toolTipForSegment(int segment) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void segmentClicked(int segment);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void rebuildImage();
    int columnWidth() const;
    int headerHeight() const;
    int gap() const;

    std::vector<float> attention_;
    std::vector<float> importance_;
    ColorScale attentionScale_;
    ColorScale importanceScale_ = ColorScale::diverging(1.0f);
    QString attentionTitle_;
    QString importanceTitle_;
    int visibleFirst_ = -1;
    int visibleLast_ = -1;
    int lastDragSegment_ = -1;
    QImage image_;  // 2 columns x one row per device pixel of the strip, max-aggregated
};

}  // namespace gateau::ui
