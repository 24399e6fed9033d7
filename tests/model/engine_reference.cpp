// Independent float64 reference for test_engine: written from the Hugging Face modeling
// code's definitions, not from the engine (full attention matrix, explicit loops for RoPE
// and masks), so a shared misunderstanding would have to be made twice.
#include "tests/model/engine_reference.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: not reached through ATen.h in 2.x

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/model/config_json.h"
#include "core/model/engine_weights.h"
#include "core/model/safetensors_writer.h"

namespace gateau::model::testref {

namespace {

using Weights = std::map<std::string, at::Tensor>;

Weights makeWeights(const TinyModel& m) {
    const ModelConfig& c = m.cfg;
    auto gen = at::detail::createCPUGenerator(m.seed);
    auto randn = [&](std::vector<int64_t> shape, double scale) {
        return at::randn(shape, gen, at::TensorOptions(at::kFloat)) * scale;
    };
    const int64_t dh = c.headDim, q = c.numHeads * dh, kv = c.numKvHeads * dh;
    Weights w;
    w["model.embed_tokens.weight"] = randn({c.vocabSize, c.hiddenSize}, 1.0);
    const double s = 1.5 / std::sqrt(double(c.hiddenSize));
    const bool qkvBias = c.attentionBias || c.arch == Arch::Qwen2;
    for (int64_t l = 0; l < c.numLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        w[p + "input_layernorm.weight"] = 1.0 + randn({c.hiddenSize}, 0.1);
        w[p + "self_attn.q_proj.weight"] = randn({q, c.hiddenSize}, s);
        w[p + "self_attn.k_proj.weight"] = randn({kv, c.hiddenSize}, s);
        w[p + "self_attn.v_proj.weight"] = randn({kv, c.hiddenSize}, s);
        if (qkvBias) {
            w[p + "self_attn.q_proj.bias"] = randn({q}, 0.2);
            w[p + "self_attn.k_proj.bias"] = randn({kv}, 0.2);
            w[p + "self_attn.v_proj.bias"] = randn({kv}, 0.2);
        }
        w[p + "self_attn.o_proj.weight"] = randn({c.hiddenSize, q}, 1.0 / std::sqrt(double(q)));
        if (c.attentionBias && c.arch != Arch::Qwen2)
            w[p + "self_attn.o_proj.bias"] = randn({c.hiddenSize}, 0.2);
        w[p + "post_attention_layernorm.weight"] = 1.0 + randn({c.hiddenSize}, 0.1);
        w[p + "mlp.gate_proj.weight"] = randn({c.intermediateSize, c.hiddenSize}, s);
        w[p + "mlp.up_proj.weight"] = randn({c.intermediateSize, c.hiddenSize}, s);
        w[p + "mlp.down_proj.weight"] =
            randn({c.hiddenSize, c.intermediateSize}, 1.0 / std::sqrt(double(c.intermediateSize)));
        if (m.zeroQueries) {
            w[p + "self_attn.q_proj.weight"].zero_();
            if (qkvBias) w[p + "self_attn.q_proj.bias"].zero_();
        }
    }
    w["model.norm.weight"] = 1.0 + randn({c.hiddenSize}, 0.1);
    if (!c.tieWordEmbeddings)
        w["lm_head.weight"] = randn({c.vocabSize, c.hiddenSize}, 2.0 / std::sqrt(double(c.hiddenSize)));
    return w;
}

WeightFn weightFn(std::shared_ptr<Weights> w, std::string hide = {}) {
    return [w, hide](const std::string& name) -> at::Tensor {
        auto it = w->find(name);
        if (it == w->end() || name == hide) throw ModelError("tensor '" + name + "' not found");
        return it->second;
    };
}

// inv_freq in float64 from the formulas (HF modeling_rope_utils), and YaRN's scaling.
std::vector<double> referenceInvFreq(const ModelConfig& c, const RopeScaling& rs, int64_t n,
                                     double& attnScale) {
    const int64_t d = c.headDim;
    const double theta = c.ropeTheta;
    attnScale = 1.0;
    std::vector<double> inv(size_t(d / 2));
    auto plain = [&](double base) {
        for (int64_t i = 0; i < d / 2; ++i) inv[i] = 1.0 / std::pow(base, double(2 * i) / double(d));
    };
    switch (rs.type) {
        case RopeScaling::Type::None: plain(theta); break;
        case RopeScaling::Type::Linear:
            plain(theta);
            for (auto& f : inv) f /= rs.factor;
            break;
        case RopeScaling::Type::Dynamic: {
            double base = theta;
            if (n > c.maxPositionEmbeddings)
                base = theta * std::pow(rs.factor * double(n) / double(c.maxPositionEmbeddings) -
                                            (rs.factor - 1),
                                        double(d) / double(d - 2));
            plain(base);
            break;
        }
        case RopeScaling::Type::Llama3: {
            plain(theta);
            const double old = double(rs.originalMaxPositionEmbeddings);
            const double lowWave = old / rs.lowFreqFactor, highWave = old / rs.highFreqFactor;
            for (auto& f : inv) {
                const double wave = 2 * M_PI / f;
                if (wave < highWave) continue;
                if (wave > lowWave) {
                    f /= rs.factor;
                    continue;
                }
                const double smooth =
                    (old / wave - rs.lowFreqFactor) / (rs.highFreqFactor - rs.lowFreqFactor);
                f = (1 - smooth) * f / rs.factor + smooth * f;
            }
            break;
        }
        case RopeScaling::Type::Yarn: {
            const double factor = rs.factor;
            const double orig = double(rs.originalMaxPositionEmbeddings > 0
                                           ? rs.originalMaxPositionEmbeddings
                                           : c.maxPositionEmbeddings);
            auto mscale = [](double scale, double ms) {
                return scale <= 1 ? 1.0 : 0.1 * ms * std::log(scale) + 1.0;
            };
            if (rs.attentionFactor) attnScale = *rs.attentionFactor;
            else if (rs.mscale && rs.mscaleAllDim)
                attnScale = mscale(factor, *rs.mscale) / mscale(factor, *rs.mscaleAllDim);
            else attnScale = mscale(factor, 1.0);
            auto corr = [&](double rot) {
                return double(d) * std::log(orig / (rot * 2 * M_PI)) / (2 * std::log(theta));
            };
            double low = std::max(0.0, std::floor(corr(rs.betaFast)));
            double high = std::min(double(d - 1), std::ceil(corr(rs.betaSlow)));
            if (low == high) high += 0.001;
            for (int64_t i = 0; i < d / 2; ++i) {
                const double extra = 1.0 / std::pow(theta, double(2 * i) / double(d));
                const double inter = extra / factor;
                const double ramp = std::clamp((double(i) - low) / (high - low), 0.0, 1.0);
                inv[i] = inter * ramp + extra * (1 - ramp);
            }
            break;
        }
    }
    return inv;
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
    return x / at::sqrt(x.pow(2).mean(-1, true) + eps) * w;
}

// Rotates pairs (i, i + d/2) of every row t by angle t * inv[i], then scales.
at::Tensor rope(const at::Tensor& x, const std::vector<double>& inv, double scale) {
    auto y = x.clone();
    const int64_t n = x.size(0), half = x.size(1) / 2;
    auto xa = x.accessor<double, 2>();
    auto ya = y.accessor<double, 2>();
    for (int64_t t = 0; t < n; ++t)
        for (int64_t i = 0; i < half; ++i) {
            const double a = double(t) * inv[i], c = std::cos(a), s = std::sin(a);
            ya[t][i] = (xa[t][i] * c - xa[t][i + half] * s) * scale;
            ya[t][i + half] = (xa[t][i + half] * c + xa[t][i] * s) * scale;
        }
    return y;
}

}  // namespace

TinyModel tinyModel(Arch arch, uint64_t seed) {
    TinyModel m;
    m.seed = seed;
    ModelConfig& c = m.cfg;
    c.arch = arch;
    c.modelType = arch == Arch::Llama ? "llama" : arch == Arch::Mistral ? "mistral" : "qwen2";
    c.vocabSize = 97;
    c.hiddenSize = 32;
    c.intermediateSize = 64;
    c.numLayers = 2;
    c.numHeads = 4;
    c.numKvHeads = 2;
    c.headDim = 8;
    c.rmsNormEps = 1e-6;
    c.ropeTheta = 10000.0;
    c.maxPositionEmbeddings = 256;
    c.attentionBias = arch == Arch::Qwen2;
    return m;
}

std::unique_ptr<Engine> makeEngine(const TinyModel& m, EngineOptions opt) {
    auto w = std::make_shared<Weights>(makeWeights(m));
    return std::make_unique<Engine>(m.cfg, weightFn(w), opt);
}

std::unique_ptr<Engine> makeEngineWithout(const TinyModel& m, const std::string& name) {
    auto w = std::make_shared<Weights>(makeWeights(m));
    EngineOptions opt;
    opt.dtype = ComputeDtype::Float32;
    return std::make_unique<Engine>(m.cfg, weightFn(w, name), opt);
}

void writeCheckpoint(const TinyModel& m, const std::string& dir) {
    std::vector<TensorData> tensors;
    for (const auto& [name, t] : makeWeights(m)) {
        at::Tensor c = t.contiguous();
        std::vector<float> v(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
        tensors.push_back({name, DType::F32, c.sizes().vec(), encodeFloats(v, DType::F32)});
    }
    std::filesystem::create_directories(dir);
    writeSafetensors(dir + "/model.safetensors", tensors);
    std::ofstream(dir + "/config.json") << toHfConfigJson(m.cfg).dump(2);
}

std::vector<int64_t> randomIds(int64_t n, int64_t vocab, uint64_t seed) {
    auto gen = at::detail::createCPUGenerator(seed);
    auto t = at::randint(vocab, {n}, gen, at::TensorOptions(at::kLong));
    return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + n);
}

Reference referenceForward(const TinyModel& m, const std::vector<int64_t>& ids, int64_t K,
                           int64_t segL, const RopeScaling* ropeOverride, int64_t segBegin,
                           int64_t segEnd) {
    if (segEnd < 0) segEnd = K;
    at::NoGradGuard noGrad;
    const ModelConfig& c = m.cfg;
    Weights w = makeWeights(m);
    auto W = [&](const std::string& name) { return w.at(name).to(at::kDouble); };
    const int64_t n = int64_t(ids.size()), H = c.numHeads, KVh = c.numKvHeads, d = c.headDim;
    const int64_t group = H / KVh, L = c.numLayers;
    const int64_t S = segL > 0 ? (segEnd - segBegin + segL - 1) / segL : 0;
    const bool qkvBias = c.attentionBias || c.arch == Arch::Qwen2;
    double attnScale = 1.0;
    auto inv = referenceInvFreq(c, ropeOverride ? *ropeOverride : c.ropeScaling, n, attnScale);

    auto idT = at::tensor(ids, at::kLong);
    auto x = W("model.embed_tokens.weight").index_select(0, idT);  // [n, hidden]

    Reference r;
    r.numSegments = S;
    r.segmentAttention.assign(size_t(L * S), 0.0);
    r.tokenSegments.assign(size_t((n - K) * S), 0.0);
    r.keyAttention.assign(size_t((n - K) * n), 0.0);

    // Additive mask, built cell by cell: causal, plus Mistral's window (t - j < window).
    auto mask = at::zeros({n, n}, at::kDouble);
    auto ma = mask.accessor<double, 2>();
    for (int64_t t = 0; t < n; ++t)
        for (int64_t j = 0; j < n; ++j) {
            bool ok = j <= t;
            if (c.slidingWindow && t - j >= *c.slidingWindow) ok = false;
            if (!ok) ma[t][j] = -INFINITY;
        }

    for (int64_t l = 0; l < L; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        auto h = rmsNorm(x, W(p + "input_layernorm.weight"), c.rmsNormEps);
        auto q = at::matmul(h, W(p + "self_attn.q_proj.weight").t());
        auto k = at::matmul(h, W(p + "self_attn.k_proj.weight").t());
        auto v = at::matmul(h, W(p + "self_attn.v_proj.weight").t());
        if (qkvBias) {
            q = q + W(p + "self_attn.q_proj.bias");
            k = k + W(p + "self_attn.k_proj.bias");
            v = v + W(p + "self_attn.v_proj.bias");
        }
        std::vector<at::Tensor> heads;
        for (int64_t hd = 0; hd < H; ++hd) {
            const int64_t kvh = hd / group;
            auto qh = rope(q.narrow(1, hd * d, d).contiguous(), inv, attnScale);
            auto kh = rope(k.narrow(1, kvh * d, d).contiguous(), inv, attnScale);
            auto vh = v.narrow(1, kvh * d, d);
            auto scores = at::matmul(qh, kh.t()) / std::sqrt(double(d)) + mask;
            auto probs = at::softmax(scores, 1);
            heads.push_back(at::matmul(probs, vh));
            auto pa = probs.accessor<double, 2>();
            for (int64_t t = K; t < n; ++t) {
                for (int64_t j = 0; j < n; ++j) {
                    r.keyAttention[size_t((t - K) * n + j)] += pa[t][j] / double(H * L);
                    if (S > 0 && j >= segBegin && j < segEnd) {
                        const int64_t s = (j - segBegin) / segL;
                        r.segmentAttention[size_t(l * S + s)] += pa[t][j] / double(H * (n - K));
                        r.tokenSegments[size_t((t - K) * S + s)] += pa[t][j] / double(H * L);
                    }
                }
            }
        }
        auto o = at::matmul(at::cat(heads, 1), W(p + "self_attn.o_proj.weight").t());
        if (c.attentionBias && c.arch != Arch::Qwen2) o = o + W(p + "self_attn.o_proj.bias");
        x = x + o;
        h = rmsNorm(x, W(p + "post_attention_layernorm.weight"), c.rmsNormEps);
        auto g = at::matmul(h, W(p + "mlp.gate_proj.weight").t());
        auto u = at::matmul(h, W(p + "mlp.up_proj.weight").t());
        x = x + at::matmul(g * at::sigmoid(g) * u, W(p + "mlp.down_proj.weight").t());
    }
    auto hN = rmsNorm(x, W("model.norm.weight"), c.rmsNormEps);
    auto head = c.tieWordEmbeddings ? W("model.embed_tokens.weight") : W("lm_head.weight");
    auto lsm = at::log_softmax(at::matmul(hN, head.t()), 1);
    auto la = lsm.accessor<double, 2>();
    for (int64_t t = 1; t < n; ++t) r.logprobs.push_back(la[t - 1][ids[size_t(t)]]);
    return r;
}

}  // namespace gateau::model::testref
