#pragma once
// Options several commands share: --run, --alpha, --top, --top-n, --budget-tokens (`rank`, `export`)
// and --config, --devices, --threads (`score`, `bench scoring`).
#include "app/cli/command.h"
#include "core/jobs/scoring_job.h"
#include "core/scoring/formulas.h"
#include "db/ranking.h"

namespace gateau::cli {

struct RankOptions {
    int64_t runId = 0;
    scoring::Selection selection = scoring::Selection::topPercent(10.0);
};

inline const std::vector<std::string> kRankValueNames = {"run", "alpha", "top", "top-n", "budget-tokens"};

// Reads --run (required), --top / --top-n / --budget-tokens (one of them); throws CliError
// (exit 2) on bad values.
RankOptions parseRankOptions(const ArgParser& p, const char* usage);

// --alpha when given (in [0, 1], else CliError exit 2), otherwise the project's alpha
// (db/ranking_settings.h: `gateau alpha`, 0.7 unless set).
double alphaOption(const ArgParser& p, db::Database& db);

// RUN.json from --config (required by the caller), --devices (default: its "device") and
// --threads, with dtype auto resolved for those devices; a bad config or device list (or
// devices on which auto means different dtypes) is a usage error (exit 2).
jobs::JobOptions parseJobOptions(const ArgParser& p);

}  // namespace gateau::cli
