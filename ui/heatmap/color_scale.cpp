#include "ui/heatmap/color_scale.h"

#include <QFontMetrics>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace gateau::ui {

namespace {

struct Stop {
    double t;
    int r, g, b;
};

// OrRd-like ramp: stays light for a long stretch so text on top remains legible, and ends in
// a deep red that is distinct from the diverging palette's orange end.
constexpr Stop kSequential[] = {
    {0.00, 255, 255, 255}, {0.25, 254, 232, 200}, {0.50, 253, 187, 132},
    {0.75, 239, 101, 72},  {1.00, 179, 0, 0},
};
// Positive half of the diverging palette; the negative half is the same ramp with red and
// blue swapped, so equal magnitudes of either sign carry exactly the same visual weight.
constexpr Stop kDivergingPositive[] = {
    {0.00, 255, 255, 255}, {0.50, 253, 174, 97}, {1.00, 215, 48, 39},
};

template <size_t N>
QRgb interpolate(const Stop (&stops)[N], double t) {
    t = std::clamp(t, 0.0, 1.0);
    size_t i = 1;
    while (i + 1 < N && t > stops[i].t) ++i;
    const Stop& a = stops[i - 1];
    const Stop& b = stops[i];
    const double f = (t - a.t) / (b.t - a.t);
    auto mix = [f](int x, int y) { return int(std::lround(x + (y - x) * f)); };
    return qRgb(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b));
}

float sanitizeMax(float max) { return (std::isfinite(max) && max > 0.0f) ? max : 1.0f; }

}  // namespace

ColorScale::ColorScale() = default;

ColorScale ColorScale::sequential(float max, float gamma) {
    ColorScale s;
    s.kind_ = Kind::Sequential;
    s.setMaximum(max);
    s.setGamma(gamma);
    return s;
}

ColorScale ColorScale::sequentialLog(float max, float floorRatio) {
    ColorScale s;
    s.kind_ = Kind::Sequential;
    s.setMaximum(max);
    s.setLog(floorRatio);
    return s;
}

ColorScale ColorScale::sequentialRange(float min, float max) {
    ColorScale s;
    s.kind_ = Kind::Sequential;
    s.setMaximum(max);
    if (std::isfinite(min) && min < s.max_) s.min_ = min;
    return s;
}

ColorScale ColorScale::diverging(float absMax, float gamma) {
    ColorScale s;
    s.kind_ = Kind::Diverging;
    s.setMaximum(std::fabs(absMax));
    s.setGamma(gamma);
    return s;
}

