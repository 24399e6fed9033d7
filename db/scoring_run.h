#pragma once
// The one sequence of a scoring invocation (issue 15): `gateau score` and the GUI's job
// controller both drive it, so they cannot drift apart. It checks the run's models, finds or
// creates the run (or resumes a stored one with the config it was made with), forgets its
// failures on request, lists the pending samples, scores them with jobs::ScoringJob (one
// worker per device, every sample committed at once, heartbeats and checkpoints through
// db::ProjectJobStore), settles the run's status and checks the project was not moved.
// Qt-free: it runs on whatever thread calls run(); pause(), resume() and cancel() may be
// called from any thread, also from inside the callbacks.
#include "core/jobs/scoring_job.h"
#include "db/run_store.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gateau::db {

struct ScoringRunRequest {
    std::string projectPath;
    // options.config is the run to score (created on first use) when resumeRunId is 0; with a
    // resumeRunId it is ignored and the stored run's own config is used. options.devices,
    // cpuThreads, failFastSamples and beforeSample apply either way.
    jobs::JobOptions options;
    int64_t resumeRunId = 0;
    bool retryFailed = false;  // the run's failed samples are pending again first
    int64_t limit = -1;        // score at most this many pending samples; < 0: all
};

// What the run looked like when scoring began (the callbacks' `started`).
struct ScoringRunStart {
    RunInfo run;                // as found: done and failed before this invocation
    int64_t failuresReset = 0;  // by retryFailed
    int64_t pending = 0;        // samples given to this invocation (limit applied)
    int64_t allPending = 0;     // pending in the run
    std::vector<std::string> notes;  // the model checks' warnings (a new run only)
};

struct ScoringRunReport {
    int64_t runId = 0;
    jobs::JobOutcome outcome = jobs::JobOutcome::Failed;
    std::string error;        // why it failed (outcome Failed)
    jobs::JobProgress last;   // the job's last progress; zero when no job ran
    std::string status;       // the settled run status: complete | partial ("" when it never got a run)
    RunInfo after;            // the run when done
    int64_t pendingAfter = 0;
    bool scoredNothing() const { return last.done == 0 && last.failed > 0; }
};

struct ScoringRunCallbacks {
    // preparing (checks, hashing the weights) | scoring | settling
    std::function<void(const std::string& phase)> phase;
    std::function<void(const ScoringRunStart&)> started;
    // The job's progress, with no lock of the service or the job held.
    std::function<void(const jobs::JobProgress&)> progress;
};

class ScoringRun {
public:
    ScoringRun();
    ~ScoringRun();
    ScoringRun(const ScoringRun&) = delete;
    ScoringRun& operator=(const ScoringRun&) = delete;

    // Blocks until the invocation ends. Errors before scoring (a model refused, an unknown
    // run, a run this process already scores, a project that cannot be opened) and after it
    // (the project moved) throw; a job that stops early returns outcome Failed with error().
    // Run once per object.
    ScoringRunReport run(const ScoringRunRequest& request, const ScoringRunCallbacks& callbacks = {});

    // Thread-safe, also before run() has a job (remembered and applied when it starts) and
    // from inside the callbacks: the job is never called with the service's lock held.
    void pause();
    void resume();
    void cancel();
    bool isPaused() const;
    bool cancelRequested() const;

    struct State;

private:
    // Sets a request flag under the lock and returns the job, to be called after the lock is
    // released: the job's callbacks may call back into these controls.
    std::shared_ptr<jobs::ScoringJob> request(bool State::*flag, bool value);

    std::shared_ptr<State> state_;
};

}  // namespace gateau::db
