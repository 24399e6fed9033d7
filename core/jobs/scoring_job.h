#pragma once
// A scoring run's execution (docs/scoring.md "Background execution"): one worker thread per
// device, each owning its own models A and B and tokenizer, fed from one queue of samples.
// The thread that calls run() is the only one touching the JobStore (the project), so the
// store needs no locking and every finished sample is committed as soon as it arrives.
// Torch-free and Qt-free: the CLI and the GUI drive the same object.
#include "core/datasets/conversation.h"
#include "core/scoring/run_config.h"
#include "core/scoring/sample_scorer.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gateau::jobs {

// Models A and B and the tokenizer of a run config on one device (A stretched by
// config.stretchA), and the LDS model when the config names one (config.modelLds; else the
// LDS pass runs on A). Throws ModelError / TokenizerError naming the file.
struct LoadedScorer {
    std::unique_ptr<model::Engine> shortModel, longModel, ldsModel;
    std::unique_ptr<tok::Tokenizer> tokenizer;
    scoring::ScorerModels models() const {
        scoring::ScorerModels m;
        m.shortModel = shortModel.get();
        m.longModel = longModel.get();
        m.ldsModel = ldsModel.get();
        m.tokenizer = tokenizer.get();
        return m;
    }
};
LoadedScorer loadScorer(const scoring::RunConfig& config, const std::string& device, int threads = 0);

// Reads samples and stores results; called from run()'s thread only.
class JobStore {
public:
    virtual ~JobStore() = default;
    // Throws std::exception naming the sample when its record cannot be read; the sample
    // is then recorded as failed with that message.
    virtual datasets::Conversation conversation(int64_t sampleId) = 0;
    // Called before a sample is read for scoring. False: another worker (another process on
    // the same run) has it or finished it, and this job skips it.
    virtual bool claim(int64_t /*sampleId*/) { return true; }
    // Called about twice a second: upkeep (heartbeats, checkpoints). May throw to stop the
    // job: run() then joins its workers and rethrows.
    virtual void tick() {}
    virtual void saveScore(int64_t sampleId, const scoring::SampleRawScores& scores) = 0;
    virtual void saveFailure(int64_t sampleId, const std::string& reason) = 0;
};

struct DeviceProgress {
    std::string device;
    std::string state;  // loading | running | paused | finished | failed
    std::string error;  // why the worker failed to start (state failed)
    int64_t done = 0, failed = 0;
    double samplesPerSecond = 0;
};

struct JobProgress {
    int64_t total = 0, done = 0, failed = 0;  // samples of this invocation
    int64_t skipped = 0;                       // left to other workers (JobStore::claim)
    double elapsedSeconds = 0;                // running time, pauses excluded
    double samplesPerSecond = 0;
    double etaSeconds = -1;  // -1: unknown
    bool paused = false;
    std::vector<DeviceProgress> devices;
    std::string lastFailure;  // "sample N: reason" of the most recent failure
};

struct JobOptions {
    scoring::RunConfig config;
    // Distinct; "cpu", "cuda:0", ...; "cpu:N" are further CPU workers (on the same cores:
    // for tests, where they stand in for several GPUs).
    std::vector<std::string> devices{"cpu"};
    int cpuThreads = 0;                        // intra-op threads of each cpu worker; 0 = physical cores
    int64_t segmentBatchTokens = 8192;
    // Stop (JobOutcome::Failed, error() names the reason) when the first N results all failed
    // for the same reason; 0: never.
    int failFastSamples = 8;
    // Called on a worker's thread before each sample; throwing fails that sample there as if
    // the device had. Tests use it to break a device mid-run.
    std::function<void(const std::string& device, int64_t sampleId)> beforeSample;
};

// A worker whose samples fail this many times in a row (other than by ScoringError: too
// long, no response) is taken to be a broken device (a lost GPU fails everything it is
// given, fast): while another worker runs, it stops and those samples go back to the queue.
// Failures followed by a success are the samples' own; so are the last worker's.
constexpr int kMaxFailuresInARow = 3;

// Replaces options.config.dtype "auto" by the dtype the engine will compute in on the
// job's devices (model::resolveComputeDtype), so the run identity names the real precision.
// Throws ScoringError when the devices would resolve differently (e.g. bfloat16 on cuda:0,
// float32 on a CPU without bf16): one run must not mix precisions.
void resolveAutoDtype(JobOptions& options);

enum class JobOutcome { Finished, Cancelled, Failed };
const char* outcomeName(JobOutcome o);

// Parses "cpu,cuda:0" (also "cpu:N"); throws scoring::ScoringError on an empty list, a bad name or a duplicate.
std::vector<std::string> parseDeviceList(const std::string& text);

class ScoringJob {
public:
    using ProgressFn = std::function<void(const JobProgress&)>;
    ScoringJob(JobOptions options, std::vector<int64_t> samples, JobStore& store);
    ~ScoringJob();
    ScoringJob(const ScoringJob&) = delete;
    ScoringJob& operator=(const ScoringJob&) = delete;

    // Blocks until every sample is stored, cancel() was called, no worker could start or the
    // first options.failFastSamples results all failed alike (Failed; error() says why).
    // progress runs on this thread after every stored sample, on state changes and about
    // once a second, with no lock of the job held: it may call pause(), resume(), cancel()
    // and the getters.
    JobOutcome run(const ProgressFn& progress = {});

    // Thread-safe. Pausing stops the workers within one prefill chunk or segment batch; a
    // sample interrupted by pause is scored again from the start on resume. Cancel drops
    // samples in flight (they stay pending in the project) and makes run() return.
    void pause();
    void resume();
    void cancel();
    bool isPaused() const;

    std::string error() const;
    scoring::ScorePhaseTimes phaseTimes() const;  // summed over workers, after run()

    struct State;

private:
    JobOptions options_;
    std::vector<int64_t> samples_;
    JobStore& store_;
    std::shared_ptr<State> state_;
};

}  // namespace gateau::jobs
