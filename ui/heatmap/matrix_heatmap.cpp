#include "ui/heatmap/matrix_heatmap.h"

#include <QEvent>
#include <QFontMetrics>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace gateau::ui {

MatrixHeatmap::MatrixHeatmap(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void MatrixHeatmap::setMatrix(int rows, int cols, std::vector<float> rowMajor,
                              QStringList rowLabels, QString colLabel) {
    rows_ = std::max(0, rows);
    cols_ = std::max(0, cols);
    rowMajor.resize(size_t(rows_) * size_t(cols_), std::nanf(""));
    values_ = std::move(rowMajor);
    rowLabels_ = std::move(rowLabels);
    colLabel_ = std::move(colLabel);
    if (scaleFromData_) {
        const bool negative = std::any_of(values_.begin(), values_.end(), [](float v) { return v < 0.0f; });
        scale_ = ColorScale::fromValues(values_, negative ? ColorScale::Kind::Diverging
                                                          : ColorScale::Kind::Sequential);
    }
    hovered_ = {-1, -1};
    if (selectedCol_ >= cols_) selectedCol_ = -1;
    invalidateImage();
    updateGeometry();
    update();
}

void MatrixHeatmap::setColorScale(const ColorScale& scale) {
    scale_ = scale;
    scaleFromData_ = false;
    invalidateImage();
    update();
}

void MatrixHeatmap::setLegendTitle(const QString& title) {
    legendTitle_ = title;
    update();
}

void MatrixHeatmap::setSelectedColumn(int col) {
    if (col < -1 || col >= cols_) col = -1;
    if (col == selectedCol_) return;
    selectedCol_ = col;
    update();
}

float MatrixHeatmap::value(int row, int col) const {
    if (row < 0 || row >= rows_ || col < 0 || col >= cols_) return std::nanf("");
    return values_[size_t(row) * size_t(cols_) + size_t(col)];
}

QString MatrixHeatmap::rowLabel(int row) const {
    return row < rowLabels_.size() ? rowLabels_[row] : QStringLiteral("L%1").arg(row);
}

int MatrixHeatmap::rowLabelWidth() const {
    const QFontMetrics fm(font());
    int w = fm.horizontalAdvance(QStringLiteral("L00"));
    for (int r = 0; r < rows_; ++r) w = std::max(w, fm.horizontalAdvance(rowLabel(r)));
    return w + fm.averageCharWidth();
}

QRect MatrixHeatmap::cellsRect() const {
    const QFontMetrics fm(font());
    const int pad = fm.averageCharWidth();
    const int left = rowLabelWidth() + pad / 2;
    // Below the cells: tick marks + tick labels, the axis title, then the legend.
    const int bottom = fm.height() / 3 + fm.height() + (colLabel_.isEmpty() ? 0 : fm.height()) +
                       ColorLegend::preferredHeight(fm) + pad / 2;
    const int top = fm.height() / 2;
    return QRect(left, top, std::max(1, width() - left - pad), std::max(1, height() - top - bottom));
}

// Cell boundaries use floor(i * extent / count) on both axes, for drawing and hit testing alike.
QRect MatrixHeatmap::cellRect(int row, int col) const {
    if (row < 0 || row >= rows_ || col < 0 || col >= cols_) return {};
    const QRect c = cellsRect();
    auto edge = [](int i, int extent, int count) { return int(int64_t(i) * extent / count); };
    const int x0 = edge(col, c.width(), cols_), x1 = edge(col + 1, c.width(), cols_);
    const int y0 = edge(row, c.height(), rows_), y1 = edge(row + 1, c.height(), rows_);
    return QRect(c.left() + x0, c.top() + y0, std::max(1, x1 - x0), std::max(1, y1 - y0));
}

std::pair<int, int> MatrixHeatmap::cellAt(const QPoint& pos) const {
    const QRect c = cellsRect();
    if (rows_ == 0 || cols_ == 0 || !c.contains(pos)) return {-1, -1};
    // Inverse of edge(): the largest i with floor(i * extent / count) <= offset.
    auto index = [](int offset, int extent, int count) {
        return std::clamp(int((int64_t(offset + 1) * count - 1) / extent), 0, count - 1);
    };
    return {index(pos.y() - c.top(), c.height(), rows_), index(pos.x() - c.left(), c.width(), cols_)};
}

void MatrixHeatmap::ensureImage() {
    if (!image_.isNull() || rows_ == 0 || cols_ == 0) return;
    const QRect c = cellsRect();
    const qreal dpr = devicePixelRatioF();
    const int w = std::max(1, int(std::lround(c.width() * dpr)));
    const int h = std::max(1, int(std::lround(c.height() * dpr)));
    std::vector<int> colOf(static_cast<size_t>(w));
    for (int x = 0; x < w; ++x)
        colOf[size_t(x)] = std::clamp(int((int64_t(x + 1) * cols_ - 1) / w), 0, cols_ - 1);
    std::vector<QRgb> rowColors(static_cast<size_t>(cols_));
    image_ = QImage(w, h, QImage::Format_RGB32);
    int cachedRow = -1;
    for (int y = 0; y < h; ++y) {
        const int row = std::clamp(int((int64_t(y + 1) * rows_ - 1) / h), 0, rows_ - 1);
        if (row != cachedRow) {
            for (int col = 0; col < cols_; ++col) rowColors[size_t(col)] = scale_.rgb(value(row, col));
            cachedRow = row;
        }
        auto* line = reinterpret_cast<QRgb*>(image_.scanLine(y));
        for (int x = 0; x < w; ++x) line[x] = rowColors[size_t(colOf[size_t(x)])];
    }
    image_.setDevicePixelRatio(dpr);
}

int MatrixHeatmap::columnTickStep(int plotWidth) const {
    const QFontMetrics fm(font());
    const int labelW = fm.horizontalAdvance(QString::number(std::max(0, cols_ - 1))) + fm.averageCharWidth() * 3;
    const int maxTicks = std::max(1, plotWidth / std::max(1, labelW));
    const int raw = std::max(1, (cols_ + maxTicks - 1) / maxTicks);
    // 1, 2, 5, 10, 20, 50, ...: segment numbers people can count with.
    for (int mag = 1;; mag *= 10)
        for (int m : {1, 2, 5})
            if (m * mag >= raw) return m * mag;
}

void MatrixHeatmap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QFontMetrics fm(font());
    const QRect c = cellsRect();
    const QColor text = palette().color(QPalette::WindowText);
    if (rows_ == 0 || cols_ == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No data"));
        return;
    }
    ensureImage();
    p.drawImage(c.topLeft(), image_);
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(c.adjusted(-1, -1, 0, 0));

    // Row labels, thinned out when rows are shorter than a line of text.
    p.setPen(text);
    const int rowStep = std::max(1, int(std::ceil(double(fm.height()) * rows_ / c.height())));
    for (int r = 0; r < rows_; r += rowStep) {
        const QRect cr = cellRect(r, 0);
        const QRect lr(0, cr.center().y() - fm.height() / 2, c.left() - fm.averageCharWidth() / 2, fm.height());
        p.drawText(lr, Qt::AlignRight | Qt::AlignVCenter, rowLabel(r));
    }

    // Column ticks at segment centres.
    const int step = columnTickStep(c.width());
    const int tickLen = fm.height() / 3;
    const int labelTop = c.bottom() + 1 + tickLen;
    for (int col = 0; col < cols_; col += step) {
        const QRect cr = cellRect(0, col);
        const int x = cr.left() + cr.width() / 2;
        p.setPen(palette().color(QPalette::Mid));
        p.drawLine(x, c.bottom() + 1, x, c.bottom() + tickLen);
        p.setPen(text);
        const QString label = QString::number(col);
        const int lw = fm.horizontalAdvance(label);
        const int lx = std::clamp(x - lw / 2, c.left(), c.right() + 1 - lw);
        p.drawText(QRect(lx, labelTop, lw, fm.height()), Qt::AlignCenter, label);
    }
    int y = labelTop + fm.height();
    if (!colLabel_.isEmpty()) {
        p.drawText(QRect(c.left(), y, c.width(), fm.height()), Qt::AlignCenter, colLabel_);
        y += fm.height();
    }
    const int legendW = std::min(c.width(), fm.averageCharWidth() * 40);
    ColorLegend::paintLegend(p, QRect(c.right() + 1 - legendW, y + fm.height() / 4, legendW, ColorLegend::preferredHeight(fm)),
                             scale_, legendTitle_, palette());

    if (selectedCol_ >= 0) {
        const QRect top = cellRect(0, selectedCol_), bottom = cellRect(rows_ - 1, selectedCol_);
        p.setPen(QPen(palette().color(QPalette::Highlight), std::max(1, fm.height() / 8)));
        p.setBrush(Qt::NoBrush);
        p.drawRect(top.united(bottom).adjusted(0, 0, -1, -1));
    }
    if (hovered_.first >= 0) {
        p.setPen(QPen(text, 1));
        p.setBrush(Qt::NoBrush);
        p.drawRect(cellRect(hovered_.first, hovered_.second).adjusted(0, 0, -1, -1));
    }
}

