// The rows of the architecture table. Sources: Hugging Face transformers' configuration_*.py
// (defaults) and modeling_*.py (ops) of each family.
#include "core/model/arch.h"

#include <cmath>

namespace gateau::model {

namespace {

using R = TensorRole;

// The layout Llama introduced and most families keep.
std::vector<TensorNameRow> llamaTensors() {
    return {
        {R::TokenEmbedding, "model.embed_tokens.weight"},
        {R::OutputNorm, "model.norm.weight"},
        {R::Output, "lm_head.weight"},
        {R::AttnNorm, "model.layers.{L}.input_layernorm.weight"},
        {R::AttnQ, "model.layers.{L}.self_attn.q_proj.weight"},
        {R::AttnK, "model.layers.{L}.self_attn.k_proj.weight"},
        {R::AttnV, "model.layers.{L}.self_attn.v_proj.weight"},
        {R::AttnOut, "model.layers.{L}.self_attn.o_proj.weight"},
        {R::AttnQBias, "model.layers.{L}.self_attn.q_proj.bias"},
        {R::AttnKBias, "model.layers.{L}.self_attn.k_proj.bias"},
        {R::AttnVBias, "model.layers.{L}.self_attn.v_proj.bias"},
        {R::AttnOutBias, "model.layers.{L}.self_attn.o_proj.bias"},
        {R::FfnNorm, "model.layers.{L}.post_attention_layernorm.weight"},
        {R::FfnGate, "model.layers.{L}.mlp.gate_proj.weight"},
        {R::FfnUp, "model.layers.{L}.mlp.up_proj.weight"},
        {R::FfnDown, "model.layers.{L}.mlp.down_proj.weight"},
    };
}

std::vector<TensorNameRow> withQkNorm(std::vector<TensorNameRow> t) {
    t.push_back({R::AttnQNorm, "model.layers.{L}.self_attn.q_norm.weight"});
    t.push_back({R::AttnKNorm, "model.layers.{L}.self_attn.k_norm.weight"});
    return t;
}

// Gemma 2/3: post_attention_layernorm is the norm after attention, and the MLP has its own
// pre- and post-norms.
std::vector<TensorNameRow> gemmaTensors() {
    std::vector<TensorNameRow> t;
    for (const auto& row : llamaTensors())
        if (row.role != R::FfnNorm) t.push_back(row);
    t.push_back({R::AttnPostNorm, "model.layers.{L}.post_attention_layernorm.weight"});
    t.push_back({R::FfnNorm, "model.layers.{L}.pre_feedforward_layernorm.weight"});
    t.push_back({R::FfnPostNorm, "model.layers.{L}.post_feedforward_layernorm.weight"});
    return t;
}

std::vector<TensorNameRow> phi3Tensors() {
    std::vector<TensorNameRow> t;
    for (const auto& row : llamaTensors())
        if (row.role != R::AttnQ && row.role != R::AttnK && row.role != R::AttnV &&
            row.role != R::FfnGate && row.role != R::FfnUp)
            t.push_back(row);
    t.push_back({R::AttnQkv, "model.layers.{L}.self_attn.qkv_proj.weight"});
    t.push_back({R::FfnGateUp, "model.layers.{L}.mlp.gate_up_proj.weight"});
    return t;
}

std::vector<ArchInfo> makeTable() {
    std::vector<ArchInfo> rows;
    {
        ArchInfo a{Arch::Llama, "llama", "LlamaForCausalLM", {"llama"}, {"LlamaForCausalLM"}, llamaTensors()};
        a.bias = BiasRule::FromAttentionBiasKey;
        a.defaultMaxPositions = 2048;
        rows.push_back(a);
    }
    {
        ArchInfo a{Arch::Mistral, "mistral", "MistralForCausalLM", {"mistral"}, {"MistralForCausalLM"}, llamaTensors()};
        a.window = WindowRule::AllLayers;
        a.defaultMaxPositions = 4096 * 32;
        rows.push_back(a);
    }
    {
        ArchInfo a{Arch::Qwen2, "qwen2", "Qwen2ForCausalLM", {"qwen2"}, {"Qwen2ForCausalLM"}, llamaTensors()};
        a.bias = BiasRule::QkvAlways;
        a.window = WindowRule::FromMaxWindowLayers;
        a.windowSwitch = "use_sliding_window";
        a.defaults = R"({"sliding_window": 4096, "max_window_layers": 28})";
        a.defaultMaxPositions = 32768;
        rows.push_back(a);
    }
    {
        ArchInfo a{Arch::Qwen3, "qwen3", "Qwen3ForCausalLM", {"qwen3"}, {"Qwen3ForCausalLM"},
                   withQkNorm(llamaTensors())};
        a.bias = BiasRule::FromAttentionBiasKey;
        a.qkNorm = true;
        a.window = WindowRule::FromMaxWindowLayers;
        a.windowSwitch = "use_sliding_window";
        a.defaults = R"({"head_dim": 128, "sliding_window": 4096, "max_window_layers": 28})";
        a.defaultMaxPositions = 32768;
        rows.push_back(a);
    }
    {
        ArchInfo a{Arch::Gemma2, "gemma2", "Gemma2ForCausalLM", {"gemma2"}, {"Gemma2ForCausalLM"}, gemmaTensors()};
        a.norm = NormKind::RmsOnePlus;
        a.activation = Activation::GeluTanh;
        a.activationNames = {"gelu_pytorch_tanh", "gelu_tanh"};
        a.bias = BiasRule::FromAttentionBiasKey;
        a.sandwichNorms = true;
        a.embedScale = true;
        a.window = WindowRule::Pattern;
        a.softCapping = true;
        a.queryPreAttnScalar = true;
        a.defaults = R"({"head_dim": 256, "query_pre_attn_scalar": 256, "sliding_window": 4096,
                         "sliding_window_pattern": 2, "attn_logit_softcapping": 50.0,
                         "final_logit_softcapping": 30.0, "tie_word_embeddings": true,
                         "hidden_activation": "gelu_pytorch_tanh"})";
        a.defaultMaxPositions = 8192;
        rows.push_back(a);
    }
    {
        ArchInfo a{Arch::Gemma3, "gemma3_text", "Gemma3ForCausalLM", {"gemma3_text", "gemma3"},
                   {"Gemma3ForCausalLM", "Gemma3ForConditionalGeneration"}, withQkNorm(gemmaTensors())};
        a.norm = NormKind::RmsOnePlus;
        a.activation = Activation::GeluTanh;
        a.activationNames = {"gelu_pytorch_tanh", "gelu_tanh"};
        a.bias = BiasRule::FromAttentionBiasKey;
        a.qkNorm = true;
        a.sandwichNorms = true;
        a.embedScale = true;
        a.window = WindowRule::Pattern;
        a.softCapping = true;
        a.queryPreAttnScalar = true;
        a.localRope = true;
        a.textConfigKey = "text_config";
        a.textTensorPrefix = "language_model.";
        a.defaults = R"({"vocab_size": 262208, "hidden_size": 2304, "intermediate_size": 9216,
                         "num_hidden_layers": 26, "num_attention_heads": 8, "num_key_value_heads": 4,
                         "head_dim": 256, "rope_theta": 1000000.0, "query_pre_attn_scalar": 256,
                         "sliding_window": 4096, "rope_local_base_freq": 10000.0,
                         "sliding_window_pattern": 6, "tie_word_embeddings": true,
                         "hidden_activation": "gelu_pytorch_tanh"})";
        a.defaultMaxPositions = 131072;
        rows.push_back(a);
    }
    {
        ArchInfo a{Arch::Phi3, "phi3", "Phi3ForCausalLM", {"phi3"}, {"Phi3ForCausalLM"}, phi3Tensors()};
        a.fusedQkv = true;
        a.fusedGateUp = true;
        a.window = WindowRule::AllLayers;
        a.partialRotary = true;
        a.defaults = R"({"original_max_position_embeddings": 4096, "rms_norm_eps": 1e-5})";
        a.defaultMaxPositions = 4096;
        rows.push_back(a);
    }
    return rows;
}

}  // namespace

