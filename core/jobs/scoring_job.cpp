#include "core/jobs/scoring_job.h"

#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/tokenizer/tokenizer.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <vector>
#include <sstream>
#include <thread>
#include <tuple>

namespace gateau::jobs {

namespace {

using Clock = std::chrono::steady_clock;

struct WorkItem {
    int64_t sampleId = 0;
    datasets::Conversation conversation;
};

// Counts the run's first results: true once the first `n` all failed for the same reason
// (numbers ignored: "token 3 of 9" and "token 5 of 9" are one reason). Any success, or a
// different reason among the first n, disarms it.
class FailFast {
public:
    explicit FailFast(int n) : n_(n) {}
    void succeeded() { armed_ = false; }
    bool failed(const std::string& why) {
        if (!armed_ || n_ <= 0) return false;
        std::string reason;
        for (char c : why)
            if (!(c >= '0' && c <= '9')) reason += c;
            else if (reason.empty() || reason.back() != '#') reason += '#';
        if (count_ > 0 && reason != reason_) armed_ = false;
        reason_ = reason;
        return armed_ && ++count_ >= n_;
    }

private:
    int n_, count_ = 0;
    bool armed_ = true;
    std::string reason_;
};

struct Result {
    int64_t sampleId = 0;
    size_t worker = 0;
    bool ok = false;
    bool sampleFault = false;  // failed with a ScoringError
    scoring::SampleRawScores scores;
    std::string error;
};

}  // namespace

struct ScoringJob::State {
    std::mutex m;
    std::condition_variable workCv;    // workers: an item, resume or cancel
    std::condition_variable resultCv;  // run(): a result or a worker exit
    std::deque<WorkItem> queue;
    int inFlight = 0;  // taken from the queue, not yet a result: may come back (kMaxFailuresInARow)
    int held = 0;      // of those, failures a worker holds back (workerMain)
    bool noMoreWork = false;
    std::deque<Result> results;
    std::atomic<bool> cancelled{false}, paused{false};
    std::vector<DeviceProgress> devices;
    int alive = 0;
    scoring::ScorePhaseTimes times;
    std::string error;
};

const char* outcomeName(JobOutcome o) {
    switch (o) {
        case JobOutcome::Finished: return "finished";
        case JobOutcome::Cancelled: return "cancelled";
        case JobOutcome::Failed: return "failed";
    }
    return "?";
}

std::vector<std::string> parseDeviceList(const std::string& text) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    std::stringstream ss(text);
    std::string d;
    while (std::getline(ss, d, ',')) {
        if (d == "cuda") d = "cuda:0";
        bool ok = d == "cpu";
        for (const std::string kind : {"cuda:", "cpu:"}) {
            if (d.rfind(kind, 0) != 0 || d.size() == kind.size()) continue;
            ok = true;
            for (size_t i = kind.size(); i < d.size(); ++i) ok = ok && d[i] >= '0' && d[i] <= '9';
        }
        if (!ok) throw scoring::ScoringError("device '" + d + "' is not cpu, cpu:N, cuda or cuda:N");
        if (!seen.insert(d).second) throw scoring::ScoringError("device '" + d + "' is listed twice");
        out.push_back(d);
    }
    if (out.empty()) throw scoring::ScoringError("no device given (e.g. cpu or cpu,cuda:0)");
    return out;
}

namespace {
bool isCpu(const std::string& device) { return device == "cpu" || device.rfind("cpu:", 0) == 0; }
}  // namespace

void resolveAutoDtype(JobOptions& options) {
    if (options.config.dtype != "auto") return;
    std::string resolved, first;
    for (const auto& d : options.devices) {
        const std::string name = model::computeDtypeName(model::resolveComputeDtype(model::ComputeDtype::Auto, d));
        if (resolved.empty()) {
            resolved = name;
            first = d;
        } else if (name != resolved) {
            throw scoring::ScoringError("dtype auto is " + resolved + " on " + first + " but " + name + " on " + d +
                                        ": set \"dtype\" so that one run is scored in one precision");
        }
    }
    if (!resolved.empty()) options.config.dtype = resolved;
}

