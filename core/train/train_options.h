#pragma once
// What `gateau train` does, as plain data: the model to start from, the text, the copy
// curriculum, the sequence-length schedule and the optimiser settings. Torch-free.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/model/engine.h"
#include "core/model/tiny_model.h"

namespace gateau::train {

// Every message names the flag, file or key it is about.
struct TrainError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct SeqStage {
    int64_t seqLen = 0;
    int64_t steps = 0;
};

// "256:1000,1024:500": 1,000 steps at 256 tokens, then 500 at 1,024.
std::vector<SeqStage> parseSeqSchedule(const std::string& text);

struct TrainOptions {
    std::string outDir;
    // A fresh model (seeded random weights, as make-tiny-model writes them) unless initFrom
    // names a checkpoint to go on training; then ropeTheta / maxPositions may raise its
    // config (a long-window continuation of a short model), and slidingWindow change it.
    model::TinyModelSpec spec;
    std::string initFrom;
    std::optional<double> ropeTheta;
    std::optional<int64_t> maxPositions;
    // On a continuation: the attention window to train with from now on (0: none), e.g. a
    // long-window model made from a short one that had a sliding window (mistral, qwen2).
    std::optional<int64_t> slidingWindow;

    std::vector<std::string> textFiles;  // empty: the built-in demo corpus
    std::string corpusRoot;              // prefix for the demo corpus paths (tests)
    // Share of sequences that get spans of their own text repeated later (see train_data.h).
    double copyFraction = 0.5;
    int64_t copySpanMin = 32;
    int64_t copySpanMax = 256;
    double copyRandom = 0;  // share of the copy sequences made of random tokens instead of text
    bool copyLogDistance = false;  // --copy-distance log (see CopyCurriculum)

    std::vector<SeqStage> schedule = {{256, 1000}};
    int64_t batchSize = 8;
    double lr = 1e-3;
    double minLrRatio = 0.1;  // cosine decay ends at lr * minLrRatio
    int64_t warmupSteps = 100;
    double weightDecay = 0.1;  // matrices only; norms and embeddings are not decayed
    double gradClip = 1.0;     // global L2 norm; 0: off
    uint64_t seed = 0;
    int64_t checkpointEvery = 100;
    // The device and the compute dtype. Auto: bfloat16 where the CPU has AVX512-BF16 or
    // AMX (the engine's rule, model::cpuHasBf16), else float32. Master weights, the
    // residual stream, norms, softmax and the loss stay in float32 either way.
    model::ComputeDtype compute = model::ComputeDtype::Auto;

    // Not part of the run's identity: may differ between a run and its resumption.
    int64_t stopAfter = 0;  // >0: stop (with a checkpoint) after this many steps in this call
    int threads = 0;        // 0: physical cores

    // Throws TrainError for values no run can use (naming the flag).
    void validate() const;
    int64_t totalSteps() const;
    int64_t seqLenAt(int64_t step) const;  // step counts from 0
    // Linear warm-up to lr over warmupSteps, then cosine decay to lr * minLrRatio at the end.
    double learningRate(int64_t step) const;
    // Everything that defines the run's result, for checking that a resumption continues
    // the same run.
    nlohmann::json identity() const;
};

}  // namespace gateau::train
