#include "core/train/trainable_llama.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include <ATen/core/grad_mode.h>  // at::NoGradGuard: not reached through ATen.h in 2.x

#include "core/model/checkpoint.h"
#include "core/model/safetensors_writer.h"
#include "core/model/arch.h"
#include "core/model/tensor_names.h"
#include "core/train/train_options.h"

namespace gateau::train {

namespace {

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
    auto xf = x.to(at::kFloat);
    return w * (xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps));
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, at::ScalarType ct, const at::Tensor& b = {}) {
    auto y = at::matmul(x.to(ct), w.to(ct).t());
    return b.defined() ? y + b.to(ct) : y;
}

// HF's default rotary embedding: inv_freq = 1 / theta^(2i/d) and angles position * inv_freq,
// both in float32, halves duplicated.
std::pair<at::Tensor, at::Tensor> rotary(int64_t T, int64_t dh, double theta) {
    auto exponent = at::arange(0, dh, 2, at::kLong).to(at::kFloat) / double(dh);
    auto invFreq = 1.0 / at::pow(theta, exponent);
    auto angles = at::arange(T, at::kLong).to(at::kFloat).unsqueeze(1) * invFreq.unsqueeze(0);
    auto emb = at::cat({angles, angles}, -1);
    return {emb.cos(), emb.sin()};
}

at::Tensor rotateHalf(const at::Tensor& x) {
    const int64_t half = x.size(-1) / 2;
    return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

}  // namespace

TrainableLlama::TrainableLlama(model::ModelConfig config, std::vector<std::pair<std::string, at::Tensor>> params)
    : config_(std::move(config)), params_(std::move(params)) {}

TrainableLlama TrainableLlama::load(const std::string& dir, const model::ModelConfig& config) {
    // The trainer's forward pass is the Llama layer (separate q/k/v, SiLU, plain RMSNorm).
    if (config.arch != model::Arch::Llama && config.arch != model::Arch::Mistral && config.arch != model::Arch::Qwen2)
        throw TrainError(dir + "/config.json: 'model_type' " + config.modelType +
                         ": training supports llama, mistral and qwen2");
    if (model::hasOutBias(config))
        throw TrainError(dir + "/config.json: attention_bias with an o_proj bias is not supported for training");
    if (config.ropeScaling.type != model::RopeScaling::Type::None)
        throw TrainError(dir + "/config.json: rope_scaling is set; training supports plain RoPE only "
                               "(raise rope_theta instead)");
    const auto ckpt = model::Checkpoint::open(dir);
    ckpt.validateFor(config);
    std::vector<std::pair<std::string, at::Tensor>> params;
    for (const auto& spec : model::expectedTensors(config)) {
        const auto view = ckpt.require(spec.name);
        auto values = view.toFloats();
        auto t = at::from_blob(values.data(), spec.shape, at::kFloat).clone();
        params.emplace_back(spec.name, t.set_requires_grad(true));
    }
    return TrainableLlama(config, std::move(params));
}

int64_t TrainableLlama::parameterCount() const {
    int64_t n = 0;
    for (const auto& p : params_) n += p.second.numel();
    return n;
}

const at::Tensor& TrainableLlama::weight(const std::string& name) const {
    for (const auto& p : params_)
        if (p.first == name) return p.second;
    static const at::Tensor none;
    return none;
}