LoadedScorer loadScorer(const scoring::RunConfig& config, const std::string& device, int threads) {
    model::EngineOptions eo;
    eo.device = isCpu(device) ? "cpu" : device;
    eo.dtype = model::computeDtypeFromName(config.dtype);
    eo.threads = threads;
    LoadedScorer s;
    s.longModel = model::loadEngine(model::Checkpoint::open(config.modelB), eo);
    if (config.stretchA > 1.0) {
        model::RopeScaling ntk;
        ntk.type = model::RopeScaling::Type::Dynamic;
        ntk.factor = config.stretchA;
        eo.ropeOverride = ntk;
    }
    const model::Checkpoint a = model::Checkpoint::open(config.modelA);
    s.shortModel = model::loadEngine(a, eo);
    s.tokenizer = tok::Tokenizer::load(config.modelB);
    // A token id beyond a model's embedding rows fails every sample: say so once, here.
    const int64_t ids = s.tokenizer->vocabSize();
    std::vector<std::tuple<const char*, std::string, int64_t>> models{{"A", config.modelA, a.config().vocabSize},
                                                                      {"B", config.modelB, s.longModel->config().vocabSize}};
    if (config.ldsModelInUse()) {
        eo.ropeOverride.reset();  // the LDS model runs as configured: stretch_a is A's
        s.ldsModel = model::loadEngine(model::Checkpoint::open(config.modelLds), eo);
        models.emplace_back("LDS (lds_model)", config.modelLds, s.ldsModel->config().vocabSize);
    }
    for (const auto& [label, dir, rows] : models)
        if (rows < ids)
            throw model::ModelError(dir + ": model " + label + " has " + std::to_string(rows) +
                                    " embedding rows but the tokenizer (" + config.modelB + ") has " + std::to_string(ids) +
                                    " token ids: both models must share model B's vocabulary");
    return s;
}

ScoringJob::ScoringJob(JobOptions options, std::vector<int64_t> samples, JobStore& store)
    : options_(std::move(options)), samples_(std::move(samples)), store_(store), state_(std::make_shared<State>()) {
    if (options_.devices.empty()) throw scoring::ScoringError("a scoring job needs at least one device");
    for (const auto& d : options_.devices) state_->devices.push_back({d, "loading", "", 0, 0, 0});
}

ScoringJob::~ScoringJob() = default;

void ScoringJob::pause() { state_->paused = true; }

void ScoringJob::resume() {
    {
        std::lock_guard<std::mutex> lk(state_->m);
        state_->paused = false;
    }
    state_->workCv.notify_all();
}

void ScoringJob::cancel() {
    {
        std::lock_guard<std::mutex> lk(state_->m);
        state_->cancelled = true;
    }
    state_->workCv.notify_all();
    state_->resultCv.notify_all();
}

bool ScoringJob::isPaused() const { return state_->paused; }

std::string ScoringJob::error() const {
    std::lock_guard<std::mutex> lk(state_->m);
    return state_->error;
}

scoring::ScorePhaseTimes ScoringJob::phaseTimes() const {
    std::lock_guard<std::mutex> lk(state_->m);
    return state_->times;
}

namespace {

// One device: loads its own models, then scores items until the queue is drained or the
// job is cancelled. Everything it reports goes through State under its mutex.
void workerMain(ScoringJob::State& st, const JobOptions& opt, size_t w) {
    LoadedScorer scorer;
    try {
        scorer = loadScorer(opt.config, opt.devices[w], isCpu(opt.devices[w]) ? opt.cpuThreads : 0);
    } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lk(st.m);
        st.devices[w].state = "failed";
        st.devices[w].error = e.what();
        st.error += (st.error.empty() ? "" : "; ") + opt.devices[w] + ": " + e.what();
        --st.alive;
        st.resultCv.notify_all();
        return;
    }
    {
        std::lock_guard<std::mutex> lk(st.m);
        st.devices[w].state = "running";
    }
    const scoring::ScorerModels models = scorer.models();
    scoring::ScorePhaseTimes local;
    scoring::ScoreHooks hooks;
    hooks.times = &local;
    hooks.scorers = &opt.config.scorers;
    hooks.keepGoing = [&st] { return !st.cancelled && !st.paused; };

