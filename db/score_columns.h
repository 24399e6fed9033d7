#pragma once
// The per-sample score columns of a ranked run, from the scorer registry
// (core/scoring/scorers/): the one list that `gateau rank`, `gateau evaluate`, the scores
// CSV, the browser's columns and the plots' score lists show. A scorer added to the registry
// appears in all of them.
#include "core/scoring/score_agreement.h"  // ScoreColumn
#include "core/scoring/scorers/scorer.h"
#include "db/ranking.h"

#include <string>
#include <vector>

namespace gateau::db {

using scoring::ScoreColumn;  // values: one per RankInputs::samples entry, in that order

// The column definitions: "combined" (alpha * HMG + (1 - alpha) * CAM) first, then every
// registered scorer's scores in registry order.
std::vector<scoring::ScoreDef> scoreDefs();

// The columns of a ranked pool, in scoreDefs() order. A scorer whose raw values the pool
// lacks (inputs built by hand without them) contributes no column.
std::vector<ScoreColumn> scoreColumns(const RankInputs& inputs, const Ranking& ranking);

// Whether a score has a fixed place from before plug-ins (the browser's own columns, the
// scores CSV's first columns): combined, hmg, cam, ppl_a, ppl_b, ifd, cas.
bool isLegacyScore(const std::string& key);
// The registered scores without such a place, in registry order: they follow the fixed
// columns in the browser and the scores CSV.
std::vector<scoring::ScoreDef> pluginScoreDefs();
// The values of every pluginScoreDefs() entry over the pool, in that order, one per sample; an
// entry is empty when the pool lacks the raw values it needs. Independent of alpha and overrides.
std::vector<std::vector<double>> pluginScoreValues(const RankInputs& inputs);

// inputs.samples' ids, in the same order as scoreColumns' values.
std::vector<int64_t> sampleIds(const RankInputs& inputs);

// One sample's raw values: RankInput::values over the legacy fields.
scoring::RawValues rawValuesOf(const RankInput& r);

}  // namespace gateau::db
