#include "db/project_job_store.h"

#include "db/run_store.h"

namespace gateau::db {

ProjectJobStore::ProjectJobStore(ProjectStore& store, int64_t runId)
    : store_(store), runId_(runId), lease_(store.db(), "score run " + std::to_string(runId)) {}

ProjectJobStore::~ProjectJobStore() = default;  // the lease's row takes its claims with it

bool ProjectJobStore::claim(int64_t sampleId) { return claimSample(store_, runId_, sampleId, lease_.id()); }

void ProjectJobStore::tick() {
    lease_.heartbeat();
    store_.maintain();
}

datasets::Conversation ProjectJobStore::conversation(int64_t sampleId) {
    auto text = store_.sampleText(sampleId);
    if (!text) throw DbError("sample " + std::to_string(sampleId) + " is no longer in the project");
    return std::move(text->conversation);
}

void ProjectJobStore::saveScore(int64_t sampleId, const scoring::SampleRawScores& scores) {
    saveSampleScore(store_, runId_, sampleId, scores);
}

void ProjectJobStore::saveFailure(int64_t sampleId, const std::string& reason) {
    db::saveFailure(store_, runId_, sampleId, reason);
}

std::string settleRunStatus(ProjectStore& store, int64_t runId) {
    // One transaction: two workers finishing together must not leave "partial" written last.
    Transaction tx(store.db());
    const std::string status = pendingSamples(store, runId, 1).empty() ? "complete" : "partial";
    setRunStatus(store, runId, status);
    tx.commit();
    return status;
}

}  // namespace gateau::db
