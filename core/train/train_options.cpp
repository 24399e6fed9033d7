#include "core/train/train_options.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/model/config_json.h"

namespace gateau::train {

namespace {

int64_t parsePositive(const std::string& s, const std::string& what) {
    try {
        size_t used = 0;
        const long long v = std::stoll(s, &used);
        if (used == s.size() && v > 0) return v;
    } catch (const std::exception&) {
    }
    throw TrainError("--seq-len: " + what + " must be a positive integer, got '" + s + "'");
}

}  // namespace

std::vector<SeqStage> parseSeqSchedule(const std::string& text) {
    std::vector<SeqStage> out;
    size_t from = 0;
    while (from <= text.size()) {
        const size_t comma = text.find(',', from);
        const std::string item = text.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
        const size_t colon = item.find(':');
        if (colon == std::string::npos)
            throw TrainError("--seq-len: '" + item + "' is not LENGTH:STEPS (e.g. 256:1000,1024:500)");
        out.push_back({parsePositive(item.substr(0, colon), "length"), parsePositive(item.substr(colon + 1), "steps")});
        if (comma == std::string::npos) break;
        from = comma + 1;
    }
    return out;
}

void TrainOptions::validate() const {
    if (outDir.empty()) throw TrainError("no output folder given");
    if (schedule.empty()) throw TrainError("--seq-len: empty schedule");
    for (const auto& s : schedule)
        if (s.seqLen < 2 || s.steps < 1) throw TrainError("--seq-len: lengths must be at least 2 and steps at least 1");
    if (!(copyFraction >= 0 && copyFraction <= 1)) throw TrainError("--copy-fraction must be between 0 and 1");
    if (!(copyRandom >= 0 && copyRandom <= 1)) throw TrainError("--copy-random must be between 0 and 1");
    if (copySpanMin < 1 || copySpanMax < copySpanMin)
        throw TrainError("--copy-span must be MIN:MAX with 1 <= MIN <= MAX");
    if (batchSize < 1) throw TrainError("--batch must be at least 1");
    if (!(lr > 0) || !std::isfinite(lr)) throw TrainError("--lr must be a positive number");
    if (!(minLrRatio >= 0 && minLrRatio <= 1)) throw TrainError("--min-lr-ratio must be between 0 and 1");
    if (warmupSteps < 0) throw TrainError("--warmup must not be negative");
    if (!(weightDecay >= 0)) throw TrainError("--weight-decay must not be negative");
    if (!(gradClip >= 0)) throw TrainError("--grad-clip must not be negative");
    if (checkpointEvery < 1) throw TrainError("--checkpoint-every must be at least 1");
    if (stopAfter < 0) throw TrainError("--stop-after must not be negative");
    if (compute == model::ComputeDtype::Float16) throw TrainError("--compute float16 is not supported (use bfloat16)");
    if (ropeTheta && !(*ropeTheta > 0)) throw TrainError("--rope-theta must be positive");
    if (maxPositions && *maxPositions < 1) throw TrainError("--max-pos must be positive");
    if (slidingWindow && *slidingWindow < 0) throw TrainError("--sliding-window must not be negative (0: none)");
    int64_t longest = 0;
    for (const auto& s : schedule) longest = std::max(longest, s.seqLen);
    const int64_t maxPos = maxPositions.value_or(initFrom.empty() ? spec.maxPositionEmbeddings : 0);
    if (maxPos > 0 && longest > maxPos)
        throw TrainError("--seq-len: sequences of " + std::to_string(longest) + " tokens exceed max positions " +
                         std::to_string(maxPos) + " (raise --max-pos)");
}

int64_t TrainOptions::totalSteps() const {
    int64_t n = 0;
    for (const auto& s : schedule) n += s.steps;
    return n;
}

int64_t TrainOptions::seqLenAt(int64_t step) const {
    for (const auto& s : schedule) {
        if (step < s.steps) return s.seqLen;
        step -= s.steps;
    }
    return schedule.back().seqLen;
}

double TrainOptions::learningRate(int64_t step) const {
    if (step < warmupSteps) return lr * double(step + 1) / double(warmupSteps);
    const int64_t decaySteps = std::max<int64_t>(1, totalSteps() - warmupSteps);
    const double progress = std::min(1.0, double(step - warmupSteps) / double(decaySteps));
    const double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
    return lr * (minLrRatio + (1.0 - minLrRatio) * cosine);
}

nlohmann::json TrainOptions::identity() const {
    nlohmann::json j;
    if (initFrom.empty()) {
        j["model"] = {{"arch", model::archName(spec.arch)}, {"vocab", spec.vocabSize.value_or(0)},
                      {"layers", spec.layers},           {"hidden", spec.hidden},
                      {"heads", spec.heads},             {"kv_heads", spec.kvHeads},
                      {"intermediate", spec.intermediate}, {"head_dim", spec.headDim.value_or(0)},
                      {"seed", spec.seed},               {"rope_theta", spec.ropeTheta},
                      {"max_pos", spec.maxPositionEmbeddings}, {"sliding_window", spec.slidingWindow.value_or(0)},
                      {"tie", spec.tieEmbeddings}};
    } else {
        j["init_from"] = initFrom;
    }
    if (ropeTheta) j["rope_theta"] = *ropeTheta;
    if (maxPositions) j["max_pos"] = *maxPositions;
    if (slidingWindow) j["sliding_window"] = *slidingWindow;
    j["text"] = textFiles;
    j["copy_fraction"] = copyFraction;
    j["copy_span"] = {copySpanMin, copySpanMax};
    if (copyRandom > 0) j["copy_random"] = copyRandom;  // absent: runs from before the option resume
    if (copyLogDistance) j["copy_distance"] = "log";  // likewise
    auto& sched = j["seq_len"] = nlohmann::json::array();
    for (const auto& s : schedule) sched.push_back({s.seqLen, s.steps});
    j["batch"] = batchSize;
    j["lr"] = lr;
    j["min_lr_ratio"] = minLrRatio;
    j["warmup"] = warmupSteps;
    j["weight_decay"] = weightDecay;
    j["grad_clip"] = gradClip;
    j["seed"] = seed;
    j["checkpoint_every"] = checkpointEvery;
    j["compute"] = model::computeDtypeName(compute);
    return j;
}

}  // namespace gateau::train
