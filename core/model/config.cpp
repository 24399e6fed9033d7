#include "core/model/config.h"

#include <cmath>
#include "core/model/arch.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gateau::model {

namespace {

using nlohmann::json;

// Far above any real model, and small enough that products of two sizes cannot overflow.
constexpr int64_t kMaxDimension = int64_t(1) << 24;

struct Reader {
    const json& j;
    const std::string& source;

    [[noreturn]] void fail(const std::string& what) const { throw ModelError(source + ": " + what); }

    bool present(const char* key) const { return j.contains(key) && !j.at(key).is_null(); }

    int64_t integer(const char* key) const {
        const json& v = j.at(key);
        if (v.is_number_integer()) return v.get<int64_t>();
        // Some exporters write whole numbers as floats ("hidden_size": 4096.0).
        if (v.is_number_float()) {
            const double d = v.get<double>();
            if (d > -9.0e18 && d < 9.0e18 && d == static_cast<double>(static_cast<int64_t>(d)))
                return static_cast<int64_t>(d);
        }
        fail(std::string("'") + key + "' must be an integer, got " + v.dump());
    }
    int64_t requiredInt(const char* key) const {
        if (!present(key)) fail(std::string("missing required field '") + key + "'");
        return integer(key);
    }
    int64_t optInt(const char* key, int64_t fallback) const { return present(key) ? integer(key) : fallback; }
    double number(const char* key, double fallback) const {
        if (!present(key)) return fallback;
        const json& v = j.at(key);
        if (!v.is_number()) fail(std::string("'") + key + "' must be a number, got " + v.dump());
        return v.get<double>();
    }
    std::optional<double> optNumber(const char* key) const {
        if (!present(key)) return std::nullopt;
        return number(key, 0.0);
    }
    bool boolean(const char* key, bool fallback) const {
        if (!present(key)) return fallback;
        const json& v = j.at(key);
        if (!v.is_boolean()) fail(std::string("'") + key + "' must be true or false, got " + v.dump());
        return v.get<bool>();
    }
    std::string string(const char* key) const {
        if (!present(key)) return {};
        const json& v = j.at(key);
        if (!v.is_string()) fail(std::string("'") + key + "' must be a string, got " + v.dump());
        return v.get<std::string>();
    }
    // bos/eos ids may be a single id or a list (Llama 3.1 lists several eos ids).
    std::optional<int64_t> tokenId(const char* key) const {
        if (!present(key)) return std::nullopt;
        const json& v = j.at(key);
        if (v.is_array()) {
            if (v.empty()) return std::nullopt;
            if (!v[0].is_number_integer()) fail(std::string("'") + key + "' must hold integer ids");
            return v[0].get<int64_t>();
        }
        return integer(key);
    }
};

// The family's row, from model_type, else architectures[0].
const ArchInfo& detectArch(const json& j, const std::string& source) {
    std::string type;
    if (j.contains("model_type") && j["model_type"].is_string()) type = j["model_type"].get<std::string>();
    if (!type.empty()) {
        if (const ArchInfo* a = findArchByModelType(type)) return *a;
        throw ModelError(source + ": unsupported architecture '" + type + "' (key 'model_type'; supported: " +
                         supportedArchNames() + ")");
    }
    if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty() &&
        j["architectures"][0].is_string()) {
        const std::string cls = j["architectures"][0].get<std::string>();
        if (const ArchInfo* a = findArchByClassName(cls)) return *a;
        throw ModelError(source + ": unsupported architecture '" + cls + "' (key 'architectures'; supported: " +
                         supportedArchNames() + ")");
    }
    throw ModelError(source + ": no 'model_type' or 'architectures' to tell the architecture");
}

// Keys that mean a mixture of experts; the engine runs dense MLPs only.
constexpr const char* kExpertKeys[] = {"num_experts", "num_local_experts", "n_routed_experts",
                                       "moe_intermediate_size", "num_experts_per_tok"};

