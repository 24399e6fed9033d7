#pragma once
// Llama-family transformer forward pass (Llama / Mistral / Qwen2) on libtorch, in Hugging
// Face's numerical conventions, specialised for what the GATEAU scorers need: per-token
// log-probabilities of a response span and the attention mass that the span's queries put
// on fixed-length segments of what precedes it.
//
// This header is torch-free on purpose (Qt code may include it; Qt's `slots` macro breaks
// torch headers). Weights come in through a WeightFn, declared in engine_weights.h, which
// does include torch; results are plain vectors with their shapes.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/model/config.h"

namespace at {
class Tensor;
}

namespace gateau::model {

// Same type as in engine_weights.h; spelled with the forward-declared at::Tensor so that
// this header needs no torch.
using WeightFn = std::function<at::Tensor(const std::string& hfName)>;

enum class ComputeDtype { Auto, Float32, BFloat16, Float16 };
const char* computeDtypeName(ComputeDtype d);  // "auto", "float32", "bfloat16", "float16"
ComputeDtype computeDtypeFromName(const std::string& name);  // throws ModelError
// What the engine computes in on `device` ("cpu", "cuda", "cuda:N") when asked for `want`:
// Auto is bfloat16 on CUDA, and on the CPU bfloat16 only with AVX512-BF16 or AMX, else
// float32; any other value is itself. The engine and the run identity both use this.
ComputeDtype resolveComputeDtype(ComputeDtype want, const std::string& device);

struct EngineOptions {
    std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
    ComputeDtype dtype = ComputeDtype::Auto;  // Auto: see resolveComputeDtype
    int threads = 0;              // intra-op threads; 0 = physical cores
    // Tokens per prefill chunk; 0 = auto: 256 for bf16/fp16 on the CPU (oneDNN's GEMMs run
    // faster on L2-sized activations: 2k tokens 13% faster than with 512), else 512 (fp32
    // through OpenBLAS is 25% slower at 256).
    int64_t prefillChunk = 0;
    // Replaces config.ropeScaling (e.g. {Dynamic, factor 16} to stretch a 4k model to 64k
    // the way the paper runs its short model on full-length input).
    std::optional<RopeScaling> ropeOverride;
    // Upper bound for one attention score block (query rows x keys x heads, fp32); the
    // query block size follows from it, so memory stays linear in the sequence length.
    int64_t attentionBlockBytes = int64_t(128) << 20;
    // scoreSpanBatch splits its sequences (sorted by length) into right-padded batches of
    // at most this many tokens (rows x padded length), so the KV cache stays bounded.
    int64_t batchTokens = 8192;
    // CPU only, process-wide (glibc): serve large blocks from the heap and keep freed memory
    // instead of mmap/munmap per tensor, so the per-chunk tensors (MLP, LM-head logits) are
    // not page-faulted in again on every use (a 2k bf16 prefill ran 1.6x slower without).
    // The KV cache and attention blocks live outside that heap either way.
    bool tuneAllocator = true;
    // Attention blocks without span statistics through LibTorch's fused
    // scaled_dot_product_attention (LibTorch >= 2 only; ignored with 1.13). Unset: on CUDA
    // and, by the benchmark in docs/engine.md, on the CPU. Set: forced (tests, benchmarks).
    std::optional<bool> fusedAttention;
};

// Raised from scoreSpan / scoreSpanBatch when the progress callback asks to stop.
struct EngineCancelled : ModelError {
    using ModelError::ModelError;
};

struct SpanRequest {
    int64_t spanFrom = 1;      // first scored position K (1 <= K <= n-1)
    bool allLogprobs = false;  // logprobs for positions 1..n-1 instead of K..n-1
    // Segment attention over keys segmentBegin..segmentEnd-1 (default 0..K-1) cut into
    // segments of segmentLen (0 = off); the last segment may be shorter.
    int64_t segmentLen = 0;
    int64_t segmentBegin = 0;
    int64_t segmentEnd = -1;  // -1: K
    bool tokenSegmentAttention = false;  // also [spanTokens x S], needs segmentLen > 0
    // Per-key attention (heads and layers averaged) of span queries, for the inspector:
    // absolute positions in K..n-1; or every span token when keyAttentionAll is set.
    std::vector<int64_t> keyAttentionFor;
    bool keyAttentionAll = false;
    // Prefix tile attention (LADM's CDS, docs/scorers.md): positions 0..n-1 cut into tiles of
    // tileLen that end at n (tile 0 is the shorter one when tileLen does not divide n). For
    // each tile in tileQueries, every token's attention restricted to the keys before its
    // tile (softmax renormalised per head over those keys), averaged over heads, summed over
    // the tile's tokens and over each key tile. Independent of spanFrom: query tiles may lie
    // anywhere, and only their rows leave the fused attention path.
    int64_t tileLen = 0;                // 0: off
    std::vector<int64_t> tileQueries;   // tile indices, strictly ascending
    // Called after each prefill chunk with (tokens done, total); return false to cancel.
    std::function<bool(int64_t, int64_t)> progress;
};

struct SpanResult {
    int64_t n = 0;                  // sequence length
    int64_t spanFrom = 0;           // K
    int64_t firstLogprobPos = 0;    // position of logprobs[0]: K, or 1 with allLogprobs
    std::vector<float> logprobs;    // logprobs[i] = log p(id_t | id_<t), t = firstLogprobPos + i

