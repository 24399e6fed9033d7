#pragma once
// One training run in an output folder: set-up (fresh model, --init-from, or resumption
// from the folder's checkpoint), steps, checkpoints, the loss log and the final model.
// Torch-free header (the CLI and QtTest suites include it).
//
// The output folder, once a run has started:
//   config.json, generation_config.json, tokenizer files   the model being trained
//   model.safetensors      float32 weights, replaced at every checkpoint and at the end
//   train.json             the run's options (TrainOptions::identity), written once
//   loss.csv               step,seq_len,loss,lr,tokens_per_s,copy_loss: one row per step
//   loss.svg               a plot of loss.csv, redrawn at every checkpoint
//   checkpoint/            config.json + model.safetensors (a loadable model), optimizer.pt
//                          (AdamW moments), state.json (step, data cursor and RNG); written
//                          as checkpoint.tmp/ and renamed, so a kill leaves the last one whole
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/train/train_options.h"

namespace gateau::train {

struct StepReport {
    int64_t step = 0;        // steps done, this one included
    int64_t totalSteps = 0;
    int64_t seqLen = 0;
    double loss = 0;
    double copyLoss = 0;  // mean over targets inside copied spans (not their first token); NaN: none
    double lr = 0;
    double tokensPerSecond = 0;  // this step's
    double elapsedSeconds = 0;   // since this call started
    bool checkpointed = false;   // a checkpoint was written after this step
};

struct SessionInfo {
    int64_t startStep = 0;  // > 0 when resumed
    int64_t totalSteps = 0;
    int64_t parameterCount = 0;
    int64_t trainingTokens = 0;  // size of the token stream
    std::string computeDtype;    // "float32" or "bfloat16"
    int threads = 0;
};

class TrainSession {
public:
    // Sets the folder up or resumes it. Throws TrainError: a folder holding something else,
    // a resumption with different options (naming them), unreadable text or model.
    explicit TrainSession(TrainOptions options);
    ~TrainSession();
    TrainSession(const TrainSession&) = delete;
    TrainSession& operator=(const TrainSession&) = delete;

    const SessionInfo& info() const;
    int64_t step() const;  // steps done
    bool done() const;     // every scheduled step done
    // One optimiser step; writes a checkpoint every checkpointEvery steps and at the end.
    StepReport runStep();
    // A checkpoint of the current step (also at stop-after and on interruption).
    void checkpoint();

    // log p(id_t | id_<t), t = 1..n-1, of the current weights in float32 (for tests).
    std::vector<float> logprobs(const std::vector<int64_t>& ids) const;

    struct Impl;

private:
    std::unique_ptr<Impl> d_;
};

// Runs (or resumes) to the end of the schedule, or until options.stopAfter steps or
// `keepGoing` returns false (a checkpoint is written then). `onStep` is called after every
// step. Returns the number of steps run in this call.
int64_t runTraining(const TrainOptions& options, const std::function<void(const SessionInfo&)>& onStart,
                    const std::function<void(const StepReport&)>& onStep,
                    const std::function<bool()>& keepGoing = {});

// The trainer's own forward pass on a checkpoint folder: log p(id_t | id_<t), t = 1..n-1,
// in float32. For comparing with the engine.
std::vector<float> trainerLogprobs(const std::string& modelDir, const std::vector<int64_t>& ids);

}  // namespace gateau::train