RopeScaling parseRopeScaling(const json& j, const std::string& source) {
    RopeScaling rs;
    if (!j.contains("rope_scaling") || j["rope_scaling"].is_null()) return rs;
    const json& o = j["rope_scaling"];
    const std::string src = source + ": rope_scaling";
    if (!o.is_object()) throw ModelError(src + " must be an object or null");
    Reader r{o, src};
    std::string type = r.string("rope_type");
    if (type.empty()) type = r.string("type");
    if (type.empty() || type == "default") return rs;
    if (type == "linear") rs.type = RopeScaling::Type::Linear;
    else if (type == "dynamic") rs.type = RopeScaling::Type::Dynamic;
    else if (type == "llama3") rs.type = RopeScaling::Type::Llama3;
    else if (type == "yarn") rs.type = RopeScaling::Type::Yarn;
    else if (type == "longrope" || type == "su") rs.type = RopeScaling::Type::LongRope;
    else
        throw ModelError(src + ": unsupported type '" + type +
                         "' (key 'rope_type'; supported: linear, dynamic, llama3, yarn, longrope)");

    if (rs.type == RopeScaling::Type::LongRope) {
        // Resolved against the top-level keys in fromJson (factor, attention factor).
        auto factors = [&](const char* key) {
            if (!r.present(key) || !o.at(key).is_array()) r.fail("longrope needs '" + std::string(key) + "' (a list)");
            std::vector<double> v;
            for (const auto& x : o.at(key)) {
                if (!x.is_number() || !(x.get<double>() > 0)) r.fail("'" + std::string(key) + "' must hold positive numbers");
                v.push_back(x.get<double>());
            }
            return v;
        };
        rs.shortFactor = factors("short_factor");
        rs.longFactor = factors("long_factor");
        rs.factor = r.number("factor", 1.0);
        rs.attentionFactor = r.optNumber("attention_factor");
        rs.originalMaxPositionEmbeddings = r.optInt("original_max_position_embeddings", 0);
        return rs;
    }
    if (!r.present("factor")) r.fail("'" + type + "' needs 'factor'");
    rs.factor = r.number("factor", 1.0);
    if (!(rs.factor > 0.0)) r.fail("'factor' must be positive");
    if (rs.type == RopeScaling::Type::Llama3) {
        rs.lowFreqFactor = r.number("low_freq_factor", rs.lowFreqFactor);
        rs.highFreqFactor = r.number("high_freq_factor", rs.highFreqFactor);
        rs.originalMaxPositionEmbeddings = r.requiredInt("original_max_position_embeddings");
        if (!(rs.highFreqFactor > rs.lowFreqFactor) || !(rs.lowFreqFactor > 0))
            r.fail("llama3 needs 0 < low_freq_factor < high_freq_factor");
    }
    if (rs.type == RopeScaling::Type::Yarn) {
        rs.betaFast = r.number("beta_fast", rs.betaFast);
        rs.betaSlow = r.number("beta_slow", rs.betaSlow);
        rs.mscale = r.optNumber("mscale");
        rs.mscaleAllDim = r.optNumber("mscale_all_dim");
        rs.attentionFactor = r.optNumber("attention_factor");
        rs.originalMaxPositionEmbeddings = r.optInt("original_max_position_embeddings", 0);
    }
    if (rs.originalMaxPositionEmbeddings < 0) r.fail("'original_max_position_embeddings' must be positive");
    return rs;
}

}  // namespace

