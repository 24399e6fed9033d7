#include "core/train/train_session.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/types.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/model/config_json.h"
#include "core/model/tensor_names.h"
#include "core/model/tokenizer_probe.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/loss_plot.h"
#include "core/train/train_data.h"
#include "core/train/trainable_llama.h"

namespace gateau::train {

namespace fs = std::filesystem;

namespace {

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw TrainError(p.string() + ": cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Written next to the final name and renamed: a kill leaves the old file or the new one.
void writeTextAtomic(const fs::path& p, const std::string& text) {
    const fs::path tmp = p.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) throw TrainError(tmp.string() + ": write failed");
    }
    fs::rename(tmp, p);
}

void copyFile(const fs::path& from, const fs::path& to) { writeTextAtomic(to, readText(from)); }

// "--lr (0.001 in the folder, 0.002 now)" for each option that differs.
std::string identityDiff(const nlohmann::json& stored, const nlohmann::json& now) {
    std::string out;
    auto keys = [](const nlohmann::json& j) {
        std::vector<std::string> k;
        for (auto it = j.begin(); it != j.end(); ++it) k.push_back(it.key());
        return k;
    };
    std::vector<std::string> all = keys(stored);
    for (const auto& k : keys(now))
        if (!stored.contains(k)) all.push_back(k);
    for (const auto& k : all) {
        const auto a = stored.contains(k) ? stored[k].dump() : "unset";
        const auto b = now.contains(k) ? now[k].dump() : "unset";
        if (a != b) out += (out.empty() ? "" : ", ") + k + " (" + a + " in the folder, " + b + " now)";
    }
    return out;
}

double seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

struct TrainSession::Impl {
    TrainOptions opt;
    fs::path out;
    SessionInfo info;
    at::ScalarType ct = at::kFloat;
    model::ModelConfig config;
    std::unique_ptr<TrainableLlama> model;
    std::unique_ptr<torch::optim::AdamW> optim;
    std::vector<int32_t> stream;
    std::unique_ptr<SequenceSampler> sampler;
    int64_t step = 0;
    std::ofstream lossLog;
    double startTime = seconds();

    void setUpModelFiles();
    void openLossLog(bool resumed);
    void makeOptimizer();
};

void TrainSession::Impl::setUpModelFiles() {
    if (opt.initFrom.empty()) {
        if (opt.spec.shards != 1) throw TrainError("--shards: gateau train writes one model.safetensors");
        if (opt.spec.dtype != model::DType::F32) throw TrainError("--dtype: gateau train stores float32 weights");
        const fs::path init = out / ".init";
        fs::remove_all(init);
        model::makeTinyModel(init.string(), opt.spec);
        std::vector<fs::path> files;  // listed first: the loop moves one of them out
        for (const auto& entry : fs::directory_iterator(init)) files.push_back(entry.path());
        for (const auto& f : files) {
            if (f.filename() == "model.safetensors") fs::rename(f, out / f.filename());
            else copyFile(f, out / f.filename());
        }
        fs::remove_all(init);
        return;
    }
    const fs::path from(opt.initFrom);
    auto cfg = model::ModelConfig::fromFile((from / "config.json").string());
    if (opt.ropeTheta) cfg.ropeTheta = *opt.ropeTheta;
    if (opt.maxPositions) cfg.maxPositionEmbeddings = *opt.maxPositions;
    if (opt.slidingWindow) {
        if (cfg.arch == model::Arch::Llama)
            throw TrainError("--sliding-window: " + opt.initFrom + " is a llama model (windows are mistral and qwen2 settings)");
        cfg.slidingWindow = *opt.slidingWindow > 0 ? std::optional<int64_t>(*opt.slidingWindow) : std::nullopt;
    }
    cfg.torchDtype = "float32";
    auto src = TrainableLlama::load(from.string(), cfg);
    src.saveWeights((out / "model.safetensors").string());
    writeTextAtomic(out / "config.json", model::toHfConfigJson(cfg).dump(2) + "\n");
    if (fs::exists(from / "generation_config.json")) copyFile(from / "generation_config.json", out / "generation_config.json");
    const auto tokFiles = model::tokenizerFilesIn(from.string());
    if (tokFiles.empty()) throw TrainError("--init-from " + opt.initFrom + ": no tokenizer files in the folder");
    for (const auto& f : tokFiles) copyFile(from / f, out / f);
}

void TrainSession::Impl::openLossLog(bool resumed) {
    const fs::path p = out / "loss.csv";
    std::string kept = "step,seq_len,loss,lr,tokens_per_s,copy_loss\n";
    if (resumed && fs::exists(p)) {
        // Rows after the checkpoint belong to steps that will run again.
        std::istringstream in(readText(p));
        std::string line;
        std::getline(in, line);
        while (std::getline(in, line))
            if (!line.empty() && std::stoll(line.substr(0, line.find(','))) <= step) kept += line + "\n";
    }
    writeTextAtomic(p, kept);
    lossLog.open(p, std::ios::app);
    if (!lossLog) throw TrainError(p.string() + ": cannot write");
}

void TrainSession::Impl::makeOptimizer() {
    // Weight decay on the projection matrices only, as is usual: not on norms, and not on
    // the embeddings (a tied LM head shares them).
    std::vector<at::Tensor> decay, noDecay;
    for (const auto& [name, t] : model->parameters()) {
        const bool isEmbedding = name == model::hfTensorName(config, model::TensorRole::TokenEmbedding);
        (t.dim() == 2 && !isEmbedding ? decay : noDecay).push_back(t);
    }
    auto base = torch::optim::AdamWOptions(opt.lr).betas({0.9, 0.95}).eps(1e-8);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(base.weight_decay(opt.weightDecay)));
    groups.emplace_back(noDecay, std::make_unique<torch::optim::AdamWOptions>(base.weight_decay(0.0)));
    optim = std::make_unique<torch::optim::AdamW>(std::move(groups), base);
}