    // Failed samples held back until the worker scores one (then they are the samples'
    // fault and recorded) or fails kMaxFailuresInARow (then the device is, and they return
    // to the queue). In flight meanwhile, so no other worker exits while they may return.
    std::vector<std::pair<WorkItem, Result>> failedInARow;
    auto flushFailures = [&] {  // under st.m
        for (auto& f : failedInARow) st.results.push_back(std::move(f.second));
        st.inFlight -= int(failedInARow.size());
        st.held -= int(failedInARow.size());
        failedInARow.clear();
    };
    std::string state = "finished";
    for (;;) {
        WorkItem item;
        {
            std::unique_lock<std::mutex> lk(st.m);
            // The end: no more work and nothing in flight but held failures, which then can
            // no longer come back.
            st.workCv.wait(lk, [&] {
                return st.cancelled ||
                       (!st.paused && (!st.queue.empty() || (st.noMoreWork && st.inFlight == st.held)));
            });
            if (st.cancelled) break;
            if (st.queue.empty()) {
                flushFailures();
                st.resultCv.notify_all();
                break;
            }
            item = std::move(st.queue.front());
            st.queue.pop_front();
            ++st.inFlight;
        }
        Result r;
        r.sampleId = item.sampleId;
        r.worker = w;
        try {
            if (opt.beforeSample) opt.beforeSample(opt.devices[w], item.sampleId);
            r.scores = scoring::scoreSample({item.conversation}, models, opt.config.prompt, opt.segmentBatchTokens, true,
                                            hooks);
            r.ok = true;
        } catch (const model::EngineCancelled&) {
            if (st.cancelled) break;
            std::lock_guard<std::mutex> lk(st.m);  // paused mid-sample: score it again after resume
            --st.inFlight;
            st.queue.push_front(std::move(item));
            continue;
        } catch (const scoring::ScoringError& e) {
            r.error = e.what();  // the sample's own (too long, no response): says nothing of the device
            r.sampleFault = true;
        } catch (const std::exception& e) {
            r.error = e.what();  // out of memory, a device error, ...: recorded, the run goes on
        }
        std::lock_guard<std::mutex> lk(st.m);
        if (!r.ok && !r.sampleFault) {
            failedInARow.emplace_back(std::move(item), std::move(r));
            ++st.held;
            st.workCv.notify_all();
            if (int(failedInARow.size()) < kMaxFailuresInARow) continue;
            // The last worker standing keeps going, recording them, as a single device does.
            bool another = false;
            for (size_t i = 0; i < st.devices.size(); ++i)
                another = another || (i != w && (st.devices[i].state == "running" || st.devices[i].state == "loading"));
            if (!another) {
                flushFailures();
                st.resultCv.notify_all();
                continue;
            }
            const std::string why = "stopped after " + std::to_string(kMaxFailuresInARow) +
                                    " failed samples in a row (last: " + failedInARow.back().second.error + ")";
            st.devices[w].state = "failed";  // now: a worker deciding the same must not count on this one
            st.devices[w].error = why;
            st.error += (st.error.empty() ? "" : "; ") + opt.devices[w] + ": " + why;
            for (auto it = failedInARow.rbegin(); it != failedInARow.rend(); ++it)
                st.queue.push_front(std::move(it->first));
            st.inFlight -= int(failedInARow.size());
            st.held -= int(failedInARow.size());
            failedInARow.clear();
            st.workCv.notify_all();
            state = "failed";
            break;
        }
        if (r.ok) flushFailures();
        --st.inFlight;
        st.results.push_back(std::move(r));
        st.resultCv.notify_all();
        st.workCv.notify_all();  // a worker may be waiting for the last samples in flight
    }
    std::lock_guard<std::mutex> lk(st.m);
    st.times += local;
    st.devices[w].state = state;
    --st.alive;
    st.resultCv.notify_all();
    st.workCv.notify_all();
}

}  // namespace

