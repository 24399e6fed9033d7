#pragma once
// Scoring runs in a project (docs/scoring.md "Scoring runs"): one row per run configuration
// (identified by the SHA-256 of its canonical JSON without the model paths) and one row per scored or failed sample.
// Every sample is committed in its own transaction, so a killed run loses at most the sample
// in flight and the next invocation resumes with what is missing.
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/scorer.h"
#include "db/project_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gateau::db {

struct RunInfo {
    int64_t id = 0;
    std::string createdAt, configJson, configHash, status;  // status: open | partial | complete
    int64_t done = 0, failed = 0;                            // sample_scores rows by status
};

// The per-sample arrays of a SampleRawScores, as stored in sample_scores.arrays.
struct ScoreArrays {
    std::vector<float> logprobsA, logprobsB;  // [responseTokens], f32
    std::vector<float> segmentPpl;            // [segments], f32
    std::vector<float> importance, attention; // [segments], f32
    std::vector<float> layerSegmentAttention; // [layers x segments], stored f16
    std::vector<float> tokenSegmentAttention; // [responseTokens x segments], stored f16
    int64_t layers = 0, segments = 0, responseTokens = 0;
};

// One sample_scores row. For status "failed" only error and finishedAt are meaningful.
struct StoredScore {
    int64_t runId = 0, sampleId = 0;
    std::string externalId;  // from samples
    int64_t datasetId = 0;
    std::string datasetName;  // from datasets
    std::string status, error, finishedAt;
    int64_t promptTokens = 0, responseTokens = 0, contextTokens = 0;
    bool truncated = false;
    double pplA = 0, pplB = 0, pplResponseOnly = 0, ifd = 0, cas = 0, camRaw = 0;
    std::string arraysBlob;  // decode with decodeScoreArrays
    // Every registered scorer's raw values (scorers/scorer.h), by key: the columns above and
    // the sample_score_values rows; for status "done" only. loadRawScores fills them.
    scoring::RawValues values;
};

// SHA-256 (hex) of scoring::runIdentityJson(text), the run identity: not the model paths.
std::string configHash(const std::string& canonicalConfigJson);

// The run whose config_hash matches the text's, or a new one. The text must already be
// canonical (scoring::canonicalRunConfigJson): the same config always gives the same run.
RunInfo createOrFindRun(ProjectStore& store, const std::string& canonicalConfigJson);
std::optional<RunInfo> findRun(ProjectStore& store, int64_t runId);
std::vector<RunInfo> listRuns(ProjectStore& store);  // id order, with done/failed counts
void setRunStatus(ProjectStore& store, int64_t runId, const std::string& status);

// Samples of complete datasets without a sample_scores row (done or failed) for the run, in
// id order; limit < 0: all.
std::vector<int64_t> pendingSamples(ProjectStore& store, int64_t runId, int64_t limit = -1);

// Insert the sample's row (and the raw values of the scorers without a column of their own,
// computed with the run's scorer settings), each in its own committed transaction, and drop the sample's
// claim in the same transaction. A row that already exists (another worker stored it, e.g.
// after taking over a claim of a worker it took for dead) is kept: results of one run config
// are the same whoever computes them.
void saveSampleScore(ProjectStore& store, int64_t runId, int64_t sampleId, const scoring::SampleRawScores& s);
void saveFailure(ProjectStore& store, int64_t runId, int64_t sampleId, const std::string& reason);
// Forgets the run's failures so that its failed samples are pending again (`score
// --retry-failed`); returns how many.
int64_t resetFailures(ProjectStore& store, int64_t runId);

// Several processes scoring one run share it (docs/scoring.md "Several processes on one
// run"): before scoring a sample a worker claims it. False when the sample has a row already
// or a live worker holds it; a dead worker's claims are taken over (db/workers.h).
bool claimSample(ProjectStore& store, int64_t runId, int64_t sampleId, int64_t workerId);
// Samples of the run claimed by live workers other than `workerId`.
int64_t claimedByOthers(ProjectStore& store, int64_t runId, int64_t workerId);

// Every row of the run (done and failed) in sample id order; withArrays = false leaves
// arraysBlob empty (ranking needs only the scalars). Done rows carry every registered raw
// value: a scorer added after the sample was scored gets its values computed from the stored
// arrays with the run's settings (not written: reading never changes the project).
std::vector<StoredScore> loadRawScores(ProjectStore& store, int64_t runId, bool withArrays = true);
// One row with its arrays (the inspector), or nothing when the sample has no row.
std::optional<StoredScore> loadSampleScore(ProjectStore& store, int64_t runId, int64_t sampleId);

// Blob codec (layout in docs/scoring.md). decode throws DbError on a malformed blob.
std::string encodeScoreArrays(const scoring::SampleRawScores& s);
ScoreArrays decodeScoreArrays(const std::string& blob);

// IEEE binary16 conversion used by the blob (round to nearest even; overflow -> inf).
uint16_t floatToHalf(float f);
float halfToFloat(uint16_t h);

}  // namespace gateau::db
