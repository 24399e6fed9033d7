#include "app/cli/command.h"
#include "db/project_job_store.h"
#include "db/run_store.h"
#include "db/shards.h"

#include <cstdio>

namespace {

using namespace gateau;

const char* kUsage = "gateau merge PROJECT SHARD... [--run ID]";

int runMerge(const cli::Args& a) {
    cli::ArgParser p(a, {}, {"run"});
    p.requirePositionals(2, 100000, kUsage);
    auto store = db::ProjectStore::open(p.positionals()[0], false);
    // Every shard must carry the same run config: the one of --run, else the first shard's.
    std::string expected;
    if (p.has("run")) {
        const auto run = db::findRun(store, p.intValue("run", 0));
        if (!run) throw cli::CliError(store.path() + ": no run #" + p.value("run"));
        expected = run->configHash;
    }
    // Checked for every shard before any is merged, so a mismatch leaves the project untouched.
    for (size_t i = 1; i < p.positionals().size(); ++i) {
        const db::RunInfo run = db::shardRun(p.positionals()[i]);
        if (expected.empty()) expected = run.configHash;
        if (run.configHash != expected)
            throw cli::CliError(p.positionals()[i] + ": its run config (" + run.configHash.substr(0, 12) +
                                ") differs from the one being merged (" + expected.substr(0, 12) + ")");
        db::checkShardSamples(store, p.positionals()[i]);
    }
    int64_t runId = 0;
    for (size_t i = 1; i < p.positionals().size(); ++i) {
        const std::string& shard = p.positionals()[i];
        const db::MergeResult r = db::mergeShard(store, shard, expected);
        runId = r.runId;
        std::printf("%s: %lld rows added to run #%lld, %lld already present\n", shard.c_str(), (long long)r.added,
                    (long long)r.runId, (long long)r.alreadyPresent);
    }
    const std::string status = db::settleRunStatus(store, runId);
    store.finish();  // throws when the project was moved meanwhile
    const auto run = db::findRun(store, runId);
    std::printf("run #%lld: %lld done, %lld failed (%s)\n", (long long)runId, (long long)(run ? run->done : 0),
                (long long)(run ? run->failed : 0), status.c_str());
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("merge", kUsage,
                   "Fold the scores of shard project files (gateau score --shard) into PROJECT's run with the same "
                   "config; shards of different configs or other projects are refused.",
                   runMerge);
