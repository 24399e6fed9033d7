// `gateau bench scoring`: where a scoring run spends its time, and what batching the CAM
// segment passes buys.
#include "app/cli/bench_scoring.h"
#include "app/cli/shared_options.h"

#include "core/datasets/demo_generator.h"
#include "core/jobs/scoring_job.h"
#include "core/scoring/run_config.h"
#include "core/scoring/scorers/scorer.h"
#include "db/importer.h"
#include "db/project_job_store.h"
#include "db/run_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace gateau::cli {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Times the store's reads and writes around the real implementation.
class TimedStore : public jobs::JobStore {
public:
    explicit TimedStore(jobs::JobStore& inner) : inner_(inner) {}
    datasets::Conversation conversation(int64_t id) override {
        const auto t0 = Clock::now();
        auto c = inner_.conversation(id);
        reads += since(t0);
        return c;
    }
    void saveScore(int64_t id, const scoring::SampleRawScores& s) override {
        const auto t0 = Clock::now();
        inner_.saveScore(id, s);
        writes += since(t0);
    }
    void saveFailure(int64_t id, const std::string& why) override {
        const auto t0 = Clock::now();
        inner_.saveFailure(id, why);
        writes += since(t0);
    }
    bool claim(int64_t id) override {  // a write transaction per sample: counted with the writes
        const auto t0 = Clock::now();
        const bool mine = inner_.claim(id);
        writes += since(t0);
        return mine;
    }
    void tick() override {
        const auto t0 = Clock::now();
        inner_.tick();
        writes += since(t0);
    }
    double reads = 0, writes = 0;

private:
    jobs::JobStore& inner_;
};

void share(const char* name, double secs, double total, const std::string& who = {}) {
    std::printf("  %-28s %9.2f s  %5.1f%%%s\n", name, secs, total > 0 ? 100.0 * secs / total : 0.0, who.c_str());
}

// "  needed by cam, ifd" for a phase that runs for these passes; "  every run" for 0. An
// opt-in scorer this run leaves off is marked "(off)".
std::string neededBy(scoring::Passes passes, const scoring::ScorerSettings& settings) {
    if (passes == 0) return "  every run";
    std::string out;
    for (const scoring::Scorer* s : scoring::registeredScorers())
        if (s->passes() & passes)
            out += (out.empty() ? "  needed by " : ", ") + s->key() +
                   (scoring::scorerEnabled(*s, settings) ? "" : " (off)");
    return out.empty() ? "  needed by no registered scorer" : out;
}

}  // namespace