at::Tensor TrainableLlama::logits(const at::Tensor& ids, at::ScalarType ct) const {
    using model::TensorRole;
    const auto& c = config_;
    const int64_t B = ids.size(0), T = ids.size(1), H = c.numHeads, KV = c.numKvHeads, dh = c.headDim;
    auto name = [&](TensorRole r, int64_t l = -1) { return model::hfTensorName(c, r, l); };

    auto [cos, sin] = rotary(T, dh, c.ropeTheta);
    cos = cos.to(ct);
    sin = sin.to(ct);
    // Additive mask: key j is visible from query i when j <= i and, with a sliding window W,
    // j > i - W (the engine's rule: a query sees W keys, itself included).
    auto qi = at::arange(T, at::kLong).unsqueeze(1), kj = at::arange(T, at::kLong).unsqueeze(0);
    // Which layers have the window is the family's rule (Qwen2: from max_window_layers on).
    auto maskFor = [&](int64_t window) {
        auto hidden = kj > qi;
        if (window > 0) hidden = hidden.logical_or(kj <= qi - window);
        return at::zeros({T, T}, at::kFloat).masked_fill(hidden, -std::numeric_limits<float>::infinity());
    };

    const auto& embed = weight(name(TensorRole::TokenEmbedding));
    auto x = at::embedding(embed, ids);  // [B, T, hidden], float32
    for (int64_t l = 0; l < c.numLayers; ++l) {
        const auto mask = maskFor(model::layerWindow(c, l));
        auto h = rmsNorm(x, weight(name(TensorRole::AttnNorm, l)), c.rmsNormEps);
        auto bias = [&](TensorRole r) { return c.attentionBias ? weight(name(r, l)) : at::Tensor(); };
        auto q = linear(h, weight(name(TensorRole::AttnQ, l)), ct, bias(TensorRole::AttnQBias));
        auto k = linear(h, weight(name(TensorRole::AttnK, l)), ct, bias(TensorRole::AttnKBias));
        auto v = linear(h, weight(name(TensorRole::AttnV, l)), ct, bias(TensorRole::AttnVBias));
        q = q.view({B, T, H, dh}).transpose(1, 2);
        k = k.view({B, T, KV, dh}).transpose(1, 2);
        v = v.view({B, T, KV, dh}).transpose(1, 2);
        q = q * cos + rotateHalf(q) * sin;
        k = k * cos + rotateHalf(k) * sin;
        if (H != KV) {  // HF's repeat_kv: query head i reads kv head i / (H / KV)
            k = k.repeat_interleave(H / KV, 1);
            v = v.repeat_interleave(H / KV, 1);
        }
        auto scores = at::matmul(q, k.transpose(-2, -1)).to(at::kFloat) / std::sqrt(double(dh)) + mask;
        auto probs = at::softmax(scores, -1).to(ct);
        auto a = at::matmul(probs, v).transpose(1, 2).reshape({B, T, H * dh});
        x = x + linear(a, weight(name(TensorRole::AttnOut, l)), ct).to(at::kFloat);
        h = rmsNorm(x, weight(name(TensorRole::FfnNorm, l)), c.rmsNormEps);
        auto gate = linear(h, weight(name(TensorRole::FfnGate, l)), ct);
        auto up = linear(h, weight(name(TensorRole::FfnUp, l)), ct);
        x = x + linear(at::silu(gate) * up, weight(name(TensorRole::FfnDown, l)), ct).to(at::kFloat);
    }
    auto h = rmsNorm(x, weight(name(TensorRole::OutputNorm)), c.rmsNormEps);
    const auto& head = c.tieWordEmbeddings ? embed : weight(name(TensorRole::Output));
    return linear(h, head, ct).to(at::kFloat);
}

at::Tensor TrainableLlama::tokenLosses(const at::Tensor& tokens, at::ScalarType ct) const {
    const int64_t B = tokens.size(0), T = tokens.size(1);
    auto lg = logits(tokens.narrow(1, 0, T - 1), ct);
    auto targets = tokens.narrow(1, 1, T - 1).reshape({-1});
    return at::cross_entropy_loss(lg.reshape({-1, lg.size(-1)}), targets, {}, at::Reduction::None).view({B, T - 1});
}

std::vector<float> TrainableLlama::logprobs(const std::vector<int64_t>& ids) const {
    at::NoGradGuard noGrad;
    const int64_t n = int64_t(ids.size());
    if (n < 2) return {};
    auto t = at::tensor(ids, at::kLong);
    auto lp = at::log_softmax(logits(t.unsqueeze(0), at::kFloat)[0], -1);
    auto picked = lp.narrow(0, 0, n - 1).gather(1, t.narrow(0, 1, n - 1).unsqueeze(1)).squeeze(1).contiguous();
    return std::vector<float>(picked.data_ptr<float>(), picked.data_ptr<float>() + picked.numel());
}

void TrainableLlama::saveWeights(const std::string& path) const {
    std::vector<model::TensorData> tensors;
    for (const auto& [n, t] : params_) {
        auto c = t.detach().to(at::kFloat).contiguous();
        model::TensorData d{n, model::DType::F32, c.sizes().vec(), std::vector<uint8_t>(size_t(c.numel()) * 4)};
        std::memcpy(d.bytes.data(), c.data_ptr<float>(), d.bytes.size());
        tensors.push_back(std::move(d));
    }
    const std::string tmp = path + ".tmp";
    model::writeSafetensors(tmp, tensors);
    std::filesystem::rename(tmp, path);
}

}  // namespace gateau::train
