#pragma once
// Rotary position embedding parameters exactly as Hugging Face computes them
// (transformers' modeling_rope_utils): inv_freq in fp32 through the same tensor ops, so
// rounding matches, plus the attention scaling that YaRN multiplies into cos and sin.
// Engine-internal: includes torch.
#include <ATen/ATen.h>

#include <utility>

#include "core/model/config.h"

namespace gateau::model {

struct Rope {
    at::Tensor invFreq;           // [headDim / 2], float32, CPU
    double attentionScaling = 1.0;
};

// `seqLen` is the full sequence length; only Dynamic depends on it (HF recomputes inv_freq
// when the sequence exceeds max_position_embeddings, from max(position_ids) + 1).
Rope computeRope(const ModelConfig& cfg, const RopeScaling& scaling, int64_t headDim,
                 int64_t seqLen);

// cos and sin, [count, headDim] float32 on `device`, for positions from..from+count-1,
// halves duplicated (HF's cat(freqs, freqs)) and scaled by attentionScaling.
std::pair<at::Tensor, at::Tensor> ropeCosSin(const Rope& rope, int64_t from, int64_t count,
                                             const at::Device& device);

// HF's apply_rotary_pos_emb with rotate_half: x * cos + rotate_half(x) * sin.
// x [..., T, headDim]; cos/sin broadcastable to it, already in x's dtype.
at::Tensor applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace gateau::model
