#pragma once
#include "app/cli/command.h"

namespace gateau::cli {
// Scores the first --samples of a dataset (default: the demo) into a temporary project and
// prints samples/s, each phase's share of the time, and the segment-batching speed-up.
int benchScoring(const ArgParser& p);
}  // namespace gateau::cli
