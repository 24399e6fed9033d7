#pragma once
// --alpha, --top, --top-n: shared by `gateau rank` and `gateau export`.
#include "app/cli/command.h"
#include "core/scoring/formulas.h"

namespace gateau::cli {

struct RankOptions {
    int64_t runId = 0;
    double alpha = 0.7;
    scoring::Selection selection = scoring::Selection::topPercent(10.0);
};

inline const std::vector<std::string> kRankValueNames = {"run", "alpha", "top", "top-n"};

// Reads --run (required), --alpha, --top / --top-n; throws CliError (exit 2) on bad values.
RankOptions parseRankOptions(const ArgParser& p, const char* usage);

}  // namespace gateau::cli
