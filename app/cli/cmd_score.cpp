#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "app/cli/shared_options.h"
#include "app/cli/progress_bar.h"
#include "core/jobs/scoring_job.h"
#include "core/scoring/run_config.h"
#include "db/scoring_run.h"
#include "db/shards.h"

#include <cstdio>

namespace {

using namespace gateau;

const char* kUsage =
    "gateau score PROJECT --config RUN.json [--devices cpu,cuda:0] [--threads N] [--shard i/N [--shard-out FILE]] "
    "[--limit N] [--retry-failed] [--fail-fast N]";

std::string formatEta(double s) {
    if (s < 0) return "?";
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", int(s / 3600), int(s / 60) % 60);
    else std::snprintf(buf, sizeof buf, "%dm%02ds", int(s / 60), int(s) % 60);
    return buf;
}

int runScore(const cli::Args& a) {
    cli::ArgParser p(a, {"retry-failed"}, {"config", "devices", "threads", "shard", "shard-out", "limit", "fail-fast"});
    p.requirePositionals(1, 1, kUsage);
    if (!p.has("config")) throw cli::CliError(std::string("usage: ") + kUsage, 2);
    const long long limit = p.intValue("limit", -1);
    if (p.has("limit") && limit < 0) throw cli::CliError("--limit must be >= 0", 2);
    if (p.has("shard-out") && !p.has("shard")) throw cli::CliError("--shard-out needs --shard i/N", 2);

    jobs::JobOptions options = cli::parseJobOptions(p);
    options.failFastSamples = int(p.intValue("fail-fast", options.failFastSamples));
    if (options.failFastSamples < 0) throw cli::CliError("--fail-fast must be >= 0 (0: never stop early)", 2);

    std::string projectPath = p.positionals()[0];
    if (p.has("shard")) {
        db::ShardSpec spec;
        try {
            spec = db::parseShardSpec(p.value("shard"));
        } catch (const db::DbError& e) {
            throw cli::CliError(e.what(), 2);
        }
        const std::string shardPath = p.value("shard-out", db::defaultShardPath(projectPath, spec));
        const int64_t n = db::prepareShard(projectPath, shardPath, spec);
        std::fprintf(stderr, "shard %lld/%lld: %lld samples in %s\n", (long long)spec.index, (long long)spec.count,
                     (long long)n, shardPath.c_str());
        projectPath = shardPath;
    }

    db::ScoringRunRequest request;
    request.projectPath = projectPath;
    request.options = options;
    request.retryFailed = p.flag("retry-failed");
    request.limit = limit;
    db::ScoringRun service;
    cli::GracefulInterrupt interrupt;  // Ctrl-C / SIGTERM: cancel, keep what is stored, exit 128 + signal
    cli::ProgressBar bar("score");
    db::ScoringRunCallbacks callbacks;
    callbacks.started = [&](const db::ScoringRunStart& s) {
        if (p.flag("retry-failed"))
            std::fprintf(stderr, "run #%lld: %lld failed samples pending again\n", (long long)s.run.id,
                         (long long)s.failuresReset);
        std::fprintf(stderr, "run #%lld: %lld done, %lld failed, %lld pending; scoring %lld now on %zu device(s)\n",
                     (long long)s.run.id, (long long)s.run.done, (long long)s.run.failed, (long long)s.allPending,
                     (long long)s.pending, options.devices.size());
    };
    callbacks.progress = [&](const jobs::JobProgress& pr) {
        if (interrupt.requested()) service.cancel();  // no lock is held here (issue 15, defect 1)
        std::string detail = std::to_string(pr.done + pr.failed) + "/" + std::to_string(pr.total) + "  ";
        char rate[64];
        std::snprintf(rate, sizeof rate, "%.2f samples/s  ETA %s  %lld failed", pr.samplesPerSecond,
                      formatEta(pr.etaSeconds).c_str(), (long long)pr.failed);
        detail += rate;
        if (pr.skipped) detail += "  " + std::to_string(pr.skipped) + " left to other workers";
        for (const auto& d : pr.devices)
            if (d.state != "running") detail += "  [" + d.device + " " + d.state + "]";
        bar.update(pr.total ? double(pr.done + pr.failed) / double(pr.total) : 1.0, detail);
    };
    const db::ScoringRunReport r = service.run(request, callbacks);
    bar.finish();
    const jobs::JobProgress& last = r.last;
    if (!last.lastFailure.empty()) std::fprintf(stderr, "last failure: %s\n", last.lastFailure.c_str());
    if (last.skipped)
        std::fprintf(stderr, "%lld samples were scored or held by other processes on this run\n", (long long)last.skipped);
    std::printf("run #%lld: scored %lld, failed %lld in %.1f s (%s); total %lld done, %lld failed, %lld pending (%s)\n",
                (long long)r.runId, (long long)last.done, (long long)last.failed, last.elapsedSeconds,
                jobs::outcomeName(r.outcome), (long long)r.after.done, (long long)r.after.failed,
                (long long)r.pendingAfter, r.status.c_str());
    if (r.outcome == jobs::JobOutcome::Failed) throw cli::CliError("run #" + std::to_string(r.runId) + " stopped: " + r.error);
    if (r.outcome == jobs::JobOutcome::Cancelled) return interrupt.requested() ? interrupt.exitCode() : 130;
    if (r.scoredNothing())  // not when others took every sample
        throw cli::CliError("run #" + std::to_string(r.runId) + ": no sample was scored (" + std::to_string(last.failed) +
                            " failed; last failure: " + last.lastFailure + ")");
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("score", kUsage,
                   "Score the samples of PROJECT not yet scored by the run RUN.json defines (created on first use), one "
                   "worker per device; every sample is committed at once, so a second call resumes.",
                   runScore);
