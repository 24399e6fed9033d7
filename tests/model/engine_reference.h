#pragma once
// Test support for test_engine: tiny random models and an independent float64 reference
// forward pass. Torch stays inside engine_reference.cpp so the QtTest TU never sees it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/model/engine.h"

namespace gateau::model::testref {

struct TinyModel {
    ModelConfig cfg;
    uint64_t seed = 1;
    bool zeroQueries = false;  // q_proj weight and bias 0: uniform causal attention
    // When set, the weights are read from this checkpoint folder (e.g. one make-tiny-model
    // wrote) instead of drawn from seed.
    std::string weightsFrom;
};

// hidden 32, 2 layers, 4 heads (2 KV heads), ffn 64, vocab 97, rope theta 10000, plus the
// family's own settings (Gemma: query_pre_attn_scalar, soft-capping, local RoPE; Phi-3:
// partial rotary) at values that matter at this size.
TinyModel tinyModel(Arch arch, uint64_t seed = 1);

std::unique_ptr<Engine> makeEngine(const TinyModel& m, EngineOptions opt = {});

// A WeightFn missing `name`, to check the error path.
std::unique_ptr<Engine> makeEngineWithout(const TinyModel& m, const std::string& name);

struct Reference {
    std::vector<double> logprobs;          // n-1 entries, t = 1..n-1
    std::vector<double> segmentAttention;  // [layers x S]
    std::vector<double> tokenSegments;     // [span x S], layer mean
    std::vector<double> keyAttention;      // [span x n], head and layer mean
    std::vector<double> probs;             // [layers x heads x n x n], every softmax row
    int64_t numSegments = 0;
};

// Full n x n attention in float64, own RoPE / RMSNorm / masks; ropeOverride replaces the
// config's scaling like EngineOptions::ropeOverride.
Reference referenceForward(const TinyModel& m, const std::vector<int64_t>& ids, int64_t spanFrom,
                           int64_t segmentLen, const RopeScaling* ropeOverride = nullptr,
                           int64_t segmentBegin = 0, int64_t segmentEnd = -1);

// Writes the model's weights and config as a Hugging Face checkpoint folder (config.json +
// model.safetensors), so the loader path can be checked against the same reference.
void writeCheckpoint(const TinyModel& m, const std::string& dir);

std::vector<int64_t> randomIds(int64_t n, int64_t vocab, uint64_t seed);

}  // namespace gateau::model::testref
