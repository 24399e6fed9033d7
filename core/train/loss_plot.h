#pragma once
// loss.svg: the loss log as a plot (raw loss, its moving average, the sequence-length
// stages), rewritten at every checkpoint so that a long run can be watched in a browser.
// Torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace gateau::train {

struct LossPoint {
    int64_t step = 0;
    int64_t seqLen = 0;
    double loss = 0;
};

// Rows of loss.csv text (header skipped; malformed rows ignored).
std::vector<LossPoint> parseLossCsv(const std::string& csv);

// A self-contained SVG document; an empty log gives an empty frame.
std::string lossPlotSvg(const std::vector<LossPoint>& points, const std::string& title);

}  // namespace gateau::train
