#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "core/model/arch.h"
#include "core/model/checkpoint.h"
#include "core/model/hf_cache.h"
#include "core/model/tensor_names.h"
#include "core/model/config_json.h"
#include "core/model/tokenizer_probe.h"
#include "core/util/sha256.h"

namespace {

using namespace gateau;
using nlohmann::json;
namespace fs = std::filesystem;

const char* kUsage = "gateau model-info MODEL_DIR|REPO_ID[@REV] [--json] [--no-hash]";

json optionalJson(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

json optionalNumber(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// The window of every layer as the engine applies it (0: full attention).
json layerWindows(const model::ModelConfig& c) {
    json w = json::array();
    for (int64_t l = 0; l < c.numLayers; ++l) w.push_back(model::layerWindow(c, l));
    return w;
}

json configJson(const model::ModelConfig& c) {
    return {{"model_type", c.modelType},
            {"vocab_size", c.vocabSize},
            {"hidden_size", c.hiddenSize},
            {"intermediate_size", c.intermediateSize},
            {"num_hidden_layers", c.numLayers},
            {"num_attention_heads", c.numHeads},
            {"num_key_value_heads", c.numKvHeads},
            {"head_dim", c.headDim},
            {"rms_norm_eps", c.rmsNormEps},
            {"rope_theta", c.ropeTheta},
            {"rope_scaling", model::toHfConfigJson(c)["rope_scaling"]},
            {"max_position_embeddings", c.maxPositionEmbeddings},
            {"tie_word_embeddings", c.tieWordEmbeddings},
            {"attention_bias", c.attentionBias},
            {"sliding_window", optionalJson(c.slidingWindow)},
            {"max_window_layers", c.slidingWindow ? json(c.maxWindowLayers) : json(nullptr)},
            {"layer_windows", layerWindows(c)},
            {"query_pre_attn_scalar", optionalNumber(c.queryPreAttnScalar)},
            {"attn_logit_softcapping", optionalNumber(c.attnLogitSoftcapping)},
            {"final_logit_softcapping", optionalNumber(c.finalLogitSoftcapping)},
            {"rope_local_base_freq", optionalNumber(c.ropeLocalTheta)},
            {"partial_rotary_factor", c.partialRotaryFactor},
            {"tensor_prefix", c.tensorPrefix},
            {"bos_token_id", optionalJson(c.bosTokenId)},
            {"eos_token_id", optionalJson(c.eosTokenId)},
            {"torch_dtype", c.torchDtype}};
}

json describe(const model::Checkpoint& ck, bool hash) {
    const model::ModelConfig& c = ck.config();
    json info;
    info["path"] = ck.dir();
    info["architecture"] = model::archName(c.arch);
    info["architecture_class"] = model::archClassName(c.arch);
    info["config"] = configJson(c);
    info["context_window"] = c.maxPositionEmbeddings;

    uint64_t params = 0;
    std::map<std::string, uint64_t> byDtype;
    json unsupported = json::array();
    for (const auto& name : ck.tensorNames()) {
        auto t = *ck.find(name);
        params += t.numel();
        byDtype[t.dtypeName] += t.numel();
        if (!model::dtypeSupported(t.dtype)) unsupported.push_back({{"name", name}, {"dtype", t.dtypeName}});
    }
    info["parameters"] = params;
    info["tensor_count"] = ck.tensorNames().size();
    info["dtypes"] = byDtype;
    info["unsupported_dtype_tensors"] = unsupported;

    json files = json::array();
    for (const auto& path : ck.weightFiles()) {
        std::error_code ec;
        json f = {{"name", fs::path(path).filename().string()}, {"path", path}, {"bytes", fs::file_size(path, ec)}};
        f["sha256"] = hash ? json(util::sha256File(path)) : json(nullptr);
        files.push_back(f);
    }
    info["weight_files"] = files;
    info["sharded"] = ck.sharded();
    info["index_file"] = ck.sharded() ? json(fs::path(ck.indexFile()).filename().string()) : json(nullptr);
    info["tokenizer_files"] = model::tokenizerFilesIn(ck.dir());

    // Every problem that would make scoring fail, the first one as validation_error.
    std::vector<std::string> problems;
    try {
        ck.validate();
    } catch (const model::ModelError& e) {
        problems.push_back(e.what());
    }
    // Reads every weight once (about as long as reading the files; --no-hash does not skip it).
    json nonFinite = json::array();
    for (const auto& name : ck.tensorNames()) {
        const auto t = *ck.find(name);
        if (const uint64_t bad = model::countNonFinite(t.dtype, t.data, size_t(t.numel()))) {
            nonFinite.push_back({{"name", name}, {"count", bad}});
            if (nonFinite.size() == 1)
                problems.push_back(t.file + ": tensor '" + name + "' has " + std::to_string(bad) + " NaN or infinite values");
        }
    }
    info["non_finite_tensors"] = nonFinite;
    const auto embed = ck.find(model::hfTensorName(c, model::TensorRole::TokenEmbedding));
    const int64_t rows = embed && !embed->shape.empty() ? embed->shape[0] : c.vocabSize;
    info["embedding_rows"] = rows;
    info["tokenizer_vocab_size"] = nullptr;
    if (!model::tokenizerFilesIn(ck.dir()).empty()) {
        try {
            const int64_t ids = model::probeTokenizer(ck.dir()).vocabSize;
            info["tokenizer_vocab_size"] = ids;
            if (ids > rows)
                problems.push_back(ck.dir() + ": the tokenizer has " + std::to_string(ids) + " token ids but the model only " +
                                   std::to_string(rows) + " embedding rows");
        } catch (const std::exception& e) {
            problems.push_back(e.what());
        }
    }
    info["valid"] = problems.empty();
    info["validation_error"] = problems.empty() ? json(nullptr) : json(problems.front());
    info["problems"] = problems;
    return info;
}

std::string humanCount(uint64_t n) {
    char buf[32];
    if (n >= 1000000000ull) std::snprintf(buf, sizeof buf, "%.2fB", n / 1e9);
    else if (n >= 1000000ull) std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
    else if (n >= 1000ull) std::snprintf(buf, sizeof buf, "%.1fK", n / 1e3);
    else std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
    return buf;
}

void printSummary(const json& i) {
    const json& c = i["config"];
    std::printf("%s: %s (%s)\n", i["path"].get<std::string>().c_str(), i["architecture"].get<std::string>().c_str(),
                i["architecture_class"].get<std::string>().c_str());
    std::printf("  parameters      %s (%llu) in %zu tensors\n", humanCount(i["parameters"]).c_str(),
                static_cast<unsigned long long>(i["parameters"].get<uint64_t>()), i["tensor_count"].get<size_t>());
    std::string dtypes;
    for (auto it = i["dtypes"].begin(); it != i["dtypes"].end(); ++it)
        dtypes += (dtypes.empty() ? "" : ", ") + it.key() + " " + humanCount(it->get<uint64_t>());
    std::printf("  dtypes          %s (config torch_dtype: %s)\n", dtypes.c_str(), c["torch_dtype"].get<std::string>().c_str());
    std::printf("  layers          %lld, hidden %lld, intermediate %lld, vocab %lld\n", c["num_hidden_layers"].get<long long>(),
                c["hidden_size"].get<long long>(), c["intermediate_size"].get<long long>(), c["vocab_size"].get<long long>());
    std::printf("  attention       %lld heads, %lld kv heads, head_dim %lld%s\n", c["num_attention_heads"].get<long long>(),
                c["num_key_value_heads"].get<long long>(), c["head_dim"].get<long long>(),
                c["attention_bias"].get<bool>() ? ", q/k/v bias" : "");
    std::printf("  context window  %lld", i["context_window"].get<long long>());
    if (!c["sliding_window"].is_null()) {
        long long windowed = 0;
        for (const auto& w : c["layer_windows"]) windowed += w.get<long long>() > 0;
        std::printf(" (sliding window %lld on %lld of %zu layers)", c["sliding_window"].get<long long>(), windowed,
                    c["layer_windows"].size());
    }
    std::printf("\n  rope            theta %g, scaling %s\n", c["rope_theta"].get<double>(),
                c["rope_scaling"].is_null() ? "none" : c["rope_scaling"].dump().c_str());
    std::printf("  norm eps        %g, tied embeddings: %s\n", c["rms_norm_eps"].get<double>(),
                c["tie_word_embeddings"].get<bool>() ? "yes" : "no");
    std::printf("  bos / eos       %s / %s\n", c["bos_token_id"].dump().c_str(), c["eos_token_id"].dump().c_str());
    std::printf("  weight files%s\n", i["sharded"].get<bool>() ? " (sharded, index model.safetensors.index.json)" : "");
    for (const auto& f : i["weight_files"])
        std::printf("    %-40s %12llu bytes  %s\n", f["name"].get<std::string>().c_str(),
                    static_cast<unsigned long long>(f["bytes"].get<uint64_t>()),
                    f["sha256"].is_null() ? "" : f["sha256"].get<std::string>().c_str());
    std::string tok;
    for (const auto& t : i["tokenizer_files"]) tok += (tok.empty() ? "" : ", ") + t.get<std::string>();
    std::printf("  tokenizer       %s\n", tok.empty() ? "(no tokenizer files)" : tok.c_str());
    for (const auto& u : i["unsupported_dtype_tensors"])
        std::printf("  unsupported     %s (%s)\n", u["name"].get<std::string>().c_str(), u["dtype"].get<std::string>().c_str());
    if (i["valid"].get<bool>())
        std::printf("  valid           yes: every tensor the architecture needs is present, all weights finite, "
                    "the vocabulary covers the tokenizer\n");
    for (const auto& problem : i["problems"]) std::printf("  valid           NO: %s\n", problem.get<std::string>().c_str());
}

int runModelInfo(const cli::Args& a) {
    cli::ArgParser p(a, {"json", "no-hash"}, {});
    p.requirePositionals(1, 1, kUsage);
    json info;
    try {
        info = describe(model::Checkpoint::open(model::resolveModelDir(p.positionals()[0])), !p.flag("no-hash"));
    } catch (const std::exception& e) {
        throw cli::CliError(e.what());
    }
    if (p.flag("json")) std::cout << info.dump(2) << "\n";
    else printSummary(info);
    return info["valid"].get<bool>() ? 0 : 1;
}

}  // namespace

GATEAU_CLI_COMMAND("model-info", kUsage,
                   "Architecture, config, parameter count, weight files (sha256) and validity of a HF checkpoint.",
                   runModelInfo);
