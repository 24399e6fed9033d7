#pragma once
// Small helpers shared by the inspector panel's files (inspector_panel.cpp: layout and
// loading; inspector_token_attention.cpp: on-demand token-level attention;
// inspector_paint.cpp: painting). Internal to ui/inspector.
#include <QColor>
#include <QString>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace gateau::ui::inspector_detail {

// Okabe-Ito, as in the score plots.
inline const QColor kBlue{0x00, 0x72, 0xB2};
inline const QColor kOrange{0xE6, 0x9F, 0x00};
inline const QColor kGreen{0x00, 0x9E, 0x73};

enum ScaleChoice { kScaleLog = 0, kScaleGamma = 1, kScaleLinear = 2, kScaleRange = 3 };

inline QString qs(const std::string& s) { return QString::fromStdString(s); }

inline QString num(double v, int digits = 4) {
    if (!std::isfinite(v)) return QStringLiteral("–");
    return QString::number(v, 'g', digits);
}

// Token display strings for a heatmap.
inline std::vector<QString> textsOf(const std::vector<std::string>& texts, size_t from, size_t to) {
    std::vector<QString> out;
    out.reserve(to > from ? to - from : 0);
    for (size_t i = from; i < to && i < texts.size(); ++i) out.push_back(QString::fromStdString(texts[i]));
    return out;
}

inline float robustPositiveMin(const std::vector<float>& v) {
    float m = std::numeric_limits<float>::infinity();
    for (float x : v)
        if (std::isfinite(x) && x > 0) m = std::min(m, x);
    return m;
}

// Nearest-rank low percentile of the finite values, the bottom of the "sample range" scale
// (the mirror of ColorScale::robustMax at its top: one outlier does not set the range).
inline float robustMin(const std::vector<float>& values, double percentile) {
    std::vector<float> v;
    for (float x : values)
        if (std::isfinite(x)) v.push_back(x);
    if (v.empty()) return 0.0f;
    const size_t k = size_t(std::clamp(std::ceil(percentile * double(v.size()) - 1e-9) - 1.0, 0.0, double(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
    return v[k];
}

}  // namespace gateau::ui::inspector_detail
