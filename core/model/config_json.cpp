#include "core/model/config_json.h"

namespace gateau::model {

const char* archName(Arch a) {
    switch (a) {
        case Arch::Llama: return "llama";
        case Arch::Mistral: return "mistral";
        case Arch::Qwen2: return "qwen2";
    }
    return "?";
}

const char* archClassName(Arch a) {
    switch (a) {
        case Arch::Llama: return "LlamaForCausalLM";
        case Arch::Mistral: return "MistralForCausalLM";
        case Arch::Qwen2: return "Qwen2ForCausalLM";
    }
    return "?";
}

const char* ropeScalingTypeName(RopeScaling::Type t) {
    switch (t) {
        case RopeScaling::Type::None: return "none";
        case RopeScaling::Type::Linear: return "linear";
        case RopeScaling::Type::Dynamic: return "dynamic";
        case RopeScaling::Type::Llama3: return "llama3";
        case RopeScaling::Type::Yarn: return "yarn";
    }
    return "?";
}

static nlohmann::json ropeScalingJson(const RopeScaling& rs) {
    using nlohmann::json;
    if (rs.type == RopeScaling::Type::None) return nullptr;
    json o = {{"rope_type", ropeScalingTypeName(rs.type)}, {"factor", rs.factor}};
    if (rs.type == RopeScaling::Type::Llama3) {
        o["low_freq_factor"] = rs.lowFreqFactor;
        o["high_freq_factor"] = rs.highFreqFactor;
        o["original_max_position_embeddings"] = rs.originalMaxPositionEmbeddings;
    }
    if (rs.type == RopeScaling::Type::Yarn) {
        o["beta_fast"] = rs.betaFast;
        o["beta_slow"] = rs.betaSlow;
        if (rs.originalMaxPositionEmbeddings > 0)
            o["original_max_position_embeddings"] = rs.originalMaxPositionEmbeddings;
        if (rs.mscale) o["mscale"] = *rs.mscale;
        if (rs.mscaleAllDim) o["mscale_all_dim"] = *rs.mscaleAllDim;
        if (rs.attentionFactor) o["attention_factor"] = *rs.attentionFactor;
    }
    return o;
}

nlohmann::json toHfConfigJson(const ModelConfig& c) {
    using nlohmann::json;
    json j = {
        {"architectures", {archClassName(c.arch)}},
        {"model_type", c.modelType.empty() ? archName(c.arch) : c.modelType},
        {"attention_dropout", 0.0},
        {"hidden_act", "silu"},
        {"hidden_size", c.hiddenSize},
        {"initializer_range", 0.02},
        {"intermediate_size", c.intermediateSize},
        {"max_position_embeddings", c.maxPositionEmbeddings},
        {"num_attention_heads", c.numHeads},
        {"num_hidden_layers", c.numLayers},
        {"num_key_value_heads", c.numKvHeads},
        {"head_dim", c.headDim},
        {"rms_norm_eps", c.rmsNormEps},
        {"rope_theta", c.ropeTheta},
        {"rope_scaling", ropeScalingJson(c.ropeScaling)},
        {"tie_word_embeddings", c.tieWordEmbeddings},
        {"torch_dtype", c.torchDtype.empty() ? "float32" : c.torchDtype},
        {"use_cache", true},
        {"vocab_size", c.vocabSize},
        {"transformers_version", "4.46.0"},
    };
    j["bos_token_id"] = c.bosTokenId ? json(*c.bosTokenId) : json(nullptr);
    j["eos_token_id"] = c.eosTokenId ? json(*c.eosTokenId) : json(nullptr);
    switch (c.arch) {
        case Arch::Llama:
            j["attention_bias"] = c.attentionBias;
            j["mlp_bias"] = false;
            j["pretraining_tp"] = 1;
            break;
        case Arch::Mistral:
            j["sliding_window"] = c.slidingWindow ? json(*c.slidingWindow) : json(nullptr);
            break;
        case Arch::Qwen2:
            j["use_sliding_window"] = c.slidingWindow.has_value();
            j["sliding_window"] = c.slidingWindow ? json(*c.slidingWindow) : json(nullptr);
            j["max_window_layers"] = c.slidingWindow ? c.maxWindowLayers : c.numLayers;
            break;
    }
    return j;
}

}  // namespace gateau::model
