#pragma once
// Value -> colour mapping shared by every heatmap widget, so that the token view, the
// minimap and the layer matrix agree on what a colour means.

#include <QColor>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

namespace gateau::ui {

class ColorScale {
public:
    // Sequential: attention mass (0..max). Diverging: signed deltas such as
    // log p_B - log p_A, symmetric around 0 so that sign is readable at a glance.
    enum class Kind { Sequential, Diverging };
    // Gamma < 1 and Log lift the tiny per-token values of a 64k context above white.
    enum class Transform { Linear, Gamma, Log };

    ColorScale();  // sequential, linear, 0..1

    static ColorScale sequential(float max, float gamma = 1.0f);
    // Log scale over [max * floorRatio, max]; values at or below the floor map to white.
    static ColorScale sequentialLog(float max, float floorRatio = 1e-3f);
    static ColorScale diverging(float absMax, float gamma = 1.0f);
    // Linear over [min, max]: the sample's own range, so that a near-uniform sample (every
    // value close to the mean) still shows which tokens are above or below it.
    static ColorScale sequentialRange(float min, float max);
    // Range from data using a robust maximum (percentile of finite values, of |v| when
    // diverging) so that a single spike does not wash out everything else.
    static ColorScale fromValues(const std::vector<float>& values, Kind kind,
                                 double percentile = 0.99);
    // Nearest-rank percentile of the finite values (of |v| when `absolute`); falls back to the
    // true maximum when the percentile is 0, and to 1 when there is nothing positive at all.
    static float robustMax(const std::vector<float>& values, double percentile = 0.99,
                           bool absolute = false);

    Kind kind() const { return kind_; }
    Transform transform() const { return transform_; }
    float minimum() const { return kind_ == Kind::Diverging ? -max_ : min_; }
    float maximum() const { return max_; }
    float gamma() const { return gamma_; }
    float logFloorRatio() const { return floorRatio_; }

    void setMaximum(float max);
    void setGamma(float gamma);                 // switches to Transform::Gamma (1 -> Linear)
    void setLog(float floorRatio = 1e-3f);      // switches to Transform::Log

    // Position on the palette after clamping and transform: [0,1] sequential, [-1,1] diverging.
    // NaN for NaN input.
    double normalized(float value) const;
    QColor color(float value) const;
    QRgb rgb(float value) const;
    // Colour of a palette position (the inverse view of normalized()), for gradient bars.
    QRgb rgbAt(double t) const;
    // Black or white, whichever reads better on color(value).
    static QColor textColorFor(const QColor& background);
    static QColor nanColor() { return QColor(160, 160, 160); }

    static QString formatValue(float value);
    // One-line description, e.g. "0 – 0.0123 (log)" or "−0.5 … 0 … +0.5".
    QString legendText() const;

    bool operator==(const ColorScale& o) const;
    bool operator!=(const ColorScale& o) const { return !(*this == o); }

private:
    Kind kind_ = Kind::Sequential;
    Transform transform_ = Transform::Linear;
    float max_ = 1.0f;
    float min_ = 0.0f;  // sequential linear only (sequentialRange)
    float gamma_ = 1.0f;
    float floorRatio_ = 1e-3f;
};

// Gradient bar with min/max (and 0 for diverging) labels. paintLegend() is reused by the
// matrix widget, which draws its legend inline rather than as a child widget.
class ColorLegend : public QWidget {
    Q_OBJECT
public:
    explicit ColorLegend(QWidget* parent = nullptr);

    void setScale(const ColorScale& scale);
    const ColorScale& scale() const { return scale_; }
    void setTitle(const QString& title);
    QString title() const { return title_; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    static void paintLegend(QPainter& p, const QRect& rect, const ColorScale& scale,
                            const QString& title, const QPalette& palette);
    static int preferredHeight(const QFontMetrics& fm);
    // The {left, centre, right} labels drawn under a bar `width` pixels wide ("" where one is
    // left out): they never overlap; the centre label goes first, then the left one.
    static QStringList legendLabels(const ColorScale& scale, const QString& minText, const QFontMetrics& fm, int width);

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    ColorScale scale_;
    QString title_;
};

}  // namespace gateau::ui
