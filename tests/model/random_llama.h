#pragma once
// A random Llama-shaped model for the engine's benchmark and GPU check: its config, and
// weights in Hugging Face names and shapes, each seeded by its name so that every engine
// built from the same config in one process gets the same weights; random token ids.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/model/engine_weights.h"

namespace gateau::model::testing {

inline ModelConfig randomLlamaConfig(int64_t hidden, int64_t layers, int64_t heads, int64_t kvHeads,
                                     int64_t ffn, int64_t vocab) {
    ModelConfig c;
    c.arch = Arch::Llama;
    c.modelType = "llama";
    c.vocabSize = vocab;
    c.hiddenSize = hidden;
    c.intermediateSize = ffn;
    c.numLayers = layers;
    c.numHeads = heads;
    c.numKvHeads = kvHeads;
    c.headDim = hidden / heads;
    c.maxPositionEmbeddings = 131072;
    return c;
}

// Norms near 1, matrices with variance 1/4 of 1/fan-in (attention neither uniform nor
// one-hot).
inline WeightFn randomLlamaWeights(const ModelConfig& c) {
    return [c](const std::string& name) -> at::Tensor {
        const int64_t h = c.hiddenSize, dh = c.headDim, f = c.intermediateSize;
        auto has = [&](const char* part) { return name.find(part) != std::string::npos; };
        std::vector<int64_t> shape{h, h};
        if (has("norm")) shape = {h};
        else if (has("embed_tokens") || name == "lm_head.weight") shape = {c.vocabSize, h};
        else if (has("q_proj")) shape = {c.numHeads * dh, h};
        else if (has("k_proj") || has("v_proj")) shape = {c.numKvHeads * dh, h};
        else if (has("o_proj")) shape = {h, c.numHeads * dh};
        else if (has("gate_proj") || has("up_proj")) shape = {f, h};
        else if (has("down_proj")) shape = {h, f};
        auto gen = at::detail::createCPUGenerator(std::hash<std::string>{}(name) % 100003);
        if (shape.size() == 1) return 1.0 + 0.1 * at::randn(shape, gen, at::kFloat);
        return at::randn(shape, gen, at::kFloat) * (0.5 / std::sqrt(double(shape[1])));
    };
}

inline std::vector<int64_t> randomTokenIds(int64_t n, int64_t vocab, uint64_t seed) {
    auto gen = at::detail::createCPUGenerator(seed);
    auto t = at::randint(vocab, {n}, gen, at::TensorOptions(at::kLong));
    return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + n);
}

}  // namespace gateau::model::testing
