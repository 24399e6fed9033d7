#include "core/model/tensor_names.h"

namespace gateau::model {

namespace {

struct NameRow {
    TensorRole role;
    const char* name;
};

// Llama, Mistral and Qwen2 share one layout; Qwen2 merely always has the q/k/v biases,
// and Llama has them when attention_bias is set.
constexpr NameRow kLlamaFamily[] = {
    {TensorRole::TokenEmbedding, "model.embed_tokens.weight"},
    {TensorRole::OutputNorm, "model.norm.weight"},
    {TensorRole::Output, "lm_head.weight"},
    {TensorRole::AttnNorm, "model.layers.{L}.input_layernorm.weight"},
    {TensorRole::AttnQ, "model.layers.{L}.self_attn.q_proj.weight"},
    {TensorRole::AttnK, "model.layers.{L}.self_attn.k_proj.weight"},
    {TensorRole::AttnV, "model.layers.{L}.self_attn.v_proj.weight"},
    {TensorRole::AttnOut, "model.layers.{L}.self_attn.o_proj.weight"},
    {TensorRole::AttnQBias, "model.layers.{L}.self_attn.q_proj.bias"},
    {TensorRole::AttnKBias, "model.layers.{L}.self_attn.k_proj.bias"},
    {TensorRole::AttnVBias, "model.layers.{L}.self_attn.v_proj.bias"},
    {TensorRole::FfnNorm, "model.layers.{L}.post_attention_layernorm.weight"},
    {TensorRole::FfnGate, "model.layers.{L}.mlp.gate_proj.weight"},
    {TensorRole::FfnUp, "model.layers.{L}.mlp.up_proj.weight"},
    {TensorRole::FfnDown, "model.layers.{L}.mlp.down_proj.weight"},
};

const NameRow* tableFor(Arch arch, size_t& n) {
    switch (arch) {
        case Arch::Llama:
        case Arch::Mistral:
        case Arch::Qwen2: n = sizeof(kLlamaFamily) / sizeof(kLlamaFamily[0]); return kLlamaFamily;
    }
    n = 0;
    return nullptr;
}

}  // namespace

bool isPerLayer(TensorRole role) {
    return role != TensorRole::TokenEmbedding && role != TensorRole::OutputNorm && role != TensorRole::Output;
}

bool isNormWeight(TensorRole role) {
    return role == TensorRole::OutputNorm || role == TensorRole::AttnNorm || role == TensorRole::FfnNorm;
}

const char* hfTensorNameTemplate(Arch arch, TensorRole role) {
    size_t n = 0;
    const NameRow* rows = tableFor(arch, n);
    for (size_t i = 0; i < n; ++i)
        if (rows[i].role == role) return rows[i].name;
    return "";
}

std::string hfTensorName(Arch arch, TensorRole role, int64_t layer) {
    std::string name = hfTensorNameTemplate(arch, role);
    auto pos = name.find("{L}");
    if (pos != std::string::npos) name.replace(pos, 3, std::to_string(layer));
    return name;
}

std::vector<TensorSpec> expectedTensors(const ModelConfig& c) {
    const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
    const int64_t inter = c.intermediateSize, vocab = c.vocabSize;
    std::vector<TensorSpec> out;
    auto add = [&](TensorRole role, int64_t layer, std::vector<int64_t> shape) {
        out.push_back({hfTensorName(c.arch, role, layer), role, layer, std::move(shape)});
    };
    add(TensorRole::TokenEmbedding, -1, {vocab, h});
    for (int64_t l = 0; l < c.numLayers; ++l) {
        add(TensorRole::AttnNorm, l, {h});
        add(TensorRole::AttnQ, l, {q, h});
        add(TensorRole::AttnK, l, {kv, h});
        add(TensorRole::AttnV, l, {kv, h});
        if (c.attentionBias) {
            add(TensorRole::AttnQBias, l, {q});
            add(TensorRole::AttnKBias, l, {kv});
            add(TensorRole::AttnVBias, l, {kv});
        }
        add(TensorRole::AttnOut, l, {h, q});
        add(TensorRole::FfnNorm, l, {h});
        add(TensorRole::FfnGate, l, {inter, h});
        add(TensorRole::FfnUp, l, {inter, h});
        add(TensorRole::FfnDown, l, {h, inter});
    }
    add(TensorRole::OutputNorm, -1, {h});
    if (!c.tieWordEmbeddings) add(TensorRole::Output, -1, {vocab, h});
    return out;
}

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace gateau::model
