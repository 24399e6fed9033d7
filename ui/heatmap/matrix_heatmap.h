#pragma once
// rows x cols heatmap (layers x segments, up to ~64 x 512) with row labels, a column axis and
// an inline colour legend. Cells are rendered once per size into a QImage, not per paint.

#include "ui/heatmap/color_scale.h"

#include <QImage>
#include <QStringList>
#include <QWidget>

#include <vector>

namespace gateau::ui {

class MatrixHeatmap : public QWidget {
    Q_OBJECT
public:
    explicit MatrixHeatmap(QWidget* parent = nullptr);

    // values are row-major, rows * cols long (padded with NaN / truncated otherwise). The colour
    // scale is derived from the data (diverging when there are negative values) until
    // setColorScale() is called.
    void setMatrix(int rows, int cols, std::vector<float> rowMajor, QStringList rowLabels = {},
                   QString colLabel = {});
    void setColorScale(const ColorScale& scale);
    void setLegendTitle(const QString& title);

    int rows() const { return rows_; }
    int cols() const { return cols_; }
    float value(int row, int col) const;
    const ColorScale& colorScale() const { return scale_; }
    int selectedColumn() const { return selectedCol_; }
    void setSelectedColumn(int col);  // thin marker, e.g. the segment shown in the token view

    // Widget coordinates of the cell area and of one cell; cellAt returns {-1,-1} outside.
    QRect cellsRect() const;
    QRect cellRect(int row, int col) const;
    std::pair<int, int> cellAt(const QPoint& pos) const;
    QString toolTipForCell(int row, int col) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void cellClicked(int row, int col);
    void cellHovered(int row, int col);  // -1,-1 when leaving the cells

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    bool event(QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void invalidateImage() { image_ = QImage(); }
    void ensureImage();
    int rowLabelWidth() const;
    int columnTickStep(int plotWidth) const;
    QString rowLabel(int row) const;

    int rows_ = 0;
    int cols_ = 0;
    std::vector<float> values_;
    QStringList rowLabels_;
    QString colLabel_;
    QString legendTitle_;
    ColorScale scale_;
    bool scaleFromData_ = true;
    int selectedCol_ = -1;
    std::pair<int, int> hovered_{-1, -1};
    QImage image_;  // cells at device resolution of cellsRect(), nearest-neighbour by construction
};

}  // namespace gateau::ui