JobOutcome ScoringJob::run(const ProgressFn& progress) {
    State& st = *state_;
    const int64_t total = int64_t(samples_.size());
    JobProgress p;
    p.total = total;
    if (total == 0) {
        if (progress) progress(p);
        return JobOutcome::Finished;
    }

    const size_t bound = 2 * options_.devices.size();
    // Stops and joins the workers however run() leaves (a store write may throw).
    struct Workers {
        State& st;
        std::vector<std::thread> threads;
        ~Workers() {
            if (threads.empty()) return;
            {
                std::lock_guard<std::mutex> lk(st.m);
                st.cancelled = true;
            }
            st.workCv.notify_all();
            join();
        }
        void join() {
            for (auto& t : threads) t.join();
            threads.clear();
        }
    } workers{st, {}};
    st.alive = int(options_.devices.size());
    for (size_t w = 0; w < options_.devices.size(); ++w)
        workers.threads.emplace_back(workerMain, std::ref(st), std::cref(options_), w);

    size_t next = 0;
    double activeSeconds = 0;
    auto lastTick = Clock::now(), lastReport = Clock::now();
    std::deque<Result> ready;
    // The callback runs with no lock of ours held: it may call cancel(), pause(), error()...
    // (the CLI cancels from it on Ctrl-C; under st.m that was a self-deadlock).
    auto report = [&] {
        {
            std::lock_guard<std::mutex> lk(st.m);
            p.elapsedSeconds = activeSeconds;
            p.paused = st.paused;
            const int64_t finished = p.done + p.failed + p.skipped;
            const int64_t rated = p.done + p.failed;
            p.samplesPerSecond = activeSeconds > 0 ? double(rated) / activeSeconds : 0.0;
            p.etaSeconds = p.samplesPerSecond > 0 ? double(total - finished) / p.samplesPerSecond : -1.0;
            p.devices = st.devices;
            for (auto& d : p.devices) {
                d.samplesPerSecond = activeSeconds > 0 ? double(d.done + d.failed) / activeSeconds : 0.0;
                if (d.state == "running" && st.paused) d.state = "paused";
            }
        }
        lastReport = Clock::now();
        if (progress) progress(p);
    };
    // A model that cannot score anything (NaN weights, a vocabulary mismatch) fails every
    // sample the same way: stop after the first N instead of failing the whole dataset.
    FailFast failFast(options_.failFastSamples);
    bool stoppedEarly = false;
    auto recordFailure = [&](int64_t id, const std::string& why) {
        store_.saveFailure(id, why);
        ++p.failed;
        p.lastFailure = "sample " + std::to_string(id) + ": " + why;
        if (failFast.failed(why) && !stoppedEarly) {
            stoppedEarly = true;
            std::lock_guard<std::mutex> lk(st.m);
            st.error = "the first " + std::to_string(options_.failFastSamples) +
                       " samples all failed with the same reason, so the run was stopped: " + why;
            st.cancelled = true;
            st.workCv.notify_all();
        }
    };

    // Finished work is committed even after cancel: only samples in flight are dropped.
    auto commit = [&](Result& r) {
        if (r.ok) {
            store_.saveScore(r.sampleId, r.scores);
            ++p.done;
            failFast.succeeded();
        } else {
            recordFailure(r.sampleId, r.error);
        }
        std::lock_guard<std::mutex> lk(st.m);
        ++(r.ok ? st.devices[r.worker].done : st.devices[r.worker].failed);
    };

    report();
    for (;;) {
        // Keep a few samples read ahead so no worker waits on the store.
        while (!st.cancelled && next < samples_.size()) {
            {
                std::lock_guard<std::mutex> lk(st.m);
                if (st.queue.size() >= bound) break;
            }
            const int64_t id = samples_[next++];
            if (!store_.claim(id)) {
                ++p.skipped;
                continue;
            }
            try {
                WorkItem item{id, store_.conversation(id)};
                std::lock_guard<std::mutex> lk(st.m);
                st.queue.push_back(std::move(item));
            } catch (const std::exception& e) {
                recordFailure(id, e.what());
            }
            st.workCv.notify_one();
        }
        bool allExited = false;
        {
            std::unique_lock<std::mutex> lk(st.m);
            if (next >= samples_.size() && !st.noMoreWork) {
                st.noMoreWork = true;
                st.workCv.notify_all();
            }
            st.resultCv.wait_for(lk, std::chrono::milliseconds(500),
                                 [&] { return !st.results.empty() || st.alive == 0 || st.cancelled; });
            ready.swap(st.results);
            allExited = st.alive == 0;
        }
        const auto now = Clock::now();
        if (!st.paused) activeSeconds += std::chrono::duration<double>(now - lastTick).count();
        lastTick = now;
        const bool any = !ready.empty();
        for (Result& r : ready) commit(r);
        ready.clear();
        store_.tick();
        if (any || now - lastReport > std::chrono::seconds(1)) report();
        if (allExited || (st.cancelled && st.alive == 0)) break;
        if (st.cancelled) {
            // Workers notice cancel within one chunk; wait for them without busy-looping.
            std::unique_lock<std::mutex> lk(st.m);
            st.resultCv.wait_for(lk, std::chrono::milliseconds(200), [&] { return st.alive == 0; });
        }
    }
    workers.join();
    // Results pushed between the last swap and the workers' exit.
    {
        std::lock_guard<std::mutex> lk(st.m);
        ready.swap(st.results);
    }
    for (Result& r : ready) commit(r);
    report();
    if (stoppedEarly) return JobOutcome::Failed;
    if (st.cancelled) return JobOutcome::Cancelled;
    return p.done + p.failed + p.skipped == total ? JobOutcome::Finished : JobOutcome::Failed;
}

}  // namespace gateau::jobs
