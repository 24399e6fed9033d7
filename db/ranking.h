#pragma once
// Ranking a run's pool from its stored raw values (METHOD.md "Combination and selection"):
// pool normalisation, alpha, the top-k% / top-N cut and manual overrides are applied here,
// at ranking time, never stored. One implementation for `gateau rank`, `gateau export` and
// the workbench, which keeps RankInputs in memory and re-ranks live as alpha moves.
#include "core/scoring/formulas.h"
#include "core/scoring/scorers/scorer.h"
#include "db/annotations.h"
#include "db/project_store.h"
#include "db/ranking_settings.h"
#include "db/team_review.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gateau::db {

// The raw values of one scored sample plus its current override.
struct RankInput {
    int64_t sampleId = 0, datasetId = 0;
    std::string externalId, datasetName;
    int64_t promptTokens = 0, responseTokens = 0, contextTokens = 0;
    bool truncated = false;
    double pplA = 0, pplB = 0, pplResponseOnly = 0, ifd = 0, cas = 0, camRaw = 0;
    scoring::RawValues values;  // every registered scorer's raw values (StoredScore::values)
    // The decision ranking applies: team.effective() (the adjudication, else what every
    // annotator said; None when they disagree); useAnnotatorDecisions() swaps in one's own.
    Decision decision = Decision::None;
    std::string note;         // the newest override row's
    Annotations annotations;  // labels, tags, evidence (migration 6)
    TeamVotes team;           // each annotator's decision and the adjudication (migration 7)
    // Near-duplicates (migration 8): the earlier sample this one nearly duplicates (0: none),
    // with the estimated similarity, and how many later samples nearly duplicate this one.
    int64_t nearDuplicateOf = 0;
    double nearDuplicateSimilarity = 0;
    int64_t nearCopies = 0;
    bool inNearDuplicateGroup() const { return nearDuplicateOf != 0 || nearCopies > 0; }
    // What a token budget counts: the whole sample as the run tokenized it (the prompt,
    // after truncation, plus the response).
    int64_t totalTokens() const { return promptTokens + responseTokens; }
};

struct RankInputs {
    int64_t runId = 0;
    std::vector<RankInput> samples;  // status done, sample id order
    int64_t failed = 0;              // failed rows, not part of the pool
};

// Throws DbError when the run does not exist.
RankInputs loadRankInputs(ProjectStore& store, int64_t runId);

// Replaces every sample's decision by `annotator`'s own (None where they gave none): the
// ranking and export of one annotator's review. Throws DbError naming the annotator when
// they decided no sample of the run.
void useAnnotatorDecisions(RankInputs& inputs, const std::string& annotator);

struct RankedRow {
    size_t input = 0;  // index into RankInputs::samples
    int rank = 0;      // 1-based
    double score = 0, hmg = 0, cam = 0;
    bool selected = false;  // after overrides
};

struct Ranking {
    double alpha = kDefaultAlpha;
    int64_t pool = 0, cut = 0, selected = 0;
    int64_t selectedTokens = 0;  // RankInput::totalTokens() summed over the selected rows
    double threshold = 0;  // score of the last sample inside the cut (before overrides); 0 when the cut is empty
    std::vector<RankedRow> rows;  // rank order
};

// Pure: no store access. An empty pool gives an empty ranking. Throws ScoringError on a
// bad alpha or selection.
Ranking rankPool(const RankInputs& inputs, double alpha, const scoring::Selection& selection);

// "10%" / "10" -> top 10 percent; throws ScoringError outside (0, 100].
scoring::Selection parseTopPercent(const std::string& text);

// "2000000", "50M", "1.5B", "300k" (k = 1e3, M = 1e6, B or G = 1e9; case-insensitive) ->
// a token budget, rounded down to whole tokens; throws ScoringError on anything else.
scoring::Selection parseTokenBudget(const std::string& text);

}  // namespace gateau::db
