#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/scoring/run_config.h"
#include "core/scoring/sample_scorer.h"
#include "core/tokenizer/tokenizer.h"
#include "db/run_store.h"

#include <chrono>
#include <cstdio>
#include <iostream>

namespace {

using namespace gateau;

int runScore(const cli::Args& a) {
    const char* usage = "gateau score PROJECT --config RUN.json [--limit N]";
    cli::ArgParser p(a, {}, {"config", "limit"});
    p.requirePositionals(1, 1, usage);
    if (!p.has("config")) throw cli::CliError(std::string("usage: ") + usage, 2);
    const long long limit = p.intValue("limit", -1);
    if (p.has("limit") && limit < 0) throw cli::CliError("--limit must be >= 0", 2);

    scoring::RunConfig config;
    try {
        config = scoring::loadRunConfig(p.value("config"));
    } catch (const scoring::ScoringError& e) {
        throw cli::CliError(e.what(), 2);
    }
    auto store = db::ProjectStore::open(p.positionals()[0], false);
    const std::string canonical = scoring::canonicalRunConfigJson(config);
    const db::RunInfo run = db::createOrFindRun(store, canonical);
    const std::vector<int64_t> pending = db::pendingSamples(store, run.id, limit);
    const size_t allPending = limit < 0 ? pending.size() : db::pendingSamples(store, run.id).size();
    std::fprintf(stderr, "run #%lld: %lld done, %lld failed, %zu pending; scoring %zu now\n", (long long)run.id,
                 (long long)run.done, (long long)run.failed, allPending, pending.size());

    int64_t done = 0, failed = 0;
    auto t0 = std::chrono::steady_clock::now();
    if (!pending.empty()) {
        model::EngineOptions opts;
        opts.device = config.device;
        opts.dtype = model::computeDtypeFromName(config.dtype);
        auto engineA = model::loadEngine(model::Checkpoint::open(config.modelA), opts);
        auto engineB = model::loadEngine(model::Checkpoint::open(config.modelB), opts);
        auto tokenizer = tok::Tokenizer::load(config.modelB);
        const scoring::ScorerModels models{engineA.get(), engineB.get(), tokenizer.get()};

        cli::ProgressBar bar("score");
        t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < pending.size(); ++i) {
            const int64_t id = pending[i];
            try {
                auto text = store.sampleText(id);
                if (!text) throw scoring::ScoringError("sample vanished from the project");
                const scoring::SampleRawScores s = scoring::scoreSample({text->conversation}, models, config.prompt);
                db::saveSampleScore(store, run.id, id, s);
                ++done;
            } catch (const scoring::ScoringError& e) {
                db::saveFailure(store, run.id, id, e.what());
                ++failed;
                std::fprintf(stderr, "\nsample %lld failed: %s\n", (long long)id, e.what());
            } catch (const db::DbError& e) {
                // e.g. the stored record no longer parses: record it, keep going.
                if (std::string(e.what()).find("no longer parses") == std::string::npos) throw;
                db::saveFailure(store, run.id, id, e.what());
                ++failed;
            }
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const double rate = secs > 0 ? double(i + 1) / secs : 0.0;
            const double eta = rate > 0 ? double(pending.size() - i - 1) / rate : 0.0;
            char detail[160];
            std::snprintf(detail, sizeof detail, "%zu/%zu samples  %.2f samples/s  ETA %.0f s  %lld failed", i + 1,
                          pending.size(), rate, eta, (long long)failed);
            bar.update(double(i + 1) / double(pending.size()), detail);
        }
        bar.finish();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const size_t remaining = db::pendingSamples(store, run.id).size();
    db::setRunStatus(store, run.id, remaining == 0 ? "complete" : "partial");
    const auto after = db::findRun(store, run.id);
    std::printf("run #%lld: scored %lld, failed %lld in %.1f s; total %lld done, %lld failed, %zu pending (%s)\n",
                (long long)run.id, (long long)done, (long long)failed, secs, (long long)(after ? after->done : 0),
                (long long)(after ? after->failed : 0), remaining, remaining == 0 ? "complete" : "partial");
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("score", "gateau score PROJECT --config RUN.json [--limit N]",
                   "Score the samples of PROJECT not yet scored by the run RUN.json defines (created on first use); "
                   "each sample is committed at once, so a second call resumes.",
                   runScore);