float ColorScale::robustMax(const std::vector<float>& values, double percentile, bool absolute) {
    std::vector<float> v;
    v.reserve(values.size());
    for (float x : values)
        if (std::isfinite(x)) v.push_back(absolute ? std::fabs(x) : x);
    if (v.empty()) return 1.0f;
    percentile = std::clamp(percentile, 0.0, 1.0);
    // Nearest rank; the epsilon keeps p * n that is an integer in exact arithmetic
    // (0.99 * 500) from being rounded up by floating-point noise.
    const double rank = std::ceil(percentile * double(v.size()) - 1e-9);
    const size_t k = size_t(std::clamp(rank - 1.0, 0.0, double(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
    float r = v[k];
    if (!(r > 0.0f)) r = *std::max_element(v.begin(), v.end());
    return r > 0.0f ? r : 1.0f;
}

ColorScale ColorScale::fromValues(const std::vector<float>& values, Kind kind, double percentile) {
    const float m = robustMax(values, percentile, kind == Kind::Diverging);
    return kind == Kind::Diverging ? diverging(m) : sequential(m);
}

void ColorScale::setMaximum(float max) { max_ = sanitizeMax(max); }

void ColorScale::setGamma(float gamma) {
    gamma_ = (std::isfinite(gamma) && gamma > 0.0f) ? gamma : 1.0f;
    transform_ = gamma_ == 1.0f ? Transform::Linear : Transform::Gamma;
}

void ColorScale::setLog(float floorRatio) {
    floorRatio_ = (std::isfinite(floorRatio) && floorRatio > 0.0f && floorRatio < 1.0f)
                      ? floorRatio
                      : 1e-3f;
    transform_ = Transform::Log;
}

double ColorScale::normalized(float value) const {
    if (std::isnan(value)) return std::nan("");
    const double sign = (kind_ == Kind::Diverging && value < 0.0f) ? -1.0 : 1.0;
    const double a = kind_ == Kind::Diverging ? std::fabs(double(value)) : double(value);
    double t = 0.0;
    switch (transform_) {
    case Transform::Linear:
        t = (a - min_) / (max_ - min_);
        break;
    case Transform::Gamma:
        t = a > 0.0 ? std::pow(std::min(a / max_, 1.0), double(gamma_)) : 0.0;
        break;
    case Transform::Log: {
        const double floor = double(max_) * floorRatio_;
        t = a > floor ? std::log(a / floor) / std::log(double(max_) / floor) : 0.0;
        break;
    }
    }
    return sign * std::clamp(t, 0.0, 1.0);
}

QRgb ColorScale::rgbAt(double t) const {
    if (std::isnan(t)) return nanColor().rgb();
    if (kind_ == Kind::Sequential) return interpolate(kSequential, t);
    const QRgb c = interpolate(kDivergingPositive, std::fabs(t));
    return t < 0.0 ? qRgb(qBlue(c), qGreen(c), qRed(c)) : c;
}

QRgb ColorScale::rgb(float value) const { return rgbAt(normalized(value)); }

QColor ColorScale::color(float value) const { return QColor(rgb(value)); }

QColor ColorScale::textColorFor(const QColor& bg) {
    const double luma = 0.299 * bg.red() + 0.587 * bg.green() + 0.114 * bg.blue();
    return luma < 150.0 ? QColor(Qt::white) : QColor(Qt::black);
}

QString ColorScale::formatValue(float value) {
    if (std::isnan(value)) return QStringLiteral("NaN");
    if (value == 0.0f) return QStringLiteral("0");
    return QString::number(double(value), 'g', 3);
}

QString ColorScale::legendText() const {
    QString s;
    if (kind_ == Kind::Diverging)
        s = QStringLiteral("%1 … 0 … +%2").arg(formatValue(-max_), formatValue(max_));
    else
        s = QStringLiteral("%1 – %2").arg(formatValue(min_), formatValue(max_));
    if (transform_ == Transform::Gamma)
        s += QStringLiteral(" (γ %1)").arg(double(gamma_), 0, 'g', 2);
    else if (transform_ == Transform::Log)
        s += QStringLiteral(" (log, floor %1)").arg(formatValue(max_ * floorRatio_));
    return s;
}

bool ColorScale::operator==(const ColorScale& o) const {
    return kind_ == o.kind_ && transform_ == o.transform_ && max_ == o.max_ && min_ == o.min_ &&
           gamma_ == o.gamma_ && floorRatio_ == o.floorRatio_;
}

// ---------------------------------------------------------------------------------------------

ColorLegend::ColorLegend(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void ColorLegend::setScale(const ColorScale& scale) {
    scale_ = scale;
    setToolTip(scale_.legendText());
    update();
}

void ColorLegend::setTitle(const QString& title) {
    title_ = title;
    updateGeometry();
    update();
}

int ColorLegend::preferredHeight(const QFontMetrics& fm) {
    return fm.height() * 2 + fm.height() / 4;
}

QSize ColorLegend::sizeHint() const {
    const QFontMetrics fm(font());
    const int titleW = title_.isEmpty() ? 0 : fm.horizontalAdvance(title_) + fm.averageCharWidth();
    return {titleW + fm.averageCharWidth() * 24, preferredHeight(fm)};
}

QSize ColorLegend::minimumSizeHint() const {
    const QFontMetrics fm(font());
    return {fm.averageCharWidth() * 12, preferredHeight(fm)};
}

void ColorLegend::paintLegend(QPainter& p, const QRect& rect, const ColorScale& scale,
                              const QString& title, const QPalette& palette) {
    const QFontMetrics fm = p.fontMetrics();
    const int gap = fm.averageCharWidth();
    int left = rect.left();
    const int barH = std::max(2, fm.height() * 2 / 3);
    const int barTop = rect.top() + fm.height() / 8;
    p.save();
    p.setPen(palette.color(QPalette::WindowText));
    if (!title.isEmpty()) {
        const int tw = fm.horizontalAdvance(title);
        p.drawText(QRect(left, rect.top(), tw, fm.height()), Qt::AlignLeft | Qt::AlignTop, title);
        left += tw + gap;
    }
    const QRect bar(left, barTop, std::max(1, rect.right() - left + 1), barH);
    // One sample per device column, so gamma/log scales show their real shape.
    const qreal dpr = p.device() ? p.device()->devicePixelRatioF() : 1.0;
    const int samples = std::max(2, int(bar.width() * dpr));
    QImage ramp(samples, 1, QImage::Format_RGB32);
    const bool div = scale.kind() == ColorScale::Kind::Diverging;
    for (int x = 0; x < samples; ++x) {
        const double u = double(x) / double(samples - 1);
        ramp.setPixel(x, 0, scale.rgbAt(div ? 2.0 * u - 1.0 : u));
    }
    p.drawImage(bar, ramp);
    p.setPen(palette.color(QPalette::Mid));
    p.setBrush(Qt::NoBrush);
    p.drawRect(bar.adjusted(0, 0, -1, -1));

    p.setPen(palette.color(QPalette::WindowText));
    const QRect labels(bar.left(), bar.bottom() + 1, bar.width(), fm.height());
    // On a log scale the left end is the floor, not 0: everything at or below it is white.
    const QString minText = scale.transform() == ColorScale::Transform::Log && !div
                                ? QStringLiteral("≤%1").arg(ColorScale::formatValue(scale.maximum() * scale.logFloorRatio()))
                                : ColorScale::formatValue(scale.minimum());
    const QStringList text = legendLabels(scale, minText, fm, labels.width());
    if (!text[0].isEmpty()) p.drawText(labels, Qt::AlignLeft | Qt::AlignTop, text[0]);
    if (!text[1].isEmpty()) p.drawText(labels, Qt::AlignHCenter | Qt::AlignTop, text[1]);
    p.drawText(labels, Qt::AlignRight | Qt::AlignTop, text[2]);
    p.restore();
}

QStringList ColorLegend::legendLabels(const ColorScale& scale, const QString& minText, const QFontMetrics& fm, int width) {
    const bool div = scale.kind() == ColorScale::Kind::Diverging;
    QString maxText = ColorScale::formatValue(scale.maximum());
    QString centre;
    if (div) {
        maxText.prepend(QLatin1Char('+'));
        centre = QStringLiteral("0");
    } else if (scale.transform() != ColorScale::Transform::Linear) {
        centre = scale.transform() == ColorScale::Transform::Log
                     ? QStringLiteral("log")
                     : QStringLiteral("γ %1").arg(double(scale.gamma()), 0, 'g', 2);
    }
    // Labels never overlap: the centre one goes first when space runs out, then the minimum
    // (the maximum says the top of the range, the bar's colours the rest).
    const int gap = fm.horizontalAdvance(QLatin1Char(' '));
    const int wMin = fm.horizontalAdvance(minText), wMax = fm.horizontalAdvance(maxText);
    const int wCentre = centre.isEmpty() ? 0 : fm.horizontalAdvance(centre);
    const bool showCentre = !centre.isEmpty() && (wCentre + 1) / 2 + gap + std::max(wMin, wMax) <= width / 2;
    const bool showMin = wMin + gap + wMax <= width;
    return {showMin ? minText : QString(), showCentre ? centre : QString(), maxText};
}

void ColorLegend::paintEvent(QPaintEvent*) {
    QPainter p(this);
    paintLegend(p, rect(), scale_, title_, palette());
}

}  // namespace gateau::ui