void MatrixHeatmap::resizeEvent(QResizeEvent*) { invalidateImage(); }

void MatrixHeatmap::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) {
        invalidateImage();
        updateGeometry();
    }
}

QSize MatrixHeatmap::sizeHint() const {
    const QFontMetrics fm(font());
    return {rowLabelWidth() + std::max(fm.averageCharWidth() * 60, std::min(cols_, 512) * 2),
            fm.height() * (std::max(rows_, 4) + 5)};
}

QSize MatrixHeatmap::minimumSizeHint() const {
    const QFontMetrics fm(font());
    return {rowLabelWidth() + fm.averageCharWidth() * 20, fm.height() * 8};
}

void MatrixHeatmap::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return;
    const auto cell = cellAt(event->position().toPoint());
    if (cell.first >= 0) emit cellClicked(cell.first, cell.second);
}

void MatrixHeatmap::mouseMoveEvent(QMouseEvent* event) {
    const auto cell = cellAt(event->position().toPoint());
    if (cell == hovered_) return;
    hovered_ = cell;
    update();
    emit cellHovered(cell.first, cell.second);
}

void MatrixHeatmap::leaveEvent(QEvent*) {
    if (hovered_.first < 0) return;
    hovered_ = {-1, -1};
    update();
    emit cellHovered(-1, -1);
}

QString MatrixHeatmap::toolTipForCell(int row, int col) const {
    if (row < 0 || row >= rows_ || col < 0 || col >= cols_) return {};
    return tr("<b>%1</b> (row %2)<br>%3 %4<br>value: %5")
        .arg(rowLabel(row).toHtmlEscaped())
        .arg(row)
        .arg(colLabel_.isEmpty() ? tr("column") : colLabel_.toHtmlEscaped())
        .arg(col)
        .arg(ColorScale::formatValue(value(row, col)));
}

bool MatrixHeatmap::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(e);
        const auto cell = cellAt(help->pos());
        if (cell.first >= 0)
            QToolTip::showText(help->globalPos(), toolTipForCell(cell.first, cell.second), this,
                               cellRect(cell.first, cell.second));
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(e);
}

}  // namespace gateau::ui
