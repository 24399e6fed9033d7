#include <cstdio>
#include <string>

#include "app/cli/command.h"
#include "core/model/config_json.h"
#include "core/model/tiny_model.h"

namespace {

using namespace gateau;

const char* kUsage =
    "gateau make-tiny-model OUT --arch llama|mistral|qwen2 --tokenizer PATH [--vocab N] [--layers N] [--hidden N] "
    "[--heads N] [--kv-heads N] [--intermediate N] [--head-dim N] [--seed S] [--dtype f32|bf16] [--rope-theta X] "
    "[--max-pos N] [--rope-scaling TYPE:FACTOR] [--sliding-window N] [--tie] [--shards N]";

model::Arch parseArch(const std::string& s) {
    if (s == "llama") return model::Arch::Llama;
    if (s == "mistral") return model::Arch::Mistral;
    if (s == "qwen2") return model::Arch::Qwen2;
    throw cli::CliError("--arch must be llama, mistral or qwen2, got '" + s + "'", 2);
}

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
    else throw cli::CliError("--rope-scaling type must be linear, dynamic, llama3 or yarn, got '" + type + "'", 2);
    if (colon == std::string::npos) throw cli::CliError("--rope-scaling needs TYPE:FACTOR, e.g. linear:2", 2);
    try {
        size_t used = 0;
        rs.factor = std::stod(s.substr(colon + 1), &used);
        if (used != s.size() - colon - 1 || !(rs.factor > 0)) throw std::invalid_argument("factor");
    } catch (const std::exception&) {
        throw cli::CliError("--rope-scaling factor must be a positive number, got '" + s.substr(colon + 1) + "'", 2);
    }
    if (rs.type == model::RopeScaling::Type::Llama3 || rs.type == model::RopeScaling::Type::Yarn) {
        rs.originalMaxPositionEmbeddings = static_cast<int64_t>(static_cast<double>(maxPos) / rs.factor);
        if (rs.originalMaxPositionEmbeddings < 1) throw cli::CliError("--rope-scaling factor is larger than --max-pos", 2);
    }
    return rs;
}

int runMakeTinyModel(const cli::Args& a) {
    cli::ArgParser p(a, {"tie"},
                     {"arch", "tokenizer", "vocab", "layers", "hidden", "heads", "kv-heads", "intermediate", "head-dim",
                      "seed", "dtype", "rope-theta", "max-pos", "rope-scaling", "sliding-window", "shards"});
    p.requirePositionals(1, 1, kUsage);
    if (!p.has("arch")) throw cli::CliError("--arch is required (llama, mistral or qwen2)", 2);
    if (!p.has("tokenizer") && !p.has("vocab")) throw cli::CliError("--tokenizer PATH (or --vocab N) is required", 2);

    model::TinyModelSpec s;
    s.arch = parseArch(p.value("arch"));
    s.tokenizerPath = p.value("tokenizer");
    if (p.has("vocab")) s.vocabSize = p.intValue("vocab", 0);
    s.layers = p.intValue("layers", s.layers);
    s.hidden = p.intValue("hidden", s.hidden);
    s.heads = p.intValue("heads", s.heads);
    s.kvHeads = p.intValue("kv-heads", s.kvHeads);
    s.intermediate = p.intValue("intermediate", s.intermediate);
    if (p.has("head-dim")) s.headDim = p.intValue("head-dim", 0);
    const long long seed = p.intValue("seed", 0);
    if (seed < 0) throw cli::CliError("--seed must be non-negative", 2);
    s.seed = static_cast<uint64_t>(seed);
    const std::string dtype = p.value("dtype", "f32");
    if (dtype == "f32") s.dtype = model::DType::F32;
    else if (dtype == "bf16") s.dtype = model::DType::BF16;
    else throw cli::CliError("--dtype must be f32 or bf16, got '" + dtype + "'", 2);
    s.ropeTheta = p.doubleValue("rope-theta", s.ropeTheta);
    s.maxPositionEmbeddings = p.intValue("max-pos", s.maxPositionEmbeddings);
    s.ropeScaling = parseRopeScaling(p.value("rope-scaling"), s.maxPositionEmbeddings);
    if (p.has("sliding-window")) {
        if (s.arch == model::Arch::Llama) throw cli::CliError("--sliding-window applies to mistral and qwen2 only", 2);
        s.slidingWindow = p.intValue("sliding-window", 0);
    }
    s.tieEmbeddings = p.flag("tie");
    const long long shards = p.intValue("shards", 1);
    if (shards < 1 || shards > 99999) throw cli::CliError("--shards must be between 1 and 99999", 2);
    s.shards = static_cast<int>(shards);

    const std::string out = p.positionals()[0];
    model::TinyModelResult r;
    try {
        r = model::makeTinyModel(out, s);
    } catch (const std::exception& e) {
        throw cli::CliError(e.what());
    }
    std::printf("wrote %s: %s, %llu parameters (%lld layers, hidden %lld, vocab %lld, %s)\n", out.c_str(),
                model::archName(r.config.arch), static_cast<unsigned long long>(r.parameterCount),
                static_cast<long long>(r.config.numLayers), static_cast<long long>(r.config.hiddenSize),
                static_cast<long long>(r.config.vocabSize), r.config.torchDtype.c_str());
    for (const auto& f : r.files) std::printf("  %s\n", f.c_str());
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("make-tiny-model", kUsage,
                   "Write a small seeded random checkpoint in Hugging Face layout (for tests and demos).",
                   runMakeTinyModel);