TrainSession::TrainSession(TrainOptions options) : d_(std::make_unique<Impl>()) {
    auto& d = *d_;
    d.opt = std::move(options);
    d.opt.validate();
    if (d.opt.compute == model::ComputeDtype::Auto)
        d.opt.compute = model::cpuHasBf16() ? model::ComputeDtype::BFloat16 : model::ComputeDtype::Float32;
    d.ct = d.opt.compute == model::ComputeDtype::BFloat16 ? at::kBFloat16 : at::kFloat;
    d.info.threads = d.opt.threads > 0 ? d.opt.threads : model::physicalCoreCount();
    at::set_num_threads(d.info.threads);
    d.info.computeDtype = model::computeDtypeName(d.opt.compute);
    d.out = d.opt.outDir;

    const nlohmann::json identity = d.opt.identity();
    const fs::path runFile = d.out / "train.json";
    const fs::path ckpt = d.out / "checkpoint", oldCkpt = d.out / "checkpoint.old";
    const bool existingRun = fs::exists(runFile);
    if (existingRun) {
        nlohmann::json stored;
        try {
            stored = nlohmann::json::parse(readText(runFile));
        } catch (const nlohmann::json::exception& e) {
            throw TrainError(runFile.string() + ": not valid JSON (" + e.what() + ")");
        }
        const std::string diff = identityDiff(stored, identity);
        if (!diff.empty())
            throw TrainError(d.opt.outDir + " holds a run with other options: " + diff +
                             "; resume with the same options, or train into another folder");
    } else {
        std::error_code ec;
        if (fs::exists(d.out) && !fs::is_empty(d.out, ec))
            throw TrainError(d.opt.outDir + " is not empty and holds no gateau train run (no train.json); "
                                            "choose a new or empty folder");
    }

    // What bad input can break is read before the folder is touched.
    std::unique_ptr<tok::Tokenizer> tokenizer;
    try {
        if (!existingRun && !d.opt.initFrom.empty()) {
            const auto from = model::ModelConfig::fromFile((fs::path(d.opt.initFrom) / "config.json").string());
            const int64_t maxPos = d.opt.maxPositions.value_or(from.maxPositionEmbeddings);
            for (const auto& st : d.opt.schedule)
                if (st.seqLen > maxPos)
                    throw TrainError("--seq-len: sequences of " + std::to_string(st.seqLen) + " tokens exceed max positions " +
                                     std::to_string(maxPos) + " (raise --max-pos)");
        }
        tokenizer = tok::Tokenizer::load(existingRun ? d.opt.outDir
                                         : d.opt.initFrom.empty() ? d.opt.spec.tokenizerPath : d.opt.initFrom);
    } catch (const std::runtime_error& e) {
        throw TrainError(e.what());
    }
    d.stream = loadTrainingTokens(*tokenizer, d.opt.textFiles, d.opt.corpusRoot);
    d.sampler = std::make_unique<SequenceSampler>(
        d.stream, CopyCurriculum{d.opt.copyFraction, d.opt.copySpanMin, d.opt.copySpanMax, d.opt.copyRandom, d.opt.copyLogDistance}, d.opt.seed);

    if (!existingRun) {
        // train.json last: a folder holding it has its model files.
        std::error_code ec;
        const bool created = !fs::exists(d.out);
        fs::create_directories(d.out, ec);
        if (!fs::is_directory(d.out)) throw TrainError(d.opt.outDir + ": cannot create folder");
        try {
            d.setUpModelFiles();
            writeTextAtomic(runFile, identity.dump(2) + "\n");
        } catch (const std::exception& e) {
            if (created) fs::remove_all(d.out, ec);
            else
                for (const auto& entry : fs::directory_iterator(d.out, ec)) fs::remove_all(entry.path(), ec);
            throw TrainError(e.what());
        }
    }
    // A kill between the two renames of a checkpoint leaves only the previous one.
    if (!fs::exists(ckpt / "state.json") && fs::exists(oldCkpt / "state.json")) {
        fs::remove_all(ckpt);
        fs::rename(oldCkpt, ckpt);
    }
    const bool resumed = fs::exists(ckpt / "state.json");

    try {
        d.config = model::ModelConfig::fromFile((d.out / "config.json").string());
        d.model = std::make_unique<TrainableLlama>(TrainableLlama::load((resumed ? ckpt : d.out).string(), d.config));
    } catch (const model::ModelError& e) {
        throw TrainError(e.what());
    }
    if (tokenizer->vocabSize() > d.config.vocabSize)
        throw TrainError(d.opt.outDir + ": the tokenizer has " + std::to_string(tokenizer->vocabSize()) +
                         " tokens, the model only " + std::to_string(d.config.vocabSize));
    int64_t longest = 0;
    for (const auto& st : d.opt.schedule) longest = std::max(longest, st.seqLen);
    if (longest > d.config.maxPositionEmbeddings)
        throw TrainError("--seq-len: sequences of " + std::to_string(longest) + " tokens exceed the model's " +
                         std::to_string(d.config.maxPositionEmbeddings) + " max positions (raise --max-pos)");
    d.makeOptimizer();

    if (resumed) {
        nlohmann::json state;
        try {
            state = nlohmann::json::parse(readText(ckpt / "state.json"));
            d.step = state.at("step").get<int64_t>();
        } catch (const nlohmann::json::exception& e) {
            throw TrainError((ckpt / "state.json").string() + ": " + e.what());
        }
        d.sampler->restore(state.at("data"));
        torch::load(*d.optim, (ckpt / "optimizer.pt").string());
    }
    d.openLossLog(resumed);
    d.info.startStep = d.step;
    d.info.totalSteps = d.opt.totalSteps();
    d.info.parameterCount = d.model->parameterCount();
    d.info.trainingTokens = int64_t(d.stream.size());
}

