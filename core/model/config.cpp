#include "core/model/config.h"

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

Arch detectArch(const json& j, const std::string& source) {
    std::string type;
    if (j.contains("model_type") && j["model_type"].is_string()) type = j["model_type"].get<std::string>();
    if (type.empty() && j.contains("architectures") && j["architectures"].is_array() &&
        !j["architectures"].empty() && j["architectures"][0].is_string()) {
        const std::string a = j["architectures"][0].get<std::string>();
        if (a == "LlamaForCausalLM") type = "llama";
        else if (a == "MistralForCausalLM") type = "mistral";
        else if (a == "Qwen2ForCausalLM") type = "qwen2";
        else type = a;
    }
    if (type == "llama") return Arch::Llama;
    if (type == "mistral") return Arch::Mistral;
    if (type == "qwen2") return Arch::Qwen2;
    if (type.empty())
        throw ModelError(source + ": no 'model_type' or 'architectures' to tell the architecture");
    throw ModelError("unsupported architecture '" + type + "' in " + source +
                     " (supported: llama, mistral, qwen2)");
}

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
    else throw ModelError(src + ": unsupported type '" + type + "' (supported: linear, dynamic, llama3, yarn)");

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
    json j = json::parse(jsonText, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw ModelError(source + ": not valid JSON");
    if (!j.is_object()) throw ModelError(source + ": top level is not a JSON object");
    Reader r{j, source};

    ModelConfig c;
    c.arch = detectArch(j, source);
    c.modelType = r.string("model_type");
    if (c.modelType.empty())
        c.modelType = c.arch == Arch::Llama ? "llama" : c.arch == Arch::Mistral ? "mistral" : "qwen2";

    const std::string act = r.string("hidden_act");
    if (!act.empty() && act != "silu")
        r.fail("hidden_act '" + act + "' is not supported (Llama-family models use 'silu')");
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
    c.ropeScaling = parseRopeScaling(j, source);

    const int64_t defaultMaxPos = c.arch == Arch::Llama ? 2048 : c.arch == Arch::Mistral ? 4096 * 32 : 32768;
    c.maxPositionEmbeddings = r.optInt("max_position_embeddings", defaultMaxPos);
    if (c.maxPositionEmbeddings <= 0) r.fail("'max_position_embeddings' must be positive");
    c.tieWordEmbeddings = r.boolean("tie_word_embeddings", false);

    switch (c.arch) {
        case Arch::Llama: c.attentionBias = r.boolean("attention_bias", false); break;
        case Arch::Mistral: c.attentionBias = false; break;
        case Arch::Qwen2: c.attentionBias = true; break;
    }
    const bool windowOn = c.arch == Arch::Mistral || (c.arch == Arch::Qwen2 && r.boolean("use_sliding_window", false));
    if (windowOn && r.present("sliding_window")) {
        c.slidingWindow = r.integer("sliding_window");
        if (*c.slidingWindow <= 0) r.fail("'sliding_window' must be positive");
        if (c.arch == Arch::Qwen2) c.maxWindowLayers = r.optInt("max_window_layers", 0);
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