const std::vector<ArchInfo>& architectures() {
    static const std::vector<ArchInfo> table = makeTable();
    return table;
}

const ArchInfo& archInfo(Arch arch) {
    for (const auto& a : architectures())
        if (a.arch == arch) return a;
    throw ModelError("architecture table has no row for this family");
}

const ArchInfo* findArchByModelType(const std::string& modelType) {
    for (const auto& a : architectures())
        for (const auto& t : a.modelTypes)
            if (t == modelType) return &a;
    return nullptr;
}

const ArchInfo* findArchByClassName(const std::string& className) {
    for (const auto& a : architectures())
        for (const auto& t : a.classNames)
            if (t == className) return &a;
    return nullptr;
}

const ArchInfo* findArchByName(const std::string& name) {
    for (const auto& a : architectures())
        if (name == a.name) return &a;
    // Short spellings for the command line.
    if (name == "gemma3") return &archInfo(Arch::Gemma3);
    return nullptr;
}

std::string supportedArchNames() {
    std::string s;
    for (const auto& a : architectures()) s += (s.empty() ? "" : ", ") + std::string(a.name);
    return s;
}

bool hasQkvBias(const ModelConfig& c) {
    switch (archInfo(c.arch).bias) {
        case BiasRule::None: return false;
        case BiasRule::QkvAlways: return true;
        case BiasRule::FromAttentionBiasKey: return c.attentionBias;
    }
    return false;
}

bool hasOutBias(const ModelConfig& c) {
    return archInfo(c.arch).bias == BiasRule::FromAttentionBiasKey && c.attentionBias;
}

int64_t layerWindow(const ModelConfig& c, int64_t layer) {
    if (!c.slidingWindow || *c.slidingWindow <= 0) return 0;
    const int64_t w = *c.slidingWindow;
    if (!c.layerSliding.empty())
        return layer < int64_t(c.layerSliding.size()) && c.layerSliding[size_t(layer)] ? w : 0;
    switch (archInfo(c.arch).window) {
        case WindowRule::None: return 0;
        case WindowRule::AllLayers: return w;
        case WindowRule::FromMaxWindowLayers: return layer >= c.maxWindowLayers ? w : 0;
        case WindowRule::Pattern:
            return c.slidingWindowPattern > 0 && (layer + 1) % c.slidingWindowPattern == 0 ? 0 : w;
    }
    return 0;
}

bool layerUsesLocalRope(const ModelConfig& c, int64_t layer) {
    return c.ropeLocalTheta.has_value() && layerWindow(c, layer) > 0;
}

double attentionScale(const ModelConfig& c) {
    return 1.0 / std::sqrt(c.queryPreAttnScalar ? *c.queryPreAttnScalar : double(c.headDim));
}

}  // namespace gateau::model