int benchScoring(const ArgParser& p) {
    if (!p.has("config")) throw CliError("gateau bench scoring --config RUN.json [--dataset FILE] [--samples N]", 2);
    const int64_t samples = p.intValue("samples", 4);
    if (samples < 1) throw CliError("--samples must be >= 1", 2);
    jobs::JobOptions options = parseJobOptions(p);

    const std::string tmp = std::filesystem::temp_directory_path().string() + "/gateau-bench-scoring-" +
                            std::to_string(::getpid());
    std::filesystem::create_directories(tmp);
    struct Cleanup {
        std::string dir;
        ~Cleanup() { std::filesystem::remove_all(dir); }
    } cleanup{tmp};
    std::string dataset = p.value("dataset");
    if (dataset.empty()) {
        dataset = tmp + "/demo.jsonl";
        datasets::DemoOptions demo;
        demo.samples = int(std::max<int64_t>(samples, 8));
        datasets::writeDemoDataset(dataset, demo, datasets::loadDemoCorpus());
    }
    auto store = db::ProjectStore::open(tmp + "/bench.gateau", true);
    db::importDataset(store, dataset);
    const db::RunInfo run = db::createOrFindRun(store, scoring::canonicalRunConfigJson(options.config));
    const std::vector<int64_t> ids = db::pendingSamples(store, run.id, samples);
    std::printf("bench scoring: %zu samples of %s, devices %s, segment_len %lld, max_tokens %lld\n", ids.size(),
                dataset.c_str(), p.value("devices", options.config.device).c_str(),
                (long long)options.config.prompt.segmentLen, (long long)options.config.prompt.maxTokens);

    db::ProjectJobStore inner(store, run.id);
    TimedStore timed(inner);
    jobs::ScoringJob job(options, ids, timed);
    jobs::JobProgress last;
    const auto t0 = Clock::now();
    if (job.run([&](const jobs::JobProgress& pr) { last = pr; }) != jobs::JobOutcome::Finished)
        throw CliError("scoring failed: " + job.error());
    const double wall = since(t0);
    const scoring::ScorePhaseTimes t = job.phaseTimes();
    const double total = t.total() + timed.reads + timed.writes;
    std::printf("batched: %lld scored, %lld failed, %.2f s wall (model loading included), %.3f samples/s "
                "(%.3f samples/s excluding model loading)\n",
                (long long)last.done, (long long)last.failed, wall, double(ids.size()) / wall,
                total > 0 ? double(ids.size()) / total : 0.0);
    share("read records", timed.reads, total);
    // Each phase with the scorers that need it: what turning a scorer off would save.
    for (const scoring::ScorePhase& ph : scoring::scorePhases())
        share(ph.name, t.*ph.seconds, total, neededBy(ph.passes, options.config.scorers));
    share("store writes", timed.writes, total);

    // The same samples with one segment pass per call, in this process, for the batching ratio.
    const std::string device = options.devices.front();
    const jobs::LoadedScorer scorer = jobs::loadScorer(options.config, device, options.cpuThreads);
    // One side of an A/B over the same samples: how scoreSample is called, and its times.
    struct Side {
        bool batched;
        const scoring::ScorerSettings* scorers;
        scoring::ScorePhaseTimes times;
    };
    // Every sample on both sides in turn, so that load on the machine hits both alike.
    auto compareSides = [&](Side& a, Side& b) {
        for (int64_t id : ids) {
            auto text = store.sampleText(id);
            if (!text) continue;
            try {
                for (Side* s : {&a, &b}) {
                    scoring::ScoreHooks h;
                    h.times = &s->times;
                    h.scorers = s->scorers;
                    scoring::scoreSample({text->conversation}, scorer.models(), options.config.prompt,
                                         options.segmentBatchTokens, s->batched, h);
                }
            } catch (const scoring::ScoringError&) {
            }
        }
    };
    Side batchedSide{true, &options.config.scorers, {}}, singleSide{false, &options.config.scorers, {}};
    compareSides(batchedSide, singleSide);
    const scoring::ScorePhaseTimes& batched = batchedSide.times;
    const scoring::ScorePhaseTimes& single = singleSide.times;
    std::printf("segment passes, same samples on %s: batched %.2f s, one by one %.2f s: batching speed-up %.2fx\n",
                device.c_str(), batched.segmentPasses, single.segmentPasses,
                batched.segmentPasses > 0 ? single.segmentPasses / batched.segmentPasses : 0.0);

    // What each opt-in scorer this run turns on costs: the same samples with it on and off.
    for (const scoring::Scorer* sc : scoring::registeredScorers()) {
        if (!sc->optIn() || !scoring::scorerEnabled(*sc, options.config.scorers)) continue;
        scoring::ScorerSettings off = options.config.scorers;
        off[sc->key()] = 0;
        Side onSide{true, &options.config.scorers, {}}, offSide{true, &off, {}};
        compareSides(onSide, offSide);
        const scoring::ScorePhaseTimes& on = onSide.times;
        const scoring::ScorePhaseTimes& without = offSide.times;
        const double n = double(ids.size());
        std::printf("%s on vs off, same samples: %.3f s vs %.3f s per sample (%+.1f%%)\n", sc->key().c_str(),
                    on.total() / n, without.total() / n,
                    without.total() > 0 ? 100.0 * (on.total() / without.total() - 1) : 0.0);
        for (const scoring::ScorePhase& ph : scoring::scorePhases())
            if (on.*ph.seconds > 0 || without.*ph.seconds > 0)
                std::printf("  %-28s %+9.3f s per sample\n", ph.name, (on.*ph.seconds - without.*ph.seconds) / n);
    }
    return 0;
}

}  // namespace gateau::cli
