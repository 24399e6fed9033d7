#include "db/scoring_run.h"

#include "core/scoring/model_pair.h"
#include "core/scoring/prompt.h"
#include "core/scoring/run_config.h"
#include "db/project_job_store.h"

#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>
#include <utility>

namespace gateau::db {

namespace {

// Runs being scored by this process, keyed by (project file, run id). Two workers on one run
// would share it safely (claimSample); one per run keeps the GUI's jobs panel and its
// progress one-to-one, and a second invocation in one process has nothing to add.
std::mutex g_activeMutex;
std::set<std::pair<std::string, int64_t>> g_activeRuns;

struct ActiveRunClaim {
    std::pair<std::string, int64_t> key;
    bool held = false;
    bool claim(const std::string& project, int64_t runId) {
        std::lock_guard<std::mutex> lk(g_activeMutex);
        key = {project, runId};
        held = g_activeRuns.insert(key).second;
        return held;
    }
    ~ActiveRunClaim() {
        if (!held) return;
        std::lock_guard<std::mutex> lk(g_activeMutex);
        g_activeRuns.erase(key);
    }
};

std::string projectKey(const std::string& path) {
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
    return ec ? path : canonical.string();
}

std::string joinDevices(const std::vector<std::string>& devices) {
    std::string out;
    for (const auto& d : devices) out += (out.empty() ? "" : ",") + d;
    return out;
}

}  // namespace

struct ScoringRun::State {
    mutable std::mutex m;
    std::shared_ptr<jobs::ScoringJob> job;  // while the job runs
    bool pauseRequested = false, cancelRequested = false;
};

ScoringRun::ScoringRun() : state_(std::make_shared<State>()) {}
ScoringRun::~ScoringRun() = default;

// Each control copies the job out under the lock and calls it after: the job's callbacks may
// call these (Ctrl-C in the CLI's progress), so nothing of the job runs under state_->m
// (issue 15, defect 1: a callback under a mutex that cancel() takes deadlocked).
std::shared_ptr<jobs::ScoringJob> ScoringRun::request(bool State::*flag, bool value) {
    std::lock_guard<std::mutex> lk(state_->m);
    (*state_).*flag = value;
    return state_->job;
}

void ScoringRun::pause() {
    if (auto job = request(&State::pauseRequested, true)) job->pause();
}

void ScoringRun::resume() {
    if (auto job = request(&State::pauseRequested, false)) job->resume();
}

void ScoringRun::cancel() {
    if (auto job = request(&State::cancelRequested, true)) job->cancel();
}

bool ScoringRun::isPaused() const {
    std::shared_ptr<jobs::ScoringJob> job;
    bool requested = false;
    {
        std::lock_guard<std::mutex> lk(state_->m);
        job = state_->job;
        requested = state_->pauseRequested;
    }
    return job ? job->isPaused() : requested;
}

bool ScoringRun::cancelRequested() const {
    std::lock_guard<std::mutex> lk(state_->m);
    return state_->cancelRequested;
}

ScoringRunReport ScoringRun::run(const ScoringRunRequest& request, const ScoringRunCallbacks& cb) {
    auto phase = [&](const char* name) {
        if (cb.phase) cb.phase(name);
    };
    auto store = ProjectStore::open(request.projectPath, false);
    ScoringRunStart start;
    jobs::JobOptions options = request.options;
    if (request.resumeRunId == 0) {
        phase("preparing");
        jobs::resolveAutoDtype(options);  // the identity names the real precision
        scoring::validate(options.config.prompt);
        start.notes = scoring::checkRunModels(options.config, "run config");  // refusals throw
        start.run = createOrFindRun(store, scoring::canonicalRunConfigJson(options.config));  // hashes the weights
    } else {
        const auto found = findRun(store, request.resumeRunId);
        if (!found)
            throw std::runtime_error("run #" + std::to_string(request.resumeRunId) + " is not in " + request.projectPath);
        start.run = *found;
        options.config = scoring::runConfigFromCanonical(start.run.configJson);
    }
    options.config.device = joinDevices(options.devices);
    const int64_t runId = start.run.id;

    ActiveRunClaim claim;
    if (!claim.claim(projectKey(request.projectPath), runId))
        throw std::runtime_error("run #" + std::to_string(runId) + " is already being scored");
    if (request.retryFailed) {
        start.failuresReset = resetFailures(store, runId);
        start.run = *findRun(store, runId);
    }
    const std::vector<int64_t> pending = pendingSamples(store, runId, request.limit);
    start.pending = int64_t(pending.size());
    start.allPending = request.limit < 0 ? start.pending : int64_t(pendingSamples(store, runId).size());
    if (cb.started) cb.started(start);

    ScoringRunReport report;
    report.runId = runId;
    if (cancelRequested()) {
        report.outcome = jobs::JobOutcome::Cancelled;
    } else {
        phase("scoring");
        ProjectJobStore jobStore(store, runId);
        auto job = std::make_shared<jobs::ScoringJob>(options, pending, jobStore);
        bool pauseNow = false, cancelNow = false;
        {
            std::lock_guard<std::mutex> lk(state_->m);
            state_->job = job;
            pauseNow = state_->pauseRequested;
            cancelNow = state_->cancelRequested;
        }
        struct Release {  // the job goes before jobStore, which it uses
            State& s;
            ~Release() {
                std::lock_guard<std::mutex> lk(s.m);
                s.job.reset();
            }
        } release{*state_};
        if (pauseNow) job->pause();
        if (cancelNow) job->cancel();
        report.outcome = job->run([&](const jobs::JobProgress& p) {
            report.last = p;
            if (cb.progress) cb.progress(p);
        });
        if (report.outcome == jobs::JobOutcome::Failed) report.error = job->error();
    }
    phase("settling");
    report.status = settleRunStatus(store, runId);
    store.finish();  // throws when the project was moved meanwhile, saying where the results are
    if (const auto after = findRun(store, runId)) report.after = *after;
    report.pendingAfter = int64_t(pendingSamples(store, runId).size());
    return report;
}

}  // namespace gateau::db
