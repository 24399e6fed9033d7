#include "core/train/loss_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace gateau::train {

std::vector<LossPoint> parseLossCsv(const std::string& csv) {
    std::vector<LossPoint> out;
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        long long step = 0, len = 0;
        double loss = 0;
        if (std::sscanf(line.c_str(), "%lld,%lld,%lf", &step, &len, &loss) == 3 && std::isfinite(loss))
            out.push_back({step, len, loss});
    }
    return out;
}

std::string lossPlotSvg(const std::vector<LossPoint>& points, const std::string& title) {
    constexpr double W = 800, H = 400, left = 60, right = 20, top = 30, bottom = 40;
    std::ostringstream s;
    char buf[1024];  // the longest piece is the axis labels, ~600 characters
    s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s << "<text x=\"" << left << "\" y=\"18\">" << title << "</text>\n";
    s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << W - left - right << "\" height=\"" << H - top - bottom
      << "\" fill=\"none\" stroke=\"#888\"/>\n";
    if (points.empty()) return s.str() + "</svg>\n";

    double lo = points[0].loss, hi = points[0].loss;
    for (const auto& p : points) lo = std::min(lo, p.loss), hi = std::max(hi, p.loss);
    if (hi - lo < 1e-9) hi = lo + 1;
    const double x0 = double(points.front().step), x1 = std::max(double(points.back().step), x0 + 1);
    auto X = [&](double step) { return left + (step - x0) / (x1 - x0) * (W - left - right); };
    auto Y = [&](double loss) { return top + (hi - loss) / (hi - lo) * (H - top - bottom); };

    // Where the sequence length changes: a dashed line and the new length.
    for (size_t i = 1; i < points.size(); ++i)
        if (points[i].seqLen != points[i - 1].seqLen) {
            std::snprintf(buf, sizeof buf,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#aaa\" stroke-dasharray=\"4\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" fill=\"#666\">len %lld</text>\n",
                          X(double(points[i].step)), top, X(double(points[i].step)), H - bottom,
                          X(double(points[i].step)) + 3, top + 14, (long long)points[i].seqLen);
            s << buf;
        }
    auto polyline = [&](const std::vector<double>& ys, const char* style) {
        s << "<polyline fill=\"none\" " << style << " points=\"";
        for (size_t i = 0; i < points.size(); ++i) {
            std::snprintf(buf, sizeof buf, "%.1f,%.1f ", X(double(points[i].step)), Y(ys[i]));
            s << buf;
        }
        s << "\"/>\n";
    };
    std::vector<double> raw, avg;
    double ema = points[0].loss;
    const double a = 2.0 / (1.0 + std::max<double>(5, double(points.size()) / 50));
    for (const auto& p : points) {
        raw.push_back(p.loss);
        ema = a * p.loss + (1 - a) * ema;
        avg.push_back(ema);
    }
    polyline(raw, "stroke=\"#9ecae1\" stroke-width=\"1\"");
    polyline(avg, "stroke=\"#08519c\" stroke-width=\"2\"");
    std::snprintf(buf, sizeof buf,
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text><text x=\"%.1f\" y=\"%.1f\" "
                  "text-anchor=\"end\">%.3g</text>\n<text x=\"%.1f\" y=\"%.1f\">step %lld</text><text x=\"%.1f\" "
                  "y=\"%.1f\" text-anchor=\"end\">step %lld</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">"
                  "loss (light: per step, dark: moving average); last %.4f</text>\n",
                  left - 5, top + 10, hi, left - 5, H - bottom, lo, left, H - bottom + 16,
                  (long long)points.front().step, W - right, H - bottom + 16, (long long)points.back().step, W - right,
                  H - 8, points.back().loss);
    s << buf << "</svg>\n";
    return s.str();
}

}  // namespace gateau::train
