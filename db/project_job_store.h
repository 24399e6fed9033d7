#pragma once
// jobs::JobStore over a project: reads records, commits each result in its own transaction.
#include "core/jobs/scoring_job.h"
#include "db/project_store.h"

namespace gateau::db {

class ProjectJobStore : public jobs::JobStore {
public:
    ProjectJobStore(ProjectStore& store, int64_t runId) : store_(store), runId_(runId) {}
    datasets::Conversation conversation(int64_t sampleId) override;
    void saveScore(int64_t sampleId, const scoring::SampleRawScores& scores) override;
    void saveFailure(int64_t sampleId, const std::string& reason) override;

private:
    ProjectStore& store_;
    int64_t runId_;
};

// Marks the run complete when nothing is pending, else partial (interrupted or cancelled).
// Returns the new status.
std::string settleRunStatus(ProjectStore& store, int64_t runId);

}  // namespace gateau::db
