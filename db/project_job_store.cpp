#include "db/project_job_store.h"

#include "db/run_store.h"

namespace gateau::db {

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
    const std::string status = pendingSamples(store, runId, 1).empty() ? "complete" : "partial";
    setRunStatus(store, runId, status);
    return status;
}

}  // namespace gateau::db
