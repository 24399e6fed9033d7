#pragma once
// Engine internals shared by engine.cpp (weights, public API) and engine_forward.cpp (the
// chunked forward pass). Includes torch; never include from Qt code.
#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <vector>

#include "core/model/engine.h"
#include "core/model/rope.h"

namespace gateau::model {

// One layer's weights in the engine's layout, whatever the family's checkpoint layout.
struct LayerWeights {
    at::Tensor inputNorm;   // [hidden]
    // q, k, v and gate, up stay separate tensors (views of Phi-3's fused ones): fusing them
    // would copy weights that are otherwise used in place from the memory map.
    at::Tensor wq, wk, wv;  // [H * dh, hidden], [KV * dh, hidden] x 2
    at::Tensor bq, bk, bv;  // undefined without attention biases
    at::Tensor qNorm, kNorm;  // [dh], per-head norms before RoPE; undefined without
    at::Tensor wo;          // [hidden, H * dh]
    at::Tensor bo;          // with attention_bias (Llama, Qwen3, Gemma) only
    at::Tensor postAttnNorm;  // on the attention output (Gemma); undefined without
    at::Tensor ffnNorm;     // [hidden], before the MLP
    at::Tensor wgate, wup;  // [ffn, hidden] each
    at::Tensor wdown;       // [hidden, ffn]
    at::Tensor postFfnNorm;   // on the MLP output (Gemma); undefined without
    int64_t window = 0;     // sliding window of this layer; 0: full attention
    int ropeSlot = 0;       // 0: the model's RoPE, 1: the local one (Gemma 3 sliding layers)
};

// What one forward pass must produce besides the KV cache.
struct ForwardPlan {
    std::vector<int64_t> lens;        // per batch row; the batch is right-padded to T
    std::vector<int64_t> headFrom;    // per row: first position t whose logprob is wanted
    int64_t spanFrom = 0;             // B == 1 only: span queries K..n-1
    int64_t segmentLen = 0;           // 0: no segment attention
    int64_t segmentBegin = 0, segmentEnd = 0;  // keys [begin, end) form the segments
    int64_t numSegments = 0;
    bool tokenSegments = false;
    std::vector<int64_t> keyRows;     // positions whose per-key attention is kept
    // Prefix tile attention (SpanRequest::tileLen), B == 1 only.
    int64_t tileLen = 0, tileOrigin = 0;
    std::vector<int64_t> tileQueries;  // tile indices
    std::vector<int32_t> rowTile;      // per position: index into tileQueries, or -1
    bool tileRowsIn(int64_t t0, int64_t t1) const {  // any query-tile row in [t0, t1)?
        for (int64_t t = t0; t < t1 && t < int64_t(rowTile.size()); ++t)
            if (rowTile[size_t(t)] >= 0) return true;
        return false;
    }
    const std::function<bool(int64_t, int64_t)>* progress = nullptr;
};

struct ForwardOutput {
    std::vector<std::vector<float>> logprobs;  // per row, positions headFrom..len-1
    at::Tensor layerSegments;    // [layers, S] float, summed over span queries (mean later)
    at::Tensor tokenSegments;    // [span, S] float, summed over layers
    at::Tensor keyAttention;     // [keyRows, n] float, summed over layers
    at::Tensor tileAttention;    // [layers, tileQueries, tiles] float
};

struct Engine::Impl {
    ModelConfig cfg;
    EngineOptions opt;
    EngineInfo info;
    RopeScaling scaling;
    at::Device device{at::kCPU};
    at::ScalarType dtype = at::kFloat;
    int64_t H = 0, KV = 0, dh = 0, hidden = 0, ffn = 0, vocab = 0;

    at::Tensor embed;       // [vocab, hidden]
    at::Tensor finalNorm;   // [hidden]
    at::Tensor lmHead;      // [vocab, hidden]; the embedding itself when tied
    std::vector<LayerWeights> layers;
    // Dynamic NTK depends on the sequence length. Shared ownership: the cache may be
    // trimmed while a batch being set up still holds the tables of its earlier rows.
    // Keyed by (slot, length key); see ropeFor.
    std::map<std::pair<int, int64_t>, std::shared_ptr<const Rope>> ropeByLength;
    // From the family's row.
    bool onePlusNorm = false;        // norm weights hold (1 + w) in float32 (Gemma)
    bool geluTanh = false;           // else SiLU
    double embedScale = 1.0;         // Gemma: sqrt(hidden)
    double attnScale = 0.0;          // q.k scale
    double attnSoftcap = 0.0, finalSoftcap = 0.0;  // 0: none
    int64_t rotaryDim = 0;

    // KV cache storage kept across calls: fresh multi-GB buffers cost a page fault per
    // 4 KiB on first touch, which dominates short passes on some VMs. One flat buffer per
    // layer and K/V, grown on demand, viewed as [B, KV, T, dh] per call.
    std::vector<at::Tensor> kStore, vStore;
    std::pair<at::Tensor, at::Tensor> cacheFor(int64_t layer, int64_t B, int64_t T);

    // Attention blocks are written into these instead of fresh tensors: their size changes
    // with the key count every block, and a heap that keeps freed memory (see
    // tuneAllocator) fragments on such a stream until it holds several GB at 16k. fp32
    // probabilities (fp32 models, and blocks feeding the span statistics), the block in
    // the model dtype (bf16/fp16), packed key/value blocks (bf16/fp16 on the CPU). Grown
    // to max(shape, reserve) elements.
    at::Tensor scoreScratch, lowScratch, keyScratch, valueScratch;
    at::Tensor scratch(at::Tensor& store, at::ScalarType type, at::IntArrayRef shape,
                       int64_t reserve = 0);

    std::shared_ptr<const Rope> ropeFor(int64_t seqLen, int slot = 0);
    ForwardOutput forward(const std::vector<std::vector<int64_t>>& seqs, const ForwardPlan& plan);

    // Pieces of forward(), in engine_forward.cpp.
    // The family's RMSNorm over the last dimension.
    at::Tensor norm(const at::Tensor& x, const at::Tensor& w) const;
    at::Tensor attention(int layer, const at::Tensor& q, const at::Tensor& kCache,
                         const at::Tensor& vCache, int64_t p, const ForwardPlan& plan,
                         ForwardOutput& out);
};

}  // namespace gateau::model
