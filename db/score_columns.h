#pragma once
// THE list of a run's per-sample scores: the one place that names them. The plots, the
// compare view and `gateau compare` consume it generically, so adding a scorer means adding
// it here (the scorer registry will fill this list).
#include "core/scoring/score_agreement.h"
#include "db/ranking.h"

#include <vector>

namespace gateau::db {

// Every score of the ranked pool, each column parallel to inputs.samples (sample id order).
// The pool-normalised ones (combined, HMG, CAM) are the ranking's; the raw ones the stored
// values. Empty columns for an empty pool; `ranking` must be rankPool(inputs, ...).
std::vector<scoring::ScoreColumn> scoreColumns(const Ranking& ranking, const RankInputs& inputs);

// inputs.samples' ids, in the same order as scoreColumns' values.
std::vector<int64_t> sampleIds(const RankInputs& inputs);

}  // namespace gateau::db
