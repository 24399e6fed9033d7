#pragma once
// A Llama-family model whose weights are float32 leaf tensors that autograd trains: the
// trainer's own forward pass, written with plain differentiable ops and independent of the
// engine's (core/model/engine_forward.cpp), so that each checks the other. Includes torch.
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "core/model/config.h"

namespace gateau::train {

class TrainableLlama {
public:
    // Reads every tensor the config needs from a checkpoint folder (any float dtype) into
    // float32; `config` may differ from the folder's in rope_theta and max positions only.
    static TrainableLlama load(const std::string& dir, const model::ModelConfig& config);

    const model::ModelConfig& config() const { return config_; }
    // (HF name, tensor) in the order expectedTensors lists them; tensors require grad.
    const std::vector<std::pair<std::string, at::Tensor>>& parameters() const { return params_; }
    int64_t parameterCount() const;

    // ids [B, T] (int64) -> logits [B, T, vocab] in float32. `compute`: kFloat or
    // kBFloat16 (matmul inputs only; norms, softmax and the residual stay float32).
    at::Tensor logits(const at::Tensor& ids, at::ScalarType compute) const;
    // log p(id_t | id_<t), t = 1..n-1, of one sequence, in float32 without autograd.
    std::vector<float> logprobs(const std::vector<int64_t>& ids) const;
    // Next-token cross-entropy of tokens [B, T] per target: [B, T-1], entry t-1 for token t.
    at::Tensor tokenLosses(const at::Tensor& tokens, at::ScalarType compute) const;

    // model.safetensors (float32, HF names) into `path`, written to path + ".tmp" and renamed.
    void saveWeights(const std::string& path) const;

private:
    TrainableLlama(model::ModelConfig config, std::vector<std::pair<std::string, at::Tensor>> params);
    const at::Tensor& weight(const std::string& name) const;

    model::ModelConfig config_;
    std::vector<std::pair<std::string, at::Tensor>> params_;
};

}  // namespace gateau::train
