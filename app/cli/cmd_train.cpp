#include <cmath>
#include <cstdio>
#include <string>

#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "app/cli/model_options.h"
#include "app/cli/progress_bar.h"
#include "core/model/hf_cache.h"
#include "core/train/train_session.h"

namespace {

using namespace gateau;

const std::string kUsage =
    std::string("gateau train OUT (--tokenizer PATH | --init-from DIR) [--text FILE]... [--seq-len LEN:STEPS,...] "
                "[--batch N] [--lr X] [--warmup N] [--min-lr-ratio X] [--weight-decay X] [--grad-clip X] "
                "[--copy-fraction X] [--copy-span MIN:MAX] [--copy-random X] [--copy-distance uniform|log] [--checkpoint-every N] [--stop-after N] "
                "[--compute auto|float32|bfloat16] [--threads N] ") +
    cli::kModelSpecUsage;

std::string duration(double s) {
    char b[32];
    if (s < 60) std::snprintf(b, sizeof b, "%.0fs", s);
    else if (s < 3600) std::snprintf(b, sizeof b, "%dm%02ds", int(s) / 60, int(s) % 60);
    else std::snprintf(b, sizeof b, "%dh%02dm", int(s) / 3600, int(s) % 3600 / 60);
    return b;
}

std::pair<int64_t, int64_t> parseSpan(const std::string& s) {
    const auto colon = s.find(':');
    try {
        if (colon != std::string::npos) return {std::stoll(s.substr(0, colon)), std::stoll(s.substr(colon + 1))};
    } catch (const std::exception&) {
    }
    throw cli::CliError("--copy-span must be MIN:MAX (token counts), got '" + s + "'", 2);
}

train::TrainOptions parseOptions(const cli::ArgParser& p) {
    train::TrainOptions o;
    o.outDir = p.positionals()[0];
    o.initFrom = model::resolveModelDir(p.value("init-from"));
    if (o.initFrom.empty() && !p.has("tokenizer") && !p.has("vocab"))
        throw cli::CliError("--tokenizer PATH is required for a new model (or --init-from DIR to go on training one)", 2);
    if (!o.initFrom.empty()) {
        // Only the position settings may change on a continuation; the shape is the folder's.
        for (const char* n : {"arch", "tokenizer", "vocab", "layers", "hidden", "heads", "kv-heads", "intermediate",
                              "head-dim", "rope-scaling", "shards", "dtype"})
            if (p.has(n)) throw cli::CliError(std::string("--") + n + " cannot be combined with --init-from (the model's shape is "
                                              "the checkpoint's; --rope-theta, --max-pos and --sliding-window may change)", 2);
        if (p.flag("tie")) throw cli::CliError("--tie cannot be combined with --init-from", 2);
        if (p.has("rope-theta")) o.ropeTheta = p.doubleValue("rope-theta", 0);
        if (p.has("max-pos")) o.maxPositions = p.intValue("max-pos", 0);
        if (p.has("sliding-window")) o.slidingWindow = p.intValue("sliding-window", 0);
    } else {
        o.spec = cli::parseModelSpec(p);
        if (o.spec.ropeScaling.type != model::RopeScaling::Type::None)
            throw cli::CliError("--rope-scaling: training uses plain RoPE (raise --rope-theta instead); scale at "
                                "scoring time with the run's stretch setting", 2);
    }
    const long long seed = p.intValue("seed", 0);
    if (seed < 0) throw cli::CliError("--seed must be non-negative", 2);
    o.seed = uint64_t(seed);
    o.textFiles = p.values("text");
    o.copyFraction = p.doubleValue("copy-fraction", o.copyFraction);
    o.copyRandom = p.doubleValue("copy-random", o.copyRandom);
    if (p.has("copy-distance")) {
        const auto d = p.value("copy-distance");
        if (d != "uniform" && d != "log") throw cli::CliError("--copy-distance must be uniform or log, not '" + d + "'", 2);
        o.copyLogDistance = d == "log";
    }
    if (p.has("copy-span")) std::tie(o.copySpanMin, o.copySpanMax) = parseSpan(p.value("copy-span"));
    if (p.has("seq-len")) o.schedule = train::parseSeqSchedule(p.value("seq-len"));
    o.batchSize = p.intValue("batch", o.batchSize);
    o.lr = p.doubleValue("lr", o.lr);
    o.minLrRatio = p.doubleValue("min-lr-ratio", o.minLrRatio);
    o.warmupSteps = p.intValue("warmup", o.warmupSteps);
    o.weightDecay = p.doubleValue("weight-decay", o.weightDecay);
    o.gradClip = p.doubleValue("grad-clip", o.gradClip);
    o.checkpointEvery = p.intValue("checkpoint-every", o.checkpointEvery);
    o.stopAfter = p.intValue("stop-after", 0);
    const long long threads = p.intValue("threads", 0);
    if (threads < 0 || threads > 1024) throw cli::CliError("--threads must be between 0 and 1024", 2);
    o.threads = int(threads);
    try {
        o.compute = model::computeDtypeFromName(p.value("compute", "auto"));
    } catch (const model::ModelError& e) {
        throw cli::CliError(std::string("--compute: ") + e.what(), 2);
    }
    o.validate();
    return o;
}

int runTrain(const cli::Args& a) {
    std::vector<std::string> values = cli::kModelSpecValueNames;
    for (const char* n : {"init-from", "text", "seq-len", "batch", "lr", "min-lr-ratio", "warmup", "weight-decay",
                          "grad-clip", "copy-fraction", "copy-span", "copy-random", "copy-distance", "checkpoint-every", "stop-after", "threads",
                          "compute"})
        values.push_back(n);
    cli::ArgParser p(a, cli::kModelSpecFlagNames, values);
    p.requirePositionals(1, 1, kUsage);
    train::TrainOptions o;
    try {
        o = parseOptions(p);
    } catch (const train::TrainError& e) {
        throw cli::CliError(e.what(), 2);
    }

    const cli::GracefulInterrupt interrupt;  // the first Ctrl-C / SIGTERM stops at a checkpoint
    cli::ProgressBar bar("train");
    // ETA from this call's average throughput over the tokens still to train.
    int64_t tokensDone = 0;
    auto remainingTokens = [&](int64_t step) {
        int64_t t = 0;
        for (int64_t s = step; s < o.totalSteps(); ++s) t += o.seqLenAt(s) * o.batchSize;
        return t;
    };
    auto line = [&](const train::StepReport& r, double eta) {
        char b[256], copy[32] = "";
        if (std::isfinite(r.copyLoss)) std::snprintf(copy, sizeof copy, "  copy %.4f", r.copyLoss);
        std::snprintf(b, sizeof b, "step %lld/%lld  len %lld  loss %.4f%s  lr %.3g  %.0f tok/s  ETA %s",
                      (long long)r.step, (long long)r.totalSteps, (long long)r.seqLen, r.loss, copy, r.lr,
                      double(tokensDone) / std::max(r.elapsedSeconds, 1e-9), duration(eta).c_str());
        return std::string(b);
    };
    int64_t ran = 0, lastStep = 0;
    try {
        ran = train::runTraining(
            o,
            [&](const train::SessionInfo& i) {
                std::printf("training %s: %lld parameters, %s on %d threads, %lld tokens of text, %s\n",
                            o.outDir.c_str(), (long long)i.parameterCount, i.computeDtype.c_str(), i.threads,
                            (long long)i.trainingTokens,
                            i.startStep > 0 ? ("resuming at step " + std::to_string(i.startStep)).c_str()
                                            : ("starting, " + std::to_string(i.totalSteps) + " steps").c_str());
                std::fflush(stdout);
                lastStep = i.startStep;
            },
            [&](const train::StepReport& r) {
                lastStep = r.step;
                tokensDone += r.seqLen * o.batchSize;
                const double rate = double(tokensDone) / std::max(r.elapsedSeconds, 1e-9);
                const double eta = double(remainingTokens(r.step)) / std::max(rate, 1e-9);
                bar.update(double(r.step) / double(r.totalSteps), line(r, eta));
                if (r.checkpointed) {
                    bar.finish();
                    std::printf("%s  checkpoint\n", line(r, eta).c_str());
                    std::fflush(stdout);
                }
            },
            [&] { return !interrupt.requested(); });
    } catch (const train::TrainError& e) {
        throw cli::CliError(e.what());
    } catch (const model::ModelError& e) {
        throw cli::CliError(e.what());
    }
    bar.finish();
    if (interrupt.requested()) {
        std::printf("interrupted after %lld steps; checkpoint written, run the same command to resume\n", (long long)ran);
        return interrupt.exitCode();
    }
    if (lastStep < o.totalSteps()) {
        std::printf("stopped at step %lld of %lld (--stop-after %lld); checkpoint written, run the same command to resume\n",
                    (long long)lastStep, (long long)o.totalSteps(), (long long)o.stopAfter);
        return 0;
    }
    std::printf("done: step %lld of %lld (%lld in this call); model in %s, loss log %s/loss.csv\n", (long long)lastStep,
                (long long)o.totalSteps(), (long long)ran, o.outDir.c_str(), o.outDir.c_str());
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("train", kUsage,
                   "Train a small Llama-family model (new, or --init-from a checkpoint) on text with a long-range copy "
                   "curriculum; resumes from the output folder's last checkpoint.",
                   runTrain);