    int64_t numLayers = 0;
    int64_t segmentLen = 0;
    int64_t segmentBegin = 0;       // first key of segment 0
    int64_t numSegments = 0;        // S = ceil((segmentEnd - segmentBegin) / segmentLen)
    int64_t spanTokens = 0;         // n - K
    // [numLayers x S], row-major: mass of span queries on segment s, summed over the
    // segment's keys, averaged over heads and span queries.
    std::vector<float> segmentAttention;
    // [spanTokens x S], row-major: the same averaged over heads and layers, per span token.
    std::vector<float> tokenSegmentAttention;
    // [keyAttentionPositions.size() x n], row-major, heads and layers averaged; keys after
    // the query are 0.
    std::vector<int64_t> keyAttentionPositions;
    std::vector<float> keyAttention;
    // Prefix tile attention: tile k covers [tileOrigin + k * tileLen, + tileLen) clipped to
    // [0, n), tileOrigin in (-tileLen, 0]. [numLayers x tileQueries.size() x numTiles],
    // row-major; key tiles at or after the query tile are 0.
    int64_t tileLen = 0, tileOrigin = 0, numTiles = 0;
    std::vector<int64_t> tileQueries;
    std::vector<float> tileAttention;

    float segmentAt(int64_t layer, int64_t seg) const {
        return segmentAttention[size_t(layer * numSegments + seg)];
    }
    float tokenSegmentAt(int64_t spanToken, int64_t seg) const {
        return tokenSegmentAttention[size_t(spanToken * numSegments + seg)];
    }
    // Mean over response tokens of logprobs[K..n-1], whatever firstLogprobPos is.
    double meanSpanLogprob() const;
};

struct EngineInfo {
    std::string device;   // resolved, e.g. "cpu" or "cuda:0"
    std::string dtype;    // "float32", "bfloat16", "float16"
    int threads = 0;
    int64_t prefillChunk = 0;  // resolved
    std::string torchVersion;
    int64_t parameterCount = 0;
    bool fusedAttention = false;  // resolved: the SDPA path is taken where allowed
};

class Engine {
public:
    Engine(const ModelConfig& config, const WeightFn& weights, EngineOptions options = {});
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const ModelConfig& config() const;
    const EngineInfo& info() const;

    SpanResult scoreSpan(const std::vector<int64_t>& ids, const SpanRequest& request);
    // Shorthand: segment attention over 0..K-1 when wantSegmentAttention (segmentLen L),
    // token x segment attention alongside, per-key attention of span token `keyAttentionFor`
    // (absolute position; -1 none).
    SpanResult scoreSpan(const std::vector<int64_t>& ids, int64_t spanFrom, int64_t segmentLen,
                         bool wantSegmentAttention, int64_t keyAttentionFor = -1);
    // The KV cache and the attention scratch are kept between calls (sized by the longest
    // one so far); this frees them.
    void releaseCache();

    // log p(id_t | id_<t) for t = 1..n-1 (logprobs has n-1 entries).
    std::vector<float> logprobs(const std::vector<int64_t>& ids);

    // Many short sequences in one padded batch; logprobs only (positions spanFroms[i]..n_i-1,
    // or 1..n_i-1 when allLogprobs). Equal to scoreSpan per sequence within fp32 tolerance.
    std::vector<SpanResult> scoreSpanBatch(const std::vector<std::vector<int64_t>>& seqs,
                                           const std::vector<int64_t>& spanFroms,
                                           bool allLogprobs = false);

    struct Impl;

private:
    std::unique_ptr<Impl> d_;
};

// Device helpers, torch-free.
int physicalCoreCount();      // unique (physical id, core id) in /proc/cpuinfo; >= 1
bool cpuHasBf16();            // avx512_bf16 or amx_bf16 in /proc/cpuinfo flags
int cudaDeviceCount();        // 0 when this libtorch has no CUDA or no GPU is visible

}  // namespace gateau::model
