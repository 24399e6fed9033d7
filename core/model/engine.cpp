// Engine construction (device, dtype, threads, weights) and the public scoring calls.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/model/arch.h"
#include "core/model/engine_internal.h"
#include "core/model/tensor_names.h"

namespace gateau::model {

namespace {

// Default of EngineOptions::fusedAttention on the CPU (LibTorch >= 2), from
// packaging/bench-torch-builds.sh; see docs/engine.md.
[[maybe_unused]] constexpr bool kFusedAttentionOnCpu = false;

at::ScalarType scalarType(ComputeDtype d) {
    switch (d) {
        case ComputeDtype::BFloat16: return at::kBFloat16;
        case ComputeDtype::Float16: return at::kHalf;
        default: return at::kFloat;
    }
}

const char* scalarTypeName(at::ScalarType t) {
    if (t == at::kBFloat16) return "bfloat16";
    if (t == at::kHalf) return "float16";
    return "float32";
}

// See EngineOptions::tuneAllocator. Process-wide and idempotent; done once.
void tuneHeapForLargeTensors() {
#if defined(__GLIBC__)
    static const bool done = [] {
        mallopt(M_MMAP_MAX, 0);                       // large blocks from the heap too
        mallopt(M_TRIM_THRESHOLD, 1 << 30);           // keep freed memory for the next chunk
        mallopt(M_TOP_PAD, 64 << 20);                 // grow the heap in big steps
        return true;
    }();
    (void)done;
#endif
}

at::Device resolveDevice(const std::string& spec) {
    if (spec.empty() || spec == "cpu") return at::Device(at::kCPU);
    if (spec.rfind("cuda", 0) != 0)
        throw ModelError("unknown device '" + spec + "' (expected cpu, cuda or cuda:N)");
    if (!torch::cuda::is_available())
        throw ModelError("device '" + spec + "' requested but this libtorch has no usable CUDA");
    at::Device dev(spec == "cuda" ? std::string("cuda:0") : spec);
    if (dev.index() >= int64_t(torch::cuda::device_count()))
        throw ModelError("device '" + spec + "' does not exist (" +
                         std::to_string(torch::cuda::device_count()) + " CUDA devices)");
    return dev;
}

}  // namespace

Engine::Engine(const ModelConfig& config, const WeightFn& weights, EngineOptions options)
    : d_(std::make_unique<Impl>()) {
    Impl& m = *d_;
    m.cfg = config;
    m.opt = options;
    m.scaling = options.ropeOverride ? *options.ropeOverride : config.ropeScaling;
    m.H = config.numHeads;
    m.KV = config.numKvHeads > 0 ? config.numKvHeads : config.numHeads;
    m.hidden = config.hiddenSize;
    m.dh = config.headDim > 0 ? config.headDim : (m.H > 0 ? m.hidden / m.H : 0);
    m.ffn = config.intermediateSize;
    m.vocab = config.vocabSize;
    if (m.H <= 0 || m.KV <= 0 || m.hidden <= 0 || m.dh <= 0 || m.ffn <= 0 || m.vocab <= 0 ||
        config.numLayers <= 0)
        throw ModelError("model config is incomplete (heads, hidden, intermediate, layers, vocab)");
    if (m.H % m.KV != 0)
        throw ModelError("num_attention_heads " + std::to_string(m.H) +
                         " is not a multiple of num_key_value_heads " + std::to_string(m.KV));
    if (options.prefillChunk < 0) throw ModelError("prefillChunk must be positive (0 = auto)");

    m.device = resolveDevice(options.device);
    m.dtype = scalarType(resolveComputeDtype(options.dtype, m.device.is_cuda() ? "cuda" : "cpu"));
    if (m.opt.prefillChunk == 0)
        m.opt.prefillChunk = m.device.is_cpu() && m.dtype != at::kFloat ? 256 : 512;
    if (m.dtype == at::kHalf && m.device.is_cpu())
        throw ModelError("float16 is not supported on CPU (its matmuls are missing or slow in "
                         "libtorch); use bfloat16 or float32");

    const int threads = options.threads > 0 ? options.threads : physicalCoreCount();
    at::set_num_threads(threads);
    if (options.tuneAllocator && m.device.is_cpu()) tuneHeapForLargeTensors();

    c10::InferenceMode guard;
    int64_t params = 0;
    auto load = [&](const std::string& name, std::vector<int64_t> shape) {
        at::Tensor t = weights(name);
        if (!t.defined()) throw ModelError("tensor '" + name + "' is missing");
        if (t.sizes().vec() != shape) {
            throw ModelError("tensor '" + name + "' has shape " + shapeString(t.sizes().vec()) +
                             " but the config implies " + shapeString(shape));
        }
        if (!at::isFloatingType(t.scalar_type()))
            throw ModelError("tensor '" + name + "' is not a float tensor");
        params += t.numel();
        return t.to(m.device, m.dtype).contiguous();
    };

    // Everything by role from the architecture table: names, shapes and which tensors
    // exist; the engine's own layout (fused q/k/v and gate/up) is assembled here.
    const ArchInfo& family = archInfo(config.arch);
    m.onePlusNorm = family.norm == NormKind::RmsOnePlus;
    m.geluTanh = family.activation == Activation::GeluTanh;
    m.embedScale = family.embedScale ? std::sqrt(double(m.hidden)) : 1.0;
    m.attnScale = attentionScale(config);
    m.attnSoftcap = config.attnLogitSoftcapping.value_or(0.0);
    m.finalSoftcap = config.finalLogitSoftcapping.value_or(0.0);
    m.rotaryDim = config.rotaryDim();
    if (m.rotaryDim < 2 || m.rotaryDim % 2 != 0 || m.rotaryDim > m.dh)
        throw ModelError("rotary dimension " + std::to_string(m.rotaryDim) + " must be even and at most head_dim");

    std::map<std::pair<TensorRole, int64_t>, TensorSpec> specs;
    for (auto& spec : expectedTensors(config)) specs.emplace(std::make_pair(spec.role, spec.layer), spec);
    auto has = [&](TensorRole role, int64_t layer) { return specs.count({role, layer}) > 0; };
    auto get = [&](TensorRole role, int64_t layer = -1) {
        const TensorSpec& spec = specs.at({role, layer});
        at::Tensor t = load(spec.name, spec.shape);
        // (1 + w) in float32 once, as Gemma's norm multiplies it.
        if (m.onePlusNorm && isNormWeight(role)) t = t.to(at::kFloat) + 1.0;
        return t;
    };
    auto getIf = [&](TensorRole role, int64_t layer) { return has(role, layer) ? get(role, layer) : at::Tensor(); };
    using R = TensorRole;
    m.embed = get(R::TokenEmbedding);
    for (int64_t l = 0; l < config.numLayers; ++l) {
        LayerWeights w;
        w.inputNorm = get(R::AttnNorm, l);
        if (has(R::AttnQkv, l)) {
            const at::Tensor qkv = get(R::AttnQkv, l);
            w.wq = qkv.narrow(0, 0, m.H * m.dh);
            w.wk = qkv.narrow(0, m.H * m.dh, m.KV * m.dh);
            w.wv = qkv.narrow(0, (m.H + m.KV) * m.dh, m.KV * m.dh);
        } else {
            w.wq = get(R::AttnQ, l);
            w.wk = get(R::AttnK, l);
            w.wv = get(R::AttnV, l);
        }
        if (has(R::AttnQBias, l)) {
            w.bq = get(R::AttnQBias, l);
            w.bk = get(R::AttnKBias, l);
            w.bv = get(R::AttnVBias, l);
        }
        w.qNorm = getIf(R::AttnQNorm, l);
        w.kNorm = getIf(R::AttnKNorm, l);
        w.wo = get(R::AttnOut, l);
        w.bo = getIf(R::AttnOutBias, l);
        w.postAttnNorm = getIf(R::AttnPostNorm, l);
        w.ffnNorm = get(R::FfnNorm, l);
        if (has(R::FfnGateUp, l)) {
            const at::Tensor gateUp = get(R::FfnGateUp, l);
            w.wgate = gateUp.narrow(0, 0, m.ffn);
            w.wup = gateUp.narrow(0, m.ffn, m.ffn);
        } else {
            w.wgate = get(R::FfnGate, l);
            w.wup = get(R::FfnUp, l);
        }
        w.wdown = get(R::FfnDown, l);
        w.postFfnNorm = getIf(R::FfnPostNorm, l);
        w.window = layerWindow(config, l);
        w.ropeSlot = layerUsesLocalRope(config, l) ? 1 : 0;
        m.layers.push_back(std::move(w));
    }
    m.finalNorm = get(R::OutputNorm);
    m.lmHead = config.tieWordEmbeddings ? m.embed : get(R::Output);

    m.info.device = m.device.str();
    m.info.dtype = scalarTypeName(m.dtype);
    m.info.threads = threads;
    m.info.prefillChunk = m.opt.prefillChunk;
    m.info.torchVersion = TORCH_VERSION;
    m.info.parameterCount = params;
#if TORCH_VERSION_MAJOR >= 2
    m.info.fusedAttention = options.fusedAttention.value_or(m.device.is_cuda() || kFusedAttentionOnCpu);
#endif
}

Engine::~Engine() = default;

void Engine::releaseCache() {
    d_->kStore.clear();
    d_->vStore.clear();
    for (auto* t : {&d_->scoreScratch, &d_->lowScratch, &d_->keyScratch, &d_->valueScratch})
        *t = at::Tensor();
}

const ModelConfig& Engine::config() const { return d_->cfg; }
const EngineInfo& Engine::info() const { return d_->info; }

std::shared_ptr<const Rope> Engine::Impl::ropeFor(int64_t seqLen, int slot) {
    // Slot 1 is Gemma 3's local RoPE: its own base, no scaling. Only Dynamic NTK (beyond
    // max_position_embeddings) and LongRoPE (short or long factors) depend on the length.
    const RopeScaling none;
    const RopeScaling& rs = slot == 1 ? none : scaling;
    int64_t lengthKey = 0;
    if (rs.type == RopeScaling::Type::Dynamic && seqLen > cfg.maxPositionEmbeddings) lengthKey = seqLen;
    if (rs.type == RopeScaling::Type::LongRope && seqLen > rs.originalMaxPositionEmbeddings) lengthKey = 1;
    const std::pair<int, int64_t> key{slot, lengthKey};
    auto it = ropeByLength.find(key);
    if (it == ropeByLength.end() && ropeByLength.size() > 256) {
        // A long run sees many lengths; each entry is cheap to redo. Callers own what they
        // were handed, so this frees nothing still in use.
        ropeByLength.clear();
        it = ropeByLength.end();
    }
    if (it == ropeByLength.end()) {
        ModelConfig c = cfg;
        if (slot == 1) c.ropeTheta = cfg.ropeLocalTheta.value_or(cfg.ropeTheta);
        it = ropeByLength.emplace(key, std::make_shared<const Rope>(computeRope(c, rs, rotaryDim, seqLen))).first;
    }
    return it->second;
}

namespace {

void checkIds(const std::vector<int64_t>& ids, int64_t vocab) {
    if (ids.size() < 2) throw ModelError("scoring needs at least 2 tokens");
    for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || ids[i] >= vocab)
            throw ModelError("token id " + std::to_string(ids[i]) + " at position " +
                             std::to_string(i) + " is outside the vocabulary (" +
                             std::to_string(vocab) + ")");
}

std::vector<float> toVector(const at::Tensor& t) {
    auto c = t.to(at::kCPU, at::kFloat).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

SpanResult Engine::scoreSpan(const std::vector<int64_t>& ids, const SpanRequest& req) {
    Impl& m = *d_;
    checkIds(ids, m.vocab);
    const int64_t n = int64_t(ids.size());
    const int64_t K = req.spanFrom;
    if (K < 1 || K > n - 1)
        throw ModelError("span start " + std::to_string(K) + " is outside 1.." +
                         std::to_string(n - 1));
    if (req.segmentLen < 0) throw ModelError("segment length must not be negative");

    ForwardPlan plan;
    plan.lens = {n};
    plan.headFrom = {req.allLogprobs ? 1 : K};
    plan.spanFrom = K;
    const int64_t segEnd = req.segmentEnd < 0 ? K : req.segmentEnd;
    if (req.segmentLen > 0 && (req.segmentBegin < 0 || req.segmentBegin >= segEnd || segEnd > K))
        throw ModelError("segment range " + std::to_string(req.segmentBegin) + ".." +
                         std::to_string(segEnd) + " must be non-empty and end at or before the span (" +
                         std::to_string(K) + ")");
    plan.segmentLen = req.segmentLen;
    plan.segmentBegin = req.segmentBegin;
    plan.segmentEnd = segEnd;
    plan.numSegments =
        req.segmentLen > 0 ? (segEnd - req.segmentBegin + req.segmentLen - 1) / req.segmentLen : 0;
    plan.tokenSegments = req.segmentLen > 0 && req.tokenSegmentAttention;
    if (req.keyAttentionAll) {
        for (int64_t t = K; t < n; ++t) plan.keyRows.push_back(t);
    } else {
        for (int64_t t : req.keyAttentionFor) {
            if (t < K || t >= n)
                throw ModelError("per-key attention requested for position " + std::to_string(t) +
                                 ", outside the span " + std::to_string(K) + ".." +
                                 std::to_string(n - 1));
            plan.keyRows.push_back(t);
        }
    }
    if (req.tileLen < 0) throw ModelError("tile length must not be negative");
    if (req.tileLen > 0) {
        const int64_t L = req.tileLen;
        plan.tileLen = L;
        plan.tileOrigin = n % L == 0 ? 0 : n % L - L;
        const int64_t tiles = (n - plan.tileOrigin) / L;
        plan.rowTile.assign(size_t(n), -1);
        for (size_t i = 0; i < req.tileQueries.size(); ++i) {
            const int64_t q = req.tileQueries[i];
            if (q < 0 || q >= tiles || (i > 0 && q <= req.tileQueries[i - 1]))
                throw ModelError("query tile " + std::to_string(q) + " is outside 0.." + std::to_string(tiles - 1) +
                                 " or not after the one before it");
            for (int64_t t = std::max<int64_t>(0, plan.tileOrigin + q * L); t < plan.tileOrigin + (q + 1) * L; ++t)
                plan.rowTile[size_t(t)] = int32_t(i);
        }
        plan.tileQueries = req.tileQueries;
    }
    plan.progress = req.progress ? &req.progress : nullptr;

    ForwardOutput out = m.forward({ids}, plan);

    SpanResult r;
    r.n = n;
    r.spanFrom = K;
    r.firstLogprobPos = plan.headFrom[0];
    r.logprobs = std::move(out.logprobs[0]);
    r.numLayers = int64_t(m.layers.size());
    r.segmentLen = plan.segmentLen;
    r.segmentBegin = plan.segmentBegin;
    r.numSegments = plan.numSegments;
    r.spanTokens = n - K;
    const double layers = double(m.layers.size());
    if (plan.numSegments > 0) r.segmentAttention = toVector(out.layerSegments / double(n - K));
    if (plan.tokenSegments) r.tokenSegmentAttention = toVector(out.tokenSegments / layers);
    if (!plan.keyRows.empty()) {
        r.keyAttentionPositions = plan.keyRows;
        r.keyAttention = toVector(out.keyAttention / layers);
    }
    if (plan.tileLen > 0) {
        r.tileLen = plan.tileLen;
        r.tileOrigin = plan.tileOrigin;
        r.numTiles = (n - plan.tileOrigin) / plan.tileLen;
        r.tileQueries = plan.tileQueries;
        r.tileAttention = toVector(out.tileAttention);
    }
    return r;
}

SpanResult Engine::scoreSpan(const std::vector<int64_t>& ids, int64_t spanFrom,
                             int64_t segmentLen, bool wantSegmentAttention,
                             int64_t keyAttentionFor) {
    SpanRequest req;
    req.spanFrom = spanFrom;
    if (wantSegmentAttention) {
        req.segmentLen = segmentLen;
        req.tokenSegmentAttention = true;
    }
    if (keyAttentionFor >= 0) req.keyAttentionFor = {keyAttentionFor};
    return scoreSpan(ids, req);
}

std::vector<float> Engine::logprobs(const std::vector<int64_t>& ids) {
    SpanRequest req;
    req.spanFrom = 1;
    req.allLogprobs = true;
    return scoreSpan(ids, req).logprobs;
}

std::vector<SpanResult> Engine::scoreSpanBatch(const std::vector<std::vector<int64_t>>& seqs,
                                               const std::vector<int64_t>& spanFroms,
                                               bool allLogprobs) {
    Impl& m = *d_;
    if (seqs.size() != spanFroms.size())
        throw ModelError("scoreSpanBatch: " + std::to_string(seqs.size()) + " sequences but " +
                         std::to_string(spanFroms.size()) + " span starts");
    std::vector<SpanResult> results(seqs.size());
    if (seqs.empty()) return results;
    for (size_t i = 0; i < seqs.size(); ++i) {
        checkIds(seqs[i], m.vocab);
        const int64_t n = int64_t(seqs[i].size()), K = spanFroms[i];
        if (K < 1 || K > n - 1)
            throw ModelError("sequence " + std::to_string(i) + ": span start " +
                             std::to_string(K) + " is outside 1.." + std::to_string(n - 1));
    }
    // Longest first, so each batch pads to its first sequence's length.
    std::vector<size_t> order(seqs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return seqs[a].size() > seqs[b].size(); });
    const int64_t budget = std::max<int64_t>(m.opt.batchTokens, 1);
    size_t at = 0;
    while (at < order.size()) {
        const int64_t T = int64_t(seqs[order[at]].size());
        size_t end = at + 1;
        while (end < order.size() && int64_t(end - at + 1) * T <= budget) ++end;
        std::vector<std::vector<int64_t>> batch;
        ForwardPlan plan;
        for (size_t j = at; j < end; ++j) {
            const size_t i = order[j];
            batch.push_back(seqs[i]);
            plan.lens.push_back(int64_t(seqs[i].size()));
            plan.headFrom.push_back(allLogprobs ? 1 : spanFroms[i]);
        }
        ForwardOutput out = m.forward(batch, plan);
        for (size_t j = at; j < end; ++j) {
            const size_t i = order[j];
            SpanResult& r = results[i];
            r.n = int64_t(seqs[i].size());
            r.spanFrom = spanFroms[i];
            r.firstLogprobPos = plan.headFrom[j - at];
            r.logprobs = std::move(out.logprobs[j - at]);
            r.numLayers = int64_t(m.layers.size());
            r.spanTokens = r.n - r.spanFrom;
        }
        at = end;
    }
    return results;
}

int cudaDeviceCount() {
    try {
        return torch::cuda::is_available() ? int(torch::cuda::device_count()) : 0;
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace gateau::model
