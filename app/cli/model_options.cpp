#include "app/cli/model_options.h"

#include <stdexcept>

#include "core/model/arch.h"

namespace gateau::cli {

namespace {

model::Arch parseArch(const std::string& s) {
    if (const model::ArchInfo* a = model::findArchByName(s)) return a->arch;
    throw CliError("--arch must be one of " + model::supportedArchNames() + ", got '" + s + "'", 2);
}

}  // namespace

// "linear:2", "dynamic:4", "llama3:8", "yarn:4"; llama3 and yarn take the pre-scaling
// context as max-pos / factor, the way those models are usually extended.
model::RopeScaling parseRopeScaling(const std::string& s, int64_t maxPos) {
    model::RopeScaling rs;
    if (s.empty() || s == "none") return rs;
    const auto colon = s.find(':');
    const std::string type = s.substr(0, colon);
    if (type == "linear") rs.type = model::RopeScaling::Type::Linear;
    else if (type == "dynamic") rs.type = model::RopeScaling::Type::Dynamic;
    else if (type == "llama3") rs.type = model::RopeScaling::Type::Llama3;
    else if (type == "yarn") rs.type = model::RopeScaling::Type::Yarn;
    else if (type == "longrope") rs.type = model::RopeScaling::Type::LongRope;
    else throw CliError("--rope-scaling type must be linear, dynamic, llama3, yarn or longrope, got '" + type + "'", 2);
    if (colon == std::string::npos) throw CliError("--rope-scaling needs TYPE:FACTOR, e.g. linear:2", 2);
    try {
        size_t used = 0;
        rs.factor = std::stod(s.substr(colon + 1), &used);
        if (used != s.size() - colon - 1 || !(rs.factor > 0)) throw std::invalid_argument("factor");
    } catch (const std::exception&) {
        throw CliError("--rope-scaling factor must be a positive number, got '" + s.substr(colon + 1) + "'", 2);
    }
    if (rs.type == model::RopeScaling::Type::Llama3 || rs.type == model::RopeScaling::Type::Yarn ||
        rs.type == model::RopeScaling::Type::LongRope) {
        rs.originalMaxPositionEmbeddings = static_cast<int64_t>(static_cast<double>(maxPos) / rs.factor);
        if (rs.originalMaxPositionEmbeddings < 1) throw CliError("--rope-scaling factor is larger than --max-pos", 2);
    }
    return rs;
}

model::TinyModelSpec parseModelSpec(const ArgParser& p) {
    model::TinyModelSpec s;
    s.arch = parseArch(p.value("arch", "llama"));
    s.tokenizerPath = p.value("tokenizer");
    if (p.has("vocab")) s.vocabSize = p.intValue("vocab", 0);
    s.layers = p.intValue("layers", s.layers);
    s.hidden = p.intValue("hidden", s.hidden);
    s.heads = p.intValue("heads", s.heads);
    s.kvHeads = p.intValue("kv-heads", s.kvHeads);
    s.intermediate = p.intValue("intermediate", s.intermediate);
    if (p.has("head-dim")) s.headDim = p.intValue("head-dim", 0);
    const long long seed = p.intValue("seed", 0);
    if (seed < 0) throw CliError("--seed must be non-negative", 2);
    s.seed = static_cast<uint64_t>(seed);
    const std::string dtype = p.value("dtype", "f32");
    if (dtype == "f32") s.dtype = model::DType::F32;
    else if (dtype == "bf16") s.dtype = model::DType::BF16;
    else throw CliError("--dtype must be f32 or bf16, got '" + dtype + "'", 2);
    s.ropeTheta = p.doubleValue("rope-theta", s.ropeTheta);
    s.maxPositionEmbeddings = p.intValue("max-pos", s.maxPositionEmbeddings);
    s.ropeScaling = parseRopeScaling(p.value("rope-scaling"), s.maxPositionEmbeddings);
    if (p.has("sliding-window")) {
        if (model::archInfo(s.arch).window == model::WindowRule::None)
            throw CliError(std::string("--sliding-window does not apply to ") + model::archInfo(s.arch).name, 2);
        s.slidingWindow = p.intValue("sliding-window", 0);
    }
    if (p.has("max-window-layers")) {
        if (model::archInfo(s.arch).window != model::WindowRule::FromMaxWindowLayers)
            throw CliError("--max-window-layers applies to qwen2 and qwen3 only", 2);
        s.maxWindowLayers = p.intValue("max-window-layers", 0);
    }
    if (p.has("partial-rotary")) {
        if (!model::archInfo(s.arch).partialRotary) throw CliError("--partial-rotary applies to phi3 only", 2);
        s.partialRotaryFactor = p.doubleValue("partial-rotary", 1.0);
    }
    s.tieEmbeddings = p.flag("tie");
    const long long shards = p.intValue("shards", 1);
    if (shards < 1 || shards > 99999) throw CliError("--shards must be between 1 and 99999", 2);
    s.shards = static_cast<int>(shards);
    return s;
}

}  // namespace gateau::cli
