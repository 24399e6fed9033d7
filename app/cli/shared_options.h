#pragma once
// Options several commands share: --run, --alpha, --top, --top-n, --budget-tokens (`rank`, `export`)
// and --config, --devices, --threads (`score`, `bench scoring`).
#include "app/cli/command.h"
#include "core/jobs/scoring_job.h"
#include "core/scoring/formulas.h"

namespace gateau::cli {

struct RankOptions {
    int64_t runId = 0;
    double alpha = 0.7;
    scoring::Selection selection = scoring::Selection::topPercent(10.0);
};

inline const std::vector<std::string> kRankValueNames = {"run", "alpha", "top", "top-n", "budget-tokens"};

// Reads --run (required), --alpha, --top / --top-n / --budget-tokens (one of them); throws
// CliError (exit 2) on bad values.
RankOptions parseRankOptions(const ArgParser& p, const char* usage);

// RUN.json from --config (required by the caller), --devices (default: its "device") and
// --threads, with dtype auto resolved for those devices; a bad config or device list (or
// devices on which auto means different dtypes) is a usage error (exit 2).
jobs::JobOptions parseJobOptions(const ArgParser& p);

}  // namespace gateau::cli
