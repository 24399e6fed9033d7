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

#include "core/model/arch.h"
#include "core/model/checkpoint.h"
#include "core/model/config_json.h"
#include "core/model/engine_weights.h"
#include "core/model/safetensors_writer.h"
#include "core/model/tensor_names.h"

namespace gateau::model::testref {

namespace {

using Weights = std::map<std::string, at::Tensor>;

// Random weights for every tensor the family's table lists, drawn in the table's order
// (which keeps the Llama/Mistral/Qwen2 draws of earlier versions of this file).
Weights makeWeights(const TinyModel& m) {
    const ModelConfig& c = m.cfg;
    if (!m.weightsFrom.empty()) {
        Weights w;
        const Checkpoint ck = Checkpoint::open(m.weightsFrom);
        for (const TensorSpec& spec : expectedTensors(c)) {
            auto values = ck.require(spec.name).toFloats();
            w[spec.name] = at::tensor(values, at::kFloat).reshape(spec.shape);
        }
        return w;
    }
    auto gen = at::detail::createCPUGenerator(m.seed);
    auto randn = [&](std::vector<int64_t> shape, double scale) {
        return at::randn(shape, gen, at::TensorOptions(at::kFloat)) * scale;
    };
    const bool onePlus = archInfo(c.arch).norm == NormKind::RmsOnePlus;
    const double s = 1.5 / std::sqrt(double(c.hiddenSize));
    const int64_t qDim = c.numHeads * c.headDim;
    Weights w;
    for (const TensorSpec& spec : expectedTensors(c)) {
        using R = TensorRole;
        at::Tensor t;
        if (isNormWeight(spec.role)) {
            t = randn(spec.shape, 0.1);
            if (!onePlus) t = 1.0 + t;
        } else {
            switch (spec.role) {
                case R::TokenEmbedding: t = randn(spec.shape, 1.0); break;
                case R::AttnOut: t = randn(spec.shape, 1.0 / std::sqrt(double(qDim))); break;
                case R::FfnDown: t = randn(spec.shape, 1.0 / std::sqrt(double(c.intermediateSize))); break;
                case R::Output: t = randn(spec.shape, 2.0 / std::sqrt(double(c.hiddenSize))); break;
                case R::AttnQBias:
                case R::AttnKBias:
                case R::AttnVBias:
                case R::AttnOutBias: t = randn(spec.shape, 0.2); break;
                default: t = randn(spec.shape, s); break;  // q, k, v, qkv, gate, up, gate_up
            }
        }
        if (m.zeroQueries && (spec.role == R::AttnQ || spec.role == R::AttnQBias)) t.zero_();
        if (m.zeroQueries && spec.role == R::AttnQkv) t.narrow(0, 0, qDim).zero_();
        w[spec.name] = t;
    }
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
                                     double& attnScale, double theta, int64_t d) {
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
        case RopeScaling::Type::LongRope: {
            // Phi-3: divisors per frequency, the long set beyond the pretraining context;
            // attention factor sqrt(1 + ln(factor) / ln(original context)) unless given.
            const double orig = double(rs.originalMaxPositionEmbeddings);
            const auto& ext = double(n) > orig ? rs.longFactor : rs.shortFactor;
            for (int64_t i = 0; i < d / 2; ++i)
                inv[i] = 1.0 / (ext[size_t(i)] * std::pow(theta, double(2 * i) / double(d)));
            attnScale = rs.attentionFactor ? *rs.attentionFactor
                        : rs.factor <= 1   ? 1.0
                                           : std::sqrt(1 + std::log(rs.factor) / std::log(orig));
            break;
        }
    }
    return inv;
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps, bool onePlus) {
    return x / at::sqrt(x.pow(2).mean(-1, true) + eps) * (onePlus ? 1.0 + w : w);
}

// Rotates pairs (i, i + r/2) of the first r = 2 * inv.size() channels of every row t by
// angle t * inv[i], then scales those; the remaining channels pass unchanged.
at::Tensor rope(const at::Tensor& x, const std::vector<double>& inv, double scale) {
    auto y = x.clone();
    const int64_t n = x.size(0), half = int64_t(inv.size());
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

double geluTanh(double x) {
    return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

}  // namespace

TinyModel tinyModel(Arch arch, uint64_t seed) {
    TinyModel m;
    m.seed = seed;
    ModelConfig& c = m.cfg;
    c.arch = arch;
    c.modelType = archInfo(arch).name;
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
    // Family settings strong enough at this size to change every logprob if mishandled.
    switch (arch) {
        case Arch::Gemma2:
            c.queryPreAttnScalar = 12.0;
            c.slidingWindowPattern = 2;  // Gemma 2: even layers local
            c.attnLogitSoftcapping = 2.0;
            c.finalLogitSoftcapping = 5.0;
            c.tieWordEmbeddings = true;
            break;
        case Arch::Gemma3:
            c.queryPreAttnScalar = 10.0;
            c.slidingWindowPattern = 2;  // layer 0 local, layer 1 global
            c.ropeTheta = 1000000.0;
            c.ropeLocalTheta = 10000.0;
            c.tieWordEmbeddings = true;
            break;
        case Arch::Phi3: c.partialRotaryFactor = 0.75; break;
        default: break;
    }
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
    const ArchInfo& family = archInfo(c.arch);
    const bool onePlus = family.norm == NormKind::RmsOnePlus;
    auto name = [&](TensorRole role, int64_t l = -1) { return hfTensorName(c, role, l); };
    auto has = [&](TensorRole role, int64_t l) { return w.count(name(role, l)) > 0; };
    // Rotary channels: int(head_dim * partial_rotary_factor).
    const int64_t rd = int64_t(double(d) * c.partialRotaryFactor);
    double globalScale = 1.0, localScale = 1.0;
    const auto globalInv = referenceInvFreq(c, ropeOverride ? *ropeOverride : c.ropeScaling, n, globalScale,
                                            c.ropeTheta, rd);
    const auto localInv = referenceInvFreq(c, RopeScaling{}, n, localScale, c.ropeLocalTheta.value_or(c.ropeTheta), rd);
    const double scoreScale = 1.0 / std::sqrt(c.queryPreAttnScalar ? *c.queryPreAttnScalar : double(d));
    auto softcap = [](const at::Tensor& v, std::optional<double> cap) { return cap ? *cap * at::tanh(v / *cap) : v; };

    auto idT = at::tensor(ids, at::kLong);
    auto x = W(name(TensorRole::TokenEmbedding)).index_select(0, idT);  // [n, hidden]
    if (family.embedScale) x = x * std::sqrt(double(c.hiddenSize));

    Reference r;
    r.numSegments = S;
    r.segmentAttention.assign(size_t(L * S), 0.0);
    r.tokenSegments.assign(size_t((n - K) * S), 0.0);
    r.keyAttention.assign(size_t((n - K) * n), 0.0);
    r.probs.assign(size_t(L * H * n * n), 0.0);

    for (int64_t l = 0; l < L; ++l) {
        // Additive mask, built cell by cell: causal, plus this layer's window (t - j < window).
        const int64_t window = layerWindow(c, l);
        auto mask = at::zeros({n, n}, at::kDouble);
        auto ma = mask.accessor<double, 2>();
        for (int64_t t = 0; t < n; ++t)
            for (int64_t j = 0; j < n; ++j)
                if (j > t || (window > 0 && t - j >= window)) ma[t][j] = -INFINITY;
        const bool local = c.ropeLocalTheta && window > 0;
        const auto& inv = local ? localInv : globalInv;
        const double ropeScale = local ? localScale : globalScale;

        auto h = rmsNorm(x, W(name(TensorRole::AttnNorm, l)), c.rmsNormEps, onePlus);
        at::Tensor q, k, v;
        if (has(TensorRole::AttnQkv, l)) {  // Phi-3: rows q, then k, then v
            auto qkv = at::matmul(h, W(name(TensorRole::AttnQkv, l)).t());
            q = qkv.narrow(1, 0, H * d);
            k = qkv.narrow(1, H * d, KVh * d);
            v = qkv.narrow(1, (H + KVh) * d, KVh * d);
        } else {
            q = at::matmul(h, W(name(TensorRole::AttnQ, l)).t());
            k = at::matmul(h, W(name(TensorRole::AttnK, l)).t());
            v = at::matmul(h, W(name(TensorRole::AttnV, l)).t());
        }
        if (has(TensorRole::AttnQBias, l)) {
            q = q + W(name(TensorRole::AttnQBias, l));
            k = k + W(name(TensorRole::AttnKBias, l));
            v = v + W(name(TensorRole::AttnVBias, l));
        }
        std::vector<at::Tensor> heads;
        for (int64_t hd = 0; hd < H; ++hd) {
            const int64_t kvh = hd / group;
            auto qh = q.narrow(1, hd * d, d).contiguous();
            auto kh = k.narrow(1, kvh * d, d).contiguous();
            if (has(TensorRole::AttnQNorm, l)) {
                qh = rmsNorm(qh, W(name(TensorRole::AttnQNorm, l)), c.rmsNormEps, onePlus);
                kh = rmsNorm(kh, W(name(TensorRole::AttnKNorm, l)), c.rmsNormEps, onePlus);
            }
            qh = rope(qh, inv, ropeScale);
            kh = rope(kh, inv, ropeScale);
            auto vh = v.narrow(1, kvh * d, d);
            auto scores = softcap(at::matmul(qh, kh.t()) * scoreScale, c.attnLogitSoftcapping) + mask;
            auto probs = at::softmax(scores, 1);
            heads.push_back(at::matmul(probs, vh));
            auto pa = probs.accessor<double, 2>();
            for (int64_t t = 0; t < n; ++t)
                for (int64_t j = 0; j < n; ++j) r.probs[size_t(((l * H + hd) * n + t) * n + j)] = pa[t][j];
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
        auto o = at::matmul(at::cat(heads, 1), W(name(TensorRole::AttnOut, l)).t());
        if (has(TensorRole::AttnOutBias, l)) o = o + W(name(TensorRole::AttnOutBias, l));
        if (has(TensorRole::AttnPostNorm, l)) o = rmsNorm(o, W(name(TensorRole::AttnPostNorm, l)), c.rmsNormEps, onePlus);
        x = x + o;
        h = rmsNorm(x, W(name(TensorRole::FfnNorm, l)), c.rmsNormEps, onePlus);
        at::Tensor g, u;
        if (has(TensorRole::FfnGateUp, l)) {  // Phi-3: gate rows first
            auto gu = at::matmul(h, W(name(TensorRole::FfnGateUp, l)).t());
            g = gu.narrow(1, 0, c.intermediateSize);
            u = gu.narrow(1, c.intermediateSize, c.intermediateSize);
        } else {
            g = at::matmul(h, W(name(TensorRole::FfnGate, l)).t());
            u = at::matmul(h, W(name(TensorRole::FfnUp, l)).t());
        }
        at::Tensor act;
        if (family.activation == Activation::GeluTanh) {
            act = g.clone();
            auto aa = act.accessor<double, 2>();
            for (int64_t i = 0; i < act.size(0); ++i)
                for (int64_t j = 0; j < act.size(1); ++j) aa[i][j] = geluTanh(aa[i][j]);
        } else {
            act = g * at::sigmoid(g);
        }
        auto mlp = at::matmul(act * u, W(name(TensorRole::FfnDown, l)).t());
        if (has(TensorRole::FfnPostNorm, l)) mlp = rmsNorm(mlp, W(name(TensorRole::FfnPostNorm, l)), c.rmsNormEps, onePlus);
        x = x + mlp;
    }
    auto hN = rmsNorm(x, W(name(TensorRole::OutputNorm)), c.rmsNormEps, onePlus);
    auto head = c.tieWordEmbeddings ? W(name(TensorRole::TokenEmbedding)) : W(name(TensorRole::Output));
    auto lsm = at::log_softmax(softcap(at::matmul(hN, head.t()), c.finalLogitSoftcapping), 1);
    auto la = lsm.accessor<double, 2>();
    for (int64_t t = 1; t < n; ++t) r.logprobs.push_back(la[t - 1][ids[size_t(t)]]);
    return r;
}

}  // namespace gateau::model::testref
