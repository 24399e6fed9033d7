#pragma once
// Binning for ScoreHistogram, kept free of widgets so it can be reasoned about and tested.

#include <vector>

namespace gateau::ui {

struct HistogramBins {
    // edges.size() == counts.size() + 1. Bin i is [edges[i], edges[i+1]); the last bin also
    // holds values equal to edges.back().
    std::vector<double> edges;
    std::vector<int> counts;
};

// Freedman–Diaconis (robust to the long right tails scores have), falling back to the
// square-root rule when the interquartile range is zero; clamped to 10..100.
// `sortedFinite` must be sorted ascending and contain no NaN/inf.
int suggestedBinCount(const std::vector<double>& sortedFinite);

// Bins the finite values (NaN/inf are ignored). When `threshold` lies inside the data range,
// the bins are shifted so that it is exactly an edge: no bar then straddles the selection
// cut, every bar is wholly selected or wholly not, and the bars right of the cut add up to
// exactly the number of values >= threshold. The bin width stays the one suggestedBinCount
// gives for the data range, so at most two extra bins appear.
HistogramBins computeHistogramBins(const std::vector<double>& values, double threshold);

// The bin `value` falls in, or -1 when it is outside [edges.front(), edges.back()] or NaN.
int histogramBinIndex(const std::vector<double>& edges, double value);

}  // namespace gateau::ui
