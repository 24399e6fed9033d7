#include "core/model/config_json.h"

#include "core/model/arch.h"

namespace gateau::model {

const char* archName(Arch a) { return archInfo(a).name; }

const char* archClassName(Arch a) { return archInfo(a).className; }

const char* ropeScalingTypeName(RopeScaling::Type t) {
    switch (t) {
        case RopeScaling::Type::None: return "none";
        case RopeScaling::Type::Linear: return "linear";
        case RopeScaling::Type::Dynamic: return "dynamic";
        case RopeScaling::Type::Llama3: return "llama3";
        case RopeScaling::Type::Yarn: return "yarn";
        case RopeScaling::Type::LongRope: return "longrope";
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
    if (rs.type == RopeScaling::Type::LongRope) {
        // Phi-3's form: the factor follows from the top-level original_max_position_embeddings.
        o = {{"rope_type", "longrope"}, {"short_factor", rs.shortFactor}, {"long_factor", rs.longFactor}};
        if (rs.attentionFactor) o["attention_factor"] = *rs.attentionFactor;
    }
    return o;
}

nlohmann::json toHfConfigJson(const ModelConfig& c) {
    using nlohmann::json;
    json j = {
        {"architectures", {archClassName(c.arch)}},
        // The flat form: a multimodal wrapper's model_type would ask for its text_config.
        {"model_type", c.modelType.empty() || !c.tensorPrefix.empty() ? archName(c.arch) : c.modelType},
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
    const ArchInfo& a = archInfo(c.arch);
    j["hidden_act"] = a.activationNames.front();
    if (a.activation != Activation::Silu) j["hidden_activation"] = a.activationNames.front();
    if (a.bias == BiasRule::FromAttentionBiasKey) j["attention_bias"] = c.attentionBias;
    if (c.arch == Arch::Llama) {
        j["mlp_bias"] = false;
        j["pretraining_tp"] = 1;
    }
    auto optional = [](const auto& v) { return v ? json(*v) : json(nullptr); };
    auto layerTypes = [&] {
        json t = json::array();
        for (bool sliding : c.layerSliding) t.push_back(sliding ? "sliding_attention" : "full_attention");
        return t;
    };
    switch (a.window) {
        case WindowRule::None: break;
        case WindowRule::AllLayers: j["sliding_window"] = optional(c.slidingWindow); break;
        case WindowRule::FromMaxWindowLayers:
            j["use_sliding_window"] = c.slidingWindow.has_value();
            j["sliding_window"] = optional(c.slidingWindow);
            j["max_window_layers"] = c.slidingWindow ? c.maxWindowLayers : c.numLayers;
            break;
        case WindowRule::Pattern:
            j["sliding_window"] = optional(c.slidingWindow);
            if (c.arch != Arch::Gemma2) j["sliding_window_pattern"] = c.slidingWindowPattern;
            break;
    }
    if (!c.layerSliding.empty()) j["layer_types"] = layerTypes();
    if (a.queryPreAttnScalar) j["query_pre_attn_scalar"] = optional(c.queryPreAttnScalar);
    if (a.softCapping) {
        j["attn_logit_softcapping"] = optional(c.attnLogitSoftcapping);
        j["final_logit_softcapping"] = optional(c.finalLogitSoftcapping);
    }
    if (a.localRope) j["rope_local_base_freq"] = optional(c.ropeLocalTheta);
    if (a.partialRotary) j["partial_rotary_factor"] = c.partialRotaryFactor;
    if (c.ropeScaling.type == RopeScaling::Type::LongRope)
        j["original_max_position_embeddings"] = c.ropeScaling.originalMaxPositionEmbeddings;
    return j;
}

}  // namespace gateau::model
