#pragma once
// jobs::JobStore over a project: reads records, commits each result in its own transaction.
#include "core/jobs/scoring_job.h"
#include "db/project_store.h"
#include "db/workers.h"

namespace gateau::db {

// One worker of the run (db/workers.h): claims each sample before it is scored, so several
// processes on one run share it, and releases what it still holds when destroyed.
class ProjectJobStore : public jobs::JobStore {
public:
    ProjectJobStore(ProjectStore& store, int64_t runId);
    ~ProjectJobStore() override;
    datasets::Conversation conversation(int64_t sampleId) override;
    bool claim(int64_t sampleId) override;
    void saveScore(int64_t sampleId, const scoring::SampleRawScores& scores) override;
    void saveFailure(int64_t sampleId, const std::string& reason) override;
    // Heartbeat, periodic checkpoint and the check that the project was not moved (throws).
    void tick() override;
    int64_t workerId() const { return lease_.id(); }

private:
    ProjectStore& store_;
    int64_t runId_;
    WorkerLease lease_;
};

// Marks the run complete when nothing is pending, else partial (interrupted or cancelled, or
// other workers still at it), in one transaction. Returns the new status.
std::string settleRunStatus(ProjectStore& store, int64_t runId);

}  // namespace gateau::db
