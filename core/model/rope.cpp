#include "core/model/rope.h"

#include <algorithm>
#include <cmath>

namespace gateau::model {

namespace {

// base ** (arange(0, dim, 2).float() / dim), with base a Python float: torch wraps the
// scalar, so the power is taken in float32 like HF's.
at::Tensor posFreqs(double base, int64_t dim) {
    auto exponents = at::arange(0, dim, 2, at::kLong).to(at::kFloat) / double(dim);
    return at::pow(at::Scalar(base), exponents);
}

at::Tensor defaultInvFreq(double base, int64_t dim) { return 1.0 / posFreqs(base, dim); }

double yarnMscale(double scale, double mscale) {
    if (scale <= 1) return 1.0;
    return 0.1 * mscale * std::log(scale) + 1.0;
}

}  // namespace

Rope computeRope(const ModelConfig& cfg, const RopeScaling& rs, int64_t dim, int64_t seqLen) {
    const double base = cfg.ropeTheta;
    Rope r;
    switch (rs.type) {
        case RopeScaling::Type::None:
            r.invFreq = defaultInvFreq(base, dim);
            break;
        case RopeScaling::Type::Linear:
            r.invFreq = defaultInvFreq(base, dim) / rs.factor;
            break;
        case RopeScaling::Type::Dynamic: {
            const double maxPos = double(cfg.maxPositionEmbeddings);
            const double len = seqLen > cfg.maxPositionEmbeddings ? double(seqLen) : maxPos;
            const double b = base * std::pow(rs.factor * len / maxPos - (rs.factor - 1),
                                             double(dim) / double(dim - 2));
            r.invFreq = defaultInvFreq(b, dim);
            break;
        }
        case RopeScaling::Type::Llama3: {
            auto invFreq = defaultInvFreq(base, dim);
            const double oldLen = double(rs.originalMaxPositionEmbeddings > 0
                                             ? rs.originalMaxPositionEmbeddings
                                             : cfg.maxPositionEmbeddings);
            const double lowWave = oldLen / rs.lowFreqFactor;
            const double highWave = oldLen / rs.highFreqFactor;
            auto wavelen = 2 * M_PI / invFreq;
            auto llama = at::where(wavelen > lowWave, invFreq / rs.factor, invFreq);
            auto smooth = (oldLen / wavelen - rs.lowFreqFactor) /
                          (rs.highFreqFactor - rs.lowFreqFactor);
            auto smoothed = (1 - smooth) * llama / rs.factor + smooth * llama;
            auto medium = (wavelen < highWave).logical_not() & (wavelen > lowWave).logical_not();
            r.invFreq = at::where(medium, smoothed, llama);
            break;
        }
        case RopeScaling::Type::Yarn: {
            // transformers 4.4x-5.x: rope_scaling.original_max_position_embeddings, when
            // given, only moves the correction range; the factor stays as configured.
            const double factor = rs.factor;
            const double origMax = double(rs.originalMaxPositionEmbeddings > 0
                                              ? rs.originalMaxPositionEmbeddings
                                              : cfg.maxPositionEmbeddings);
            double attn;
            if (rs.attentionFactor) attn = *rs.attentionFactor;
            else if (rs.mscale && rs.mscaleAllDim && *rs.mscale != 0 && *rs.mscaleAllDim != 0)
                attn = yarnMscale(factor, *rs.mscale) / yarnMscale(factor, *rs.mscaleAllDim);
            else attn = yarnMscale(factor, 1.0);
            const double betaFast = rs.betaFast != 0 ? rs.betaFast : 32.0;
            const double betaSlow = rs.betaSlow != 0 ? rs.betaSlow : 1.0;
            auto correctionDim = [&](double rotations) {
                return (double(dim) * std::log(origMax / (rotations * 2 * M_PI))) /
                       (2 * std::log(base));
            };
            double low = std::floor(correctionDim(betaFast));
            double high = std::ceil(correctionDim(betaSlow));
            low = std::max(low, 0.0);
            high = std::min(high, double(dim - 1));
            if (low == high) high += 0.001;  // HF's guard against a zero-width ramp
            auto pos = posFreqs(base, dim);
            auto extrapolation = 1.0 / pos;
            auto interpolation = 1.0 / (factor * pos);
            auto ramp = ((at::arange(dim / 2, at::kFloat) - low) / (high - low)).clamp(0, 1);
            auto extrapolationFactor = 1 - ramp;
            r.invFreq = interpolation * (1 - extrapolationFactor) +
                        extrapolation * extrapolationFactor;
            r.attentionScaling = attn;
            break;
        }
        case RopeScaling::Type::LongRope: {
            // transformers' _compute_longrope_parameters: the long factors once the sequence
            // exceeds the pretraining context, and cos/sin scaled by the attention factor
            // (resolved at parse time).
            const auto& f = seqLen > rs.originalMaxPositionEmbeddings ? rs.longFactor : rs.shortFactor;
            if (int64_t(f.size()) != dim / 2)
                throw ModelError("longrope needs " + std::to_string(dim / 2) + " factors, has " +
                                 std::to_string(f.size()));
            auto ext = at::tensor(std::vector<double>(f.begin(), f.end()), at::kDouble).to(at::kFloat);
            r.invFreq = 1.0 / (ext * posFreqs(base, dim));
            if (rs.attentionFactor) {
                r.attentionScaling = *rs.attentionFactor;
            } else {  // a config built in code; parsed ones have it resolved
                const double orig = double(std::max<int64_t>(2, rs.originalMaxPositionEmbeddings));
                r.attentionScaling = rs.factor <= 1.0 ? 1.0 : std::sqrt(1.0 + std::log(rs.factor) / std::log(orig));
            }
            break;
        }
    }
    r.invFreq = r.invFreq.to(at::kFloat).contiguous();
    return r;
}

std::pair<at::Tensor, at::Tensor> ropeCosSin(const Rope& rope, int64_t from, int64_t count,
                                             const at::Device& device) {
    auto pos = at::arange(from, from + count, at::TensorOptions(at::kLong).device(device))
                   .to(at::kFloat);
    auto freqs = pos.unsqueeze(1) * rope.invFreq.to(device).unsqueeze(0);  // [T, dim/2]
    auto emb = at::cat({freqs, freqs}, -1);
    auto cos = emb.cos(), sin = emb.sin();
    if (rope.attentionScaling != 1.0) {
        cos.mul_(rope.attentionScaling);
        sin.mul_(rope.attentionScaling);
    }
    return {cos, sin};
}

at::Tensor applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const int64_t half = x.size(-1) / 2;
    auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    auto rotated = at::cat({-x2, x1}, -1);
    return x * cos + rotated * sin;
}

}  // namespace gateau::model