ModelConfig ModelConfig::fromJson(const std::string& jsonText, const std::string& source) {
    json top = json::parse(jsonText, nullptr, /*allow_exceptions=*/false);
    if (top.is_discarded()) throw ModelError(source + ": not valid JSON");
    if (!top.is_object()) throw ModelError(source + ": top level is not a JSON object");

    const ArchInfo& arch = detectArch(top, source);
    ModelConfig c;
    c.arch = arch.arch;
    c.modelType = Reader{top, source}.string("model_type");
    if (c.modelType.empty()) c.modelType = arch.name;

    // A multimodal checkpoint: the language model's config sits under text_config and its
    // tensors under a prefix; the vision tower is not ours to run.
    json j = top;
    std::string src = source;
    if (arch.textConfigKey && top.contains(arch.textConfigKey)) {
        if (!top[arch.textConfigKey].is_object())
            throw ModelError(source + ": '" + arch.textConfigKey + "' must be an object");
        j = top[arch.textConfigKey];
        src = source + ": " + arch.textConfigKey;
        c.tensorPrefix = arch.textTensorPrefix;
        for (const char* key : {"torch_dtype", "dtype", "bos_token_id", "eos_token_id", "tie_word_embeddings"})
            if (!j.contains(key) && top.contains(key)) j[key] = top[key];
    } else if (top.contains("vision_config")) {
        throw ModelError(source + ": has 'vision_config' but no '" +
                         std::string(arch.textConfigKey ? arch.textConfigKey : "text_config") +
                         "': a vision model without a language model is not supported");
    } else if (arch.textConfigKey && c.modelType != arch.name) {
        // "gemma3" names the multimodal wrapper: its language model must be there.
        throw ModelError(source + ": 'model_type' '" + c.modelType + "' without '" + arch.textConfigKey +
                         "': no language model to run");
    }
    // transformers 5 writes RoPE as "rope_parameters": {rope_theta, rope_type, ...}, or one
    // such object per layer type (Gemma 3: full_attention, sliding_attention). Read into
    // the older keys, which the rest of the parser knows; keys given explicitly win.
    if (j.contains("rope_parameters") && !j["rope_parameters"].is_null()) {
        const json rp = j["rope_parameters"];
        if (!rp.is_object()) throw ModelError(src + ": 'rope_parameters' must be an object");
        auto adopt = [&](const json& o, const char* thetaKey, bool scaling) {
            if (!o.is_object()) throw ModelError(src + ": 'rope_parameters' entries must be objects");
            if (o.contains("rope_theta") && !j.contains(thetaKey)) j[thetaKey] = o["rope_theta"];
            if (o.contains("partial_rotary_factor") && !j.contains("partial_rotary_factor"))
                j["partial_rotary_factor"] = o["partial_rotary_factor"];
            if (scaling && !j.contains("rope_scaling")) j["rope_scaling"] = o;
        };
        if (rp.contains("full_attention") || rp.contains("sliding_attention")) {
            if (rp.contains("full_attention")) adopt(rp["full_attention"], "rope_theta", true);
            if (rp.contains("sliding_attention")) {
                const json& local = rp["sliding_attention"];
                const std::string type = local.is_object() && local.contains("rope_type") && local["rope_type"].is_string()
                                             ? local["rope_type"].get<std::string>()
                                             : "default";
                if (type != "default")
                    throw ModelError(src + ": rope_parameters.sliding_attention: unsupported type '" + type +
                                     "' (key 'rope_type'; local layers take plain RoPE)");
                adopt(local, "rope_local_base_freq", false);
            }
        } else {
            adopt(rp, "rope_theta", true);
        }
    }
    // Hugging Face's defaults for keys published configs omit (explicit nulls stay null).
    const json defaults = json::parse(arch.defaults);
    for (auto it = defaults.begin(); it != defaults.end(); ++it)
        if (!j.contains(it.key())) j[it.key()] = it.value();
    Reader r{j, src};

    for (const char* key : kExpertKeys)
        if (r.present(key) && !(j.at(key).is_number() && j.at(key).get<double>() == 0))
            r.fail("'" + std::string(key) + "' is set: mixture-of-experts models are not supported");

    // Gemma reads hidden_activation; the others hidden_act.
    const char* actKey = r.present("hidden_activation") ? "hidden_activation" : "hidden_act";
    const std::string act = r.string(actKey);
    if (!act.empty() && std::find(arch.activationNames.begin(), arch.activationNames.end(), act) ==
                            arch.activationNames.end())
        r.fail(std::string(actKey) + " '" + act + "' is not supported for " + arch.name + " (expected '" +
               arch.activationNames.front() + "')");
    if (r.boolean("mlp_bias", false)) r.fail("mlp_bias=true is not supported");

    c.vocabSize = r.requiredInt("vocab_size");
    c.hiddenSize = r.requiredInt("hidden_size");
    c.intermediateSize = r.requiredInt("intermediate_size");
    c.numLayers = r.requiredInt("num_hidden_layers");
    c.numHeads = r.requiredInt("num_attention_heads");
    c.numKvHeads = r.optInt("num_key_value_heads", c.numHeads);
    const bool headDimGiven = r.present("head_dim");
    c.headDim = r.optInt("head_dim", 0);

    for (auto [key, v] : {std::pair<const char*, int64_t>{"vocab_size", c.vocabSize},
                          {"hidden_size", c.hiddenSize},
                          {"intermediate_size", c.intermediateSize},
                          {"num_hidden_layers", c.numLayers},
                          {"num_attention_heads", c.numHeads},
                          {"num_key_value_heads", c.numKvHeads}})
        if (v <= 0) r.fail(std::string("'") + key + "' must be positive, got " + std::to_string(v));
        else if (v > kMaxDimension) r.fail(std::string("'") + key + "' of " + std::to_string(v) + " is implausibly large");
    if (c.numHeads % c.numKvHeads != 0)
        r.fail("num_attention_heads (" + std::to_string(c.numHeads) +
               ") is not a multiple of num_key_value_heads (" + std::to_string(c.numKvHeads) + ")");
    if (headDimGiven) {
        if (c.headDim <= 0) r.fail("'head_dim' must be positive, got " + std::to_string(c.headDim));
        if (c.headDim > kMaxDimension) r.fail("'head_dim' of " + std::to_string(c.headDim) + " is implausibly large");
    } else {
        if (c.hiddenSize % c.numHeads != 0)
            r.fail("hidden_size (" + std::to_string(c.hiddenSize) + ") is not a multiple of num_attention_heads (" +
                   std::to_string(c.numHeads) + ") and no head_dim is given");
        c.headDim = c.hiddenSize / c.numHeads;
    }

    c.rmsNormEps = r.number("rms_norm_eps", 1e-6);
    if (!(c.rmsNormEps > 0)) r.fail("'rms_norm_eps' must be positive");
    c.ropeTheta = r.number("rope_theta", 10000.0);
    if (!(c.ropeTheta > 0)) r.fail("'rope_theta' must be positive");
    c.ropeScaling = parseRopeScaling(j, src);

    c.maxPositionEmbeddings = r.optInt("max_position_embeddings", arch.defaultMaxPositions);
    if (c.maxPositionEmbeddings <= 0) r.fail("'max_position_embeddings' must be positive");
    c.tieWordEmbeddings = r.boolean("tie_word_embeddings", false);
    c.attentionBias = arch.bias == BiasRule::QkvAlways ||
                      (arch.bias == BiasRule::FromAttentionBiasKey && r.boolean("attention_bias", false));

    if (arch.partialRotary) {
        c.partialRotaryFactor = r.number("partial_rotary_factor", 1.0);
        if (!(c.partialRotaryFactor > 0 && c.partialRotaryFactor <= 1))
            r.fail("'partial_rotary_factor' must be in (0, 1]");
    }
    if (c.rotaryDim() < 2 || c.rotaryDim() % 2 != 0)
        r.fail("rotary dimension " + std::to_string(c.rotaryDim()) + " (head_dim x partial_rotary_factor) must be even");
    if (arch.queryPreAttnScalar) {
        c.queryPreAttnScalar = r.optNumber("query_pre_attn_scalar");
        if (c.queryPreAttnScalar && !(*c.queryPreAttnScalar > 0)) r.fail("'query_pre_attn_scalar' must be positive");
    }
    if (arch.softCapping) {
        c.attnLogitSoftcapping = r.optNumber("attn_logit_softcapping");
        c.finalLogitSoftcapping = r.optNumber("final_logit_softcapping");
        for (auto [key, v] : {std::pair<const char*, std::optional<double>>{"attn_logit_softcapping", c.attnLogitSoftcapping},
                              {"final_logit_softcapping", c.finalLogitSoftcapping}})
            if (v && !(*v > 0)) r.fail(std::string("'") + key + "' must be positive or null");
    }
    if (arch.localRope) {
        c.ropeLocalTheta = r.optNumber("rope_local_base_freq");
        if (c.ropeLocalTheta && !(*c.ropeLocalTheta > 0)) r.fail("'rope_local_base_freq' must be positive");
    }

    // Sliding window: which key switches it on and which layers get it are the family's.
    const bool windowOn = arch.window != WindowRule::None &&
                          (!arch.windowSwitch || r.boolean(arch.windowSwitch, false));
    if (windowOn && r.present("sliding_window")) {
        c.slidingWindow = r.integer("sliding_window");
        if (*c.slidingWindow <= 0) r.fail("'sliding_window' must be positive");
        if (arch.window == WindowRule::FromMaxWindowLayers) c.maxWindowLayers = r.optInt("max_window_layers", 0);
        if (arch.window == WindowRule::Pattern) {
            c.slidingWindowPattern = r.optInt("sliding_window_pattern", 0);
            if (c.slidingWindowPattern < 0) r.fail("'sliding_window_pattern' must not be negative");
        }
        if (r.present("layer_types")) {
            const json& lt = j.at("layer_types");
            if (!lt.is_array() || int64_t(lt.size()) != c.numLayers)
                r.fail("'layer_types' must list one type per layer (" + std::to_string(c.numLayers) + ")");
            for (const auto& t : lt) {
                const std::string v = t.is_string() ? t.get<std::string>() : "";
                if (v != "sliding_attention" && v != "full_attention")
                    r.fail("'layer_types' holds '" + t.dump() + "' (expected sliding_attention or full_attention)");
                c.layerSliding.push_back(v == "sliding_attention");
            }
        }
    }

    // LongRoPE: Phi-3 keeps the pretraining context in original_max_position_embeddings and
    // derives the factor from it (transformers' _compute_longrope_parameters).
    if (c.ropeScaling.type == RopeScaling::Type::LongRope) {
        RopeScaling& rs = c.ropeScaling;
        const int64_t topOriginal = r.optInt("original_max_position_embeddings", 0);
        if (topOriginal > 0) {
            rs.originalMaxPositionEmbeddings = topOriginal;
            rs.factor = double(c.maxPositionEmbeddings) / double(topOriginal);
        } else if (rs.originalMaxPositionEmbeddings <= 0) {
            rs.originalMaxPositionEmbeddings = c.maxPositionEmbeddings;
        }
        if (!rs.attentionFactor)
            rs.attentionFactor = rs.factor <= 1.0 ? 1.0
                                                  : std::sqrt(1.0 + std::log(rs.factor) /
                                                                        std::log(double(rs.originalMaxPositionEmbeddings)));
        const size_t want = size_t(c.rotaryDim() / 2);
        if (rs.shortFactor.size() != want || rs.longFactor.size() != want)
            r.fail("rope_scaling: 'short_factor' and 'long_factor' need " + std::to_string(want) +
                   " entries (rotary dimension / 2), got " + std::to_string(rs.shortFactor.size()) + " and " +
                   std::to_string(rs.longFactor.size()));
    }

    c.bosTokenId = r.tokenId("bos_token_id");
    c.eosTokenId = r.tokenId("eos_token_id");
    c.torchDtype = r.string("torch_dtype");
    if (c.torchDtype.empty()) c.torchDtype = r.string("dtype");  // newer transformers renamed it
    return c;
}

ModelConfig ModelConfig::fromFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ModelError(path + ": cannot read (missing config.json?)");
    std::ostringstream ss;
    ss << in.rdbuf();
    return fromJson(ss.str(), path);
}

}  // namespace gateau::model
