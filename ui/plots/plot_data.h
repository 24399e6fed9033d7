#pragma once
// Plain data shared by the score plots. Deliberately free of core/db types so the plot
// library stays a leaf that only needs Qt; the UI layer converts its rows into these.

#include <cstdint>
#include <vector>

namespace gateau::ui {

// How a sample ended up in (or out of) the curated subset. Auto* come from the ranking and
// the selection threshold; Keep/Drop are manual overrides by the user.
enum class PlotDecision { AutoSelected, AutoRejected, Keep, Drop };

// In the curated subset: what the ranking calls selected (a kept sample always is, a dropped
// one never). Every count of "selected" in the plots goes through here.
inline bool isSelected(PlotDecision d) { return d == PlotDecision::AutoSelected || d == PlotDecision::Keep; }

struct PlotPoint {
    int64_t sampleId;
    double x;
    double y;
    PlotDecision decision;
};

}  // namespace gateau::ui
