// The chunked forward pass: prefill in chunks of prefillChunk tokens through a KV cache,
// attention in query blocks of bounded size, the LM head only on the rows whose next-token
// log-probability is wanted, and the span statistics taken from the same softmax rows.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "core/model/engine_internal.h"

namespace gateau::model {

namespace {

at::TensorOptions longOn(const at::Device& d) { return at::TensorOptions(at::kLong).device(d); }

// HF LlamaRMSNorm: normalise in fp32, cast back, then scale by the weight in model dtype.
// Gemma's: scale by (1 + w) still in fp32 (onePlus: w already holds 1 + w), then cast.
at::Tensor rmsNormImpl(const at::Tensor& x, const at::Tensor& w, double eps, bool onePlus) {
    auto xf = x.to(at::kFloat);
    auto var = xf.pow(2).mean(-1, true);
    if (onePlus) return (xf * at::rsqrt(var + eps) * w).to(x.scalar_type());
    return w * (xf * at::rsqrt(var + eps)).to(x.scalar_type());
}

// cap * tanh(x / cap), in place.
void softcapInPlace(at::Tensor& x, double cap) {
    x.div_(cap).tanh_().mul_(cap);
}

// RoPE on the first cos.size(-1) channels of each head; the rest pass (partial rotary).
at::Tensor ropeHeads(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const int64_t rd = cos.size(-1), d = x.size(-1);
    if (rd == d) return applyRope(x, cos, sin);
    return at::cat({applyRope(x.narrow(-1, 0, rd), cos, sin), x.narrow(-1, rd, d - rd)}, -1);
}

// Adds the head-averaged attention rows of the span queries in one query block to the
// segment sums and the per-key rows. probs: [H, rows, nk] fp32 for queries t0.. and keys
// kStart..kStart+nk-1.
void spanStatistics(int64_t layer, const at::Tensor& probs, int64_t t0, int64_t kStart,
                    const ForwardPlan& plan, ForwardOutput& out) {
    const int64_t K = plan.spanFrom, qbb = probs.size(1), nk = probs.size(2);
    const int64_t r0 = std::max<int64_t>(0, K - t0);
    const int64_t rows = qbb - r0;
    if (rows <= 0) return;
    const int64_t tFirst = t0 + r0;
    auto pm = probs.narrow(1, r0, rows).mean(0);  // [rows, nk]

    if (plan.numSegments > 0) {
        const int64_t L = plan.segmentLen, base = plan.segmentBegin;
        const int64_t a = std::max(kStart, base), e = std::min(kStart + nk, plan.segmentEnd);
        if (e > a) {
            // Pad the block's keys out to whole segments, then one reshape-sum.
            const int64_t a0 = base + ((a - base) / L) * L;
            const int64_t nseg = (e - a0 + L - 1) / L;
            auto ctx = pm.narrow(1, a - kStart, e - a);
            auto padded = at::constant_pad_nd(ctx, {a - a0, nseg * L - (e - a0)});
            auto seg = padded.reshape({rows, nseg, L}).sum(-1);  // [rows, nseg]
            const int64_t s0 = (a0 - base) / L;
            out.layerSegments[layer].narrow(0, s0, nseg).add_(seg.sum(0));
            if (plan.tokenSegments)
                out.tokenSegments.narrow(0, tFirst - K, rows).narrow(1, s0, nseg).add_(seg);
        }
    }
    if (!plan.keyRows.empty()) {
        std::vector<int64_t> dst, src;
        for (size_t i = 0; i < plan.keyRows.size(); ++i) {
            const int64_t t = plan.keyRows[i];
            if (t >= tFirst && t < tFirst + rows) {
                dst.push_back(int64_t(i));
                src.push_back(t - tFirst);
            }
        }
        if (!dst.empty()) {
            auto dev = pm.device();
            auto dstT = at::tensor(dst, at::kLong).to(dev);
            auto srcT = at::tensor(src, at::kLong).to(dev);
            out.keyAttention.narrow(1, kStart, nk).index_add_(0, dstT, pm.index_select(0, srcT));
        }
    }
}

// Adds one query block's prefix tile attention: for each query tile the block's rows fall in,
// every row's probabilities on the keys before the tile, summed per key tile and per head,
// renormalised per head and row over those keys (the softmax LADM takes over the keys before
// the query span only), then averaged over heads and summed over the rows. probs: [H, rows,
// nk] fp32 for queries t0.. and keys kStart..kStart+nk-1.
void tileStatistics(int64_t layer, const at::Tensor& probs, int64_t t0, int64_t kStart,
                    const ForwardPlan& plan, ForwardOutput& out) {
    const int64_t qbb = probs.size(1), nk = probs.size(2), L = plan.tileLen, o = plan.tileOrigin;
    int64_t r = 0;
    while (r < qbb) {
        const int64_t slot = plan.rowTile[size_t(t0 + r)];
        if (slot < 0) {
            ++r;
            continue;
        }
        int64_t rEnd = r + 1;
        while (rEnd < qbb && plan.rowTile[size_t(t0 + rEnd)] == slot) ++rEnd;
        const int64_t tileStart = o + plan.tileQueries[size_t(slot)] * L;
        const int64_t e = std::min(kStart + nk, tileStart);
        if (e > kStart) {  // no key before the tile in view (a window): nothing to add
            const int64_t a0 = o + ((kStart - o) / L) * L;
            const int64_t nseg = (e - a0 + L - 1) / L;
            auto ctx = probs.narrow(1, r, rEnd - r).narrow(2, 0, e - kStart);
            auto padded = at::constant_pad_nd(ctx, {kStart - a0, nseg * L - (e - a0)});
            auto tiles = padded.reshape({probs.size(0), rEnd - r, nseg, L}).sum(-1);  // [H, rows, nseg]
            auto mass = tiles.sum(-1, true).clamp_min(std::numeric_limits<float>::min());
            auto perTile = (tiles / mass).mean(0).sum(0);  // [nseg]
            out.tileAttention[layer][slot].narrow(0, (a0 - o) / L, nseg).add_(perTile);
        }
        r = rEnd;
    }
}

// Buffers that live across chunks and calls (KV cache, attention scratch). On the CPU they
// are mapped on their own, outside the malloc heap: the heap keeps freed memory for the
// per-chunk tensors (see tuneAllocator), and long-lived blocks allocated between those
// pin its holes, which cost ~1 GB of resident memory at 16k tokens.
at::Tensor longLivedBuffer(int64_t numel, at::ScalarType type, const at::Device& device) {
    const auto opts = at::TensorOptions(type).device(device);
#if defined(__linux__)
    if (device.is_cpu()) {
        const size_t bytes = size_t(numel) * at::elementSize(type);
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        return at::from_blob(p, {numel}, [bytes](void* q) { munmap(q, bytes); }, opts);
    }
#endif
    return at::empty({numel}, opts);
}

}  // namespace

std::pair<at::Tensor, at::Tensor> Engine::Impl::cacheFor(int64_t layer, int64_t B, int64_t T) {
    if (kStore.size() != layers.size()) {
        kStore.assign(layers.size(), at::Tensor());
        vStore.assign(layers.size(), at::Tensor());
    }
    const int64_t need = B * KV * T * dh;
    auto& ks = kStore[size_t(layer)];
    auto& vs = vStore[size_t(layer)];
    if (!ks.defined() || ks.numel() < need) {
        ks = at::Tensor();  // free before allocating the larger one
        vs = at::Tensor();
        ks = longLivedBuffer(need, dtype, device);
        vs = longLivedBuffer(need, dtype, device);
    }
    return {ks.narrow(0, 0, need).view({B, KV, T, dh}), vs.narrow(0, 0, need).view({B, KV, T, dh})};
}

at::Tensor Engine::Impl::scratch(at::Tensor& store, at::ScalarType type, at::IntArrayRef shape,
                                 int64_t reserve) {
    int64_t need = 1;
    for (auto d : shape) need *= d;
    if (!store.defined() || store.numel() < need) {
        store = at::Tensor();  // free before allocating the larger one
        // The largest size this call will ask for, and at least one score block (pages
        // become resident only when touched), instead of many small regrowths.
        const int64_t budget = opt.attentionBlockBytes / int64_t(sizeof(float));
        store = longLivedBuffer(std::max({need, reserve, budget}), type, device);
    }
    return store.narrow(0, 0, need).view(shape);
}

at::Tensor Engine::Impl::norm(const at::Tensor& x, const at::Tensor& w) const {
    return rmsNormImpl(x, w, cfg.rmsNormEps, onePlusNorm);
}

at::Tensor Engine::Impl::attention(int layer, const at::Tensor& q, const at::Tensor& kCache,
                                   const at::Tensor& vCache, int64_t p, const ForwardPlan& plan,
                                   ForwardOutput& out) {
    const int64_t B = q.size(0), cc = q.size(2), G = H / KV;
    const int64_t W = layers[size_t(layer)].window;
    const double scale = attnScale;
    const bool spanStats = B == 1 && (plan.numSegments > 0 || !plan.keyRows.empty());
    const bool tileStats = B == 1 && plan.tileLen > 0;

    // Grouped-query attention without repeat_kv copies: query head h = kv * G + g uses kv
    // head kv (HF's repeat_kv order), so [B, KV, G * rows, dh] x [B, KV, dh, keys] suffices.
    auto qg = q.reshape({B, KV, G, cc, dh});
    auto result = at::empty({B, KV, G, cc, dh}, q.options());

    const bool packKeys = device.is_cpu() && dtype != at::kFloat;
    const int64_t maxKeys = W > 0 ? std::min(p + cc, W + cc) : p + cc;
    int64_t qb = opt.attentionBlockBytes / std::max<int64_t>(1, B * H * maxKeys * 4);
    qb = std::clamp<int64_t>(qb, 1, cc);

    for (int64_t q0 = 0; q0 < cc; q0 += qb) {
        const int64_t qbb = std::min(qb, cc - q0);
        const int64_t t0 = p + q0, kEnd = t0 + qbb;
        const int64_t kStart = W > 0 ? std::max<int64_t>(0, t0 - W + 1) : 0;
        const int64_t nk = kEnd - kStart;
        auto Kb = kCache.narrow(2, kStart, nk);
        auto Vb = vCache.narrow(2, kStart, nk);
        auto qs = qg.narrow(3, q0, qbb).reshape({B, KV, G * qbb, dh});
        const bool spanRows = spanStats && kEnd > plan.spanFrom;
        const bool tileRows = tileStats && plan.tileRowsIn(t0, kEnd);
        const bool wantStats = spanRows || tileRows;

        // Future keys can only sit in the last qbb columns, keys beyond the window only in
        // the first qbb: mask those slices, not a [rows x keys] matrix.
        auto qi = at::arange(t0, kEnd, longOn(device)).unsqueeze(1);
        const int64_t c0 = std::max<int64_t>(0, nk - qbb);
        auto future = at::arange(kStart + c0, kEnd, longOn(device)).unsqueeze(0) > qi;
        at::Tensor stale;
        const int64_t c1 = std::min(nk, qbb);
        if (W > 0) stale = at::arange(kStart, kStart + c1, longOn(device)).unsqueeze(0) <= qi - W;

#if TORCH_VERSION_MAJOR >= 2
        if (!wantStats && info.fusedAttention && attnSoftcap == 0.0) {
            auto allowed = at::ones({qbb, nk}, at::TensorOptions(at::kBool).device(device));
            allowed.narrow(1, c0, nk - c0).masked_fill_(future, false);
            if (W > 0) allowed.narrow(1, 0, c1).masked_fill_(stale, false);
            // SDPA scales by head_dim^-0.5; Gemma's query_pre_attn_scalar goes into q.
            const double defaultScale = 1.0 / std::sqrt(double(dh));
            auto qsdpa = scale == defaultScale ? qs : qs * (scale / defaultScale);
            auto o = at::scaled_dot_product_attention(qsdpa, Kb, Vb, allowed.repeat({G, 1}));
            result.narrow(3, q0, qbb).copy_(o.view({B, KV, G, qbb, dh}));
            continue;
        }
#endif
        // Scaling q instead of the product (HF) saves a pass over the score block; exact
        // when 1/sqrt(head_dim) is a power of two (64, 256), else a rounding-level change.
        const int64_t rowsAll = G * qbb;
        auto q3 = (qs * scale).reshape({B * KV, rowsAll, dh});
        auto k3 = Kb.reshape({B * KV, nk, dh});
        auto v3 = Vb.reshape({B * KV, nk, dh});
        if (packKeys) {
            // oneDNN's bf16 bmm copies operands whose batch stride is not rows x cols (a
            // cache slice's is T x dh) into a fresh tensor per call, of a new size every
            // block; copying into kept buffers instead keeps the heap from fragmenting.
            const int64_t reserve = B * KV * kCache.size(2) * dh;
            k3 = scratch(keyScratch, dtype, {B * KV, nk, dh}, reserve).copy_(k3);
            v3 = scratch(valueScratch, dtype, {B * KV, nk, dh}, reserve).copy_(v3);
        }
        k3 = k3.transpose(1, 2);
        // Softmax in fp32 like HF's softmax(dtype=float32), in place (the kernels read a
        // row's max before writing it). On a bf16/fp16 block the kernel accumulates in fp32
        // and rounds once: HF's fp32 softmax cast back, up to summation order (1 ulp on
        // ~1e-5 of the entries), at half the memory traffic. Only blocks whose probabilities
        // feed the span statistics take an fp32 copy.
        const std::vector<int64_t> shape{B * KV, rowsAll, nk};
        at::Tensor low = dtype == at::kFloat ? at::Tensor() : scratch(lowScratch, dtype, shape);
        at::Tensor probs = low.defined() && !wantStats ? low : scratch(scoreScratch, at::kFloat, shape);
        at::Tensor scores = low.defined() ? low : probs;
        at::bmm_out(scores, q3, k3);
        if (attnSoftcap != 0.0) softcapInPlace(scores, attnSoftcap);  // before the mask, as HF
        if (low.defined() && wantStats) probs.copy_(low);
        auto s5 = probs.view({B, KV, G, qbb, nk});
        const double ninf = -std::numeric_limits<double>::infinity();
        s5.narrow(4, c0, nk - c0).masked_fill_(future, ninf);
        if (W > 0) s5.narrow(4, 0, c1).masked_fill_(stale, ninf);
        at::_softmax_out(probs, probs, -1, false);
        if (wantStats) {
            if (spanRows) spanStatistics(layer, probs.view({KV * G, qbb, nk}), t0, kStart, plan, out);
            if (tileRows) tileStatistics(layer, probs.view({KV * G, qbb, nk}), t0, kStart, plan, out);
            if (low.defined()) low.copy_(probs);
        }
        auto o = at::bmm(low.defined() ? low : probs, v3);
        result.narrow(3, q0, qbb).copy_(o.view({B, KV, G, qbb, dh}));
    }
    return result.view({B, H, cc, dh}).transpose(1, 2).reshape({B, cc, H * dh});
}

ForwardOutput Engine::Impl::forward(const std::vector<std::vector<int64_t>>& seqs,
                                    const ForwardPlan& plan) {
    c10::InferenceMode guard;
    const int64_t B = int64_t(seqs.size());
    // OpenMP thread counts are per calling thread: a worker may not be the constructing one.
    if (at::get_num_threads() != info.threads) at::set_num_threads(info.threads);
    int64_t T = 0;
    for (auto n : plan.lens) T = std::max(T, n);

    // Right padding: real tokens keep positions 0..n-1 and, under the causal mask, never
    // see the pads, so no padding mask is needed; pad rows are computed and ignored.
    std::vector<int64_t> flat(size_t(B * T), 0);
    for (int64_t b = 0; b < B; ++b) std::copy(seqs[b].begin(), seqs[b].end(), flat.begin() + b * T);
    auto ids = at::from_blob(flat.data(), {B, T}, at::kLong).clone().to(device);

    const int64_t nLayers = int64_t(layers.size());
    auto f32 = at::TensorOptions(at::kFloat).device(device);
    std::vector<at::Tensor> kc, vc;
    for (int64_t l = 0; l < nLayers; ++l) {
        auto kv = cacheFor(l, B, T);
        kc.push_back(kv.first);
        vc.push_back(kv.second);
    }

    ForwardOutput out;
    out.logprobs.resize(size_t(B));
    if (plan.numSegments > 0) {
        out.layerSegments = at::zeros({nLayers, plan.numSegments}, f32);
        if (plan.tokenSegments)
            out.tokenSegments = at::zeros({plan.lens[0] - plan.spanFrom, plan.numSegments}, f32);
    }
    if (!plan.keyRows.empty()) out.keyAttention = at::zeros({int64_t(plan.keyRows.size()), T}, f32);
    if (plan.tileLen > 0)
        out.tileAttention = at::zeros(
            {nLayers, int64_t(plan.tileQueries.size()), (T - plan.tileOrigin) / plan.tileLen}, f32);

    const int64_t headBlock =
        std::max<int64_t>(1, opt.attentionBlockBytes / std::max<int64_t>(1, vocab * 4));
    auto scoreRows = [&](int64_t b, const at::Tensor& rows, int64_t firstPos) {
        // rows [R, hidden] are the last layer's outputs at positions firstPos..; each
        // predicts the token after it. fp32 log-softmax via logsumexp.
        const int64_t R = rows.size(0);
        auto& dst = out.logprobs[b];
        for (int64_t r0 = 0; r0 < R; r0 += headBlock) {
            const int64_t rr = std::min(headBlock, R - r0);
            auto h = norm(rows.narrow(0, r0, rr), finalNorm);
            auto logits = at::linear(h, lmHead).to(at::kFloat);
            if (finalSoftcap != 0.0) softcapInPlace(logits, finalSoftcap);
            auto tgt = ids[b].narrow(0, firstPos + r0 + 1, rr).unsqueeze(1);
            auto lp = (logits.gather(1, tgt).squeeze(1) - at::logsumexp(logits, {1}))
                          .to(at::kCPU)
                          .contiguous();
            dst.insert(dst.end(), lp.data_ptr<float>(), lp.data_ptr<float>() + rr);
        }
    };

    // One table per RoPE slot the layers use (Gemma 3: global and local).
    bool slotUsed[2] = {false, false};
    for (const auto& w : layers) slotUsed[w.ropeSlot] = true;
    std::vector<std::shared_ptr<const Rope>> ropes[2];  // owned: ropeFor may trim its cache
    bool oneRope[2] = {true, true};
    for (int slot = 0; slot < 2; ++slot) {
        if (!slotUsed[slot]) continue;
        for (int64_t b = 0; b < B; ++b) {
            ropes[slot].push_back(ropeFor(plan.lens[b], slot));
            oneRope[slot] = oneRope[slot] && ropes[slot].back() == ropes[slot].front();
        }
    }

    const int64_t chunk = opt.prefillChunk;
    for (int64_t p = 0; p < T; p += chunk) {
        const int64_t cc = std::min(chunk, T - p);
        auto x = embed.index_select(0, ids.narrow(1, p, cc).reshape({-1})).view({B, cc, hidden});
        // Gemma: times sqrt(hidden) rounded to the model dtype, as HF's normalizer.
        if (embedScale != 1.0) x = x * at::scalar_tensor(embedScale, x.options());

        at::Tensor cos[2], sin[2];
        for (int slot = 0; slot < 2; ++slot) {
            if (!slotUsed[slot]) continue;
            if (oneRope[slot]) {
                auto cs = ropeCosSin(*ropes[slot][0], p, cc, device);
                cos[slot] = cs.first.to(dtype).view({1, 1, cc, rotaryDim});
                sin[slot] = cs.second.to(dtype).view({1, 1, cc, rotaryDim});
            } else {
                std::vector<at::Tensor> cs, ss;
                for (int64_t b = 0; b < B; ++b) {
                    auto pr = ropeCosSin(*ropes[slot][b], p, cc, device);
                    cs.push_back(pr.first);
                    ss.push_back(pr.second);
                }
                cos[slot] = at::stack(cs).to(dtype).unsqueeze(1);
                sin[slot] = at::stack(ss).to(dtype).unsqueeze(1);
            }
        }

        for (int64_t l = 0; l < nLayers; ++l) {
            const LayerWeights& w = layers[l];
            auto h = norm(x, w.inputNorm);
            auto q = at::linear(h, w.wq, w.bq).view({B, cc, H, dh});
            auto k = at::linear(h, w.wk, w.bk).view({B, cc, KV, dh});
            auto v = at::linear(h, w.wv, w.bv).view({B, cc, KV, dh}).transpose(1, 2);
            if (w.qNorm.defined()) {  // per head, before RoPE (Qwen3, Gemma 3)
                q = norm(q, w.qNorm);
                k = norm(k, w.kNorm);
            }
            const int slot = w.ropeSlot;
            q = ropeHeads(q.transpose(1, 2), cos[slot], sin[slot]);
            kc[l].narrow(2, p, cc).copy_(ropeHeads(k.transpose(1, 2), cos[slot], sin[slot]));
            vc[l].narrow(2, p, cc).copy_(v);
            auto a = attention(int(l), q, kc[l], vc[l], p, plan, out);
            auto o = w.bo.defined() ? at::linear(a, w.wo, w.bo) : at::linear(a, w.wo);
            x = x + (w.postAttnNorm.defined() ? norm(o, w.postAttnNorm) : o);
            h = norm(x, w.ffnNorm);
            auto gate = at::linear(h, w.wgate);
            auto act = geluTanh ? at::gelu(gate, "tanh") : at::silu(gate);
            auto mlp = at::linear(act * at::linear(h, w.wup), w.wdown);
            x = x + (w.postFfnNorm.defined() ? norm(mlp, w.postFfnNorm) : mlp);
        }

        for (int64_t b = 0; b < B; ++b) {
            const int64_t lo = std::max(p, plan.headFrom[b] - 1);
            const int64_t hi = std::min(p + cc, plan.lens[b] - 1);
            if (lo < hi) scoreRows(b, x[b].narrow(0, lo - p, hi - lo), lo);
        }
        if (plan.progress && *plan.progress && !(*plan.progress)(p + cc, T))
            throw EngineCancelled("scoring cancelled");
    }
    return out;
}

}  // namespace gateau::model