TrainSession::~TrainSession() = default;

const SessionInfo& TrainSession::info() const { return d_->info; }
int64_t TrainSession::step() const { return d_->step; }
bool TrainSession::done() const { return d_->step >= d_->opt.totalSteps(); }

StepReport TrainSession::runStep() {
    auto& d = *d_;
    StepReport r;
    r.totalSteps = d.opt.totalSteps();
    r.seqLen = d.opt.seqLenAt(d.step);
    r.lr = d.opt.learningRate(d.step);
    for (auto& g : d.optim->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(r.lr);

    const double t0 = seconds();
    const int64_t B = d.opt.batchSize, T = r.seqLen;
    std::vector<int64_t> flat;
    flat.reserve(size_t(B * T));
    // Targets inside copied spans, the first token of each left out (nothing predicts where
    // a copy starts): their loss shows whether the model has learned to copy.
    std::vector<float> copied(size_t(B * (T - 1)), 0.0f);
    std::vector<CopySpan> copies;
    for (int64_t b = 0; b < B; ++b) {
        const auto seq = d.sampler->next(T, &copies);
        flat.insert(flat.end(), seq.begin(), seq.end());
        for (const auto& c : copies)
            for (int64_t t = c.dst + 1; t < c.dst + c.len; ++t) copied[size_t(b * (T - 1) + t - 1)] = 1.0f;
    }
    auto batch = at::from_blob(flat.data(), {B, T}, at::kLong).clone();
    d.optim->zero_grad();
    auto losses = d.model->tokenLosses(batch, d.ct);
    auto loss = losses.mean();
    loss.backward();
    {
        auto mask = at::from_blob(copied.data(), {B, T - 1}, at::kFloat);
        const double n = mask.sum().item<double>();
        r.copyLoss = n > 0 ? (losses.detach() * mask).sum().item<double>() / n : std::nan("");
    }
    if (d.opt.gradClip > 0) {
        std::vector<at::Tensor> ps;
        for (const auto& p : d.model->parameters()) ps.push_back(p.second);
        torch::nn::utils::clip_grad_norm_(ps, d.opt.gradClip);
    }
    d.optim->step();
    r.loss = loss.item<double>();
    const double dt = seconds() - t0;
    r.tokensPerSecond = double(d.opt.batchSize * r.seqLen) / std::max(dt, 1e-9);
    r.step = ++d.step;
    r.elapsedSeconds = seconds() - d.startTime;
    char row[160];
    std::snprintf(row, sizeof row, "%lld,%lld,%.6f,%.6g,%.1f,%.6f\n", (long long)r.step, (long long)r.seqLen, r.loss,
                  r.lr, r.tokensPerSecond, r.copyLoss);
    d.lossLog << row;
    if (d.step % d.opt.checkpointEvery == 0 || done()) {
        checkpoint();
        r.checkpointed = true;
    }
    return r;
}

void TrainSession::checkpoint() {
    auto& d = *d_;
    const fs::path tmp = d.out / "checkpoint.tmp", ckpt = d.out / "checkpoint", old = d.out / "checkpoint.old";
    d.lossLog.flush();
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    copyFile(d.out / "config.json", tmp / "config.json");
    d.model->saveWeights((tmp / "model.safetensors").string());
    torch::save(*d.optim, (tmp / "optimizer.pt").string());
    const nlohmann::json state = {{"step", d.step}, {"data", d.sampler->state()}};
    writeTextAtomic(tmp / "state.json", state.dump(2) + "\n");  // last: marks the folder complete
    fs::remove_all(old);
    if (fs::exists(ckpt)) fs::rename(ckpt, old);
    fs::rename(tmp, ckpt);
    fs::remove_all(old);
    d.model->saveWeights((d.out / "model.safetensors").string());
    writeTextAtomic(d.out / "loss.svg", lossPlotSvg(parseLossCsv(readText(d.out / "loss.csv")), d.opt.outDir));
}

std::vector<float> TrainSession::logprobs(const std::vector<int64_t>& ids) const { return d_->model->logprobs(ids); }

int64_t runTraining(const TrainOptions& options, const std::function<void(const SessionInfo&)>& onStart,
                    const std::function<void(const StepReport&)>& onStep, const std::function<bool()>& keepGoing) {
    TrainSession s(options);
    if (onStart) onStart(s.info());
    int64_t ran = 0;
    bool checkpointed = true;
    while (!s.done() && (options.stopAfter == 0 || ran < options.stopAfter) && (!keepGoing || keepGoing())) {
        const StepReport r = s.runStep();
        ++ran;
        checkpointed = r.checkpointed;
        if (onStep) onStep(r);
    }
    if (!checkpointed) s.checkpoint();
    return ran;
}

std::vector<float> trainerLogprobs(const std::string& modelDir, const std::vector<int64_t>& ids) {
    const auto cfg = model::ModelConfig::fromFile((fs::path(modelDir) / "config.json").string());
    return TrainableLlama::load(modelDir, cfg).logprobs(ids);
}

}  // namespace gateau::train
