#include "core/model/tiny_model.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/model/arch.h"
#include "core/model/config_json.h"
#include "core/model/rng.h"
#include "core/model/safetensors_writer.h"
#include "core/model/tensor_names.h"
#include "core/model/tokenizer_probe.h"

namespace gateau::model {

namespace fs = std::filesystem;

namespace {

// normal(0, 0.02) = N / 65536 * 0.02 = N / 3276800 for the Irwin-Hall integer N.
constexpr int64_t kInverseStdTimes65536 = 3276800;

void writeText(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw ModelError(p.string() + ": write failed");
}

// Copies contents rather than the file, so read-only sources do not give read-only copies.
void copyContents(const fs::path& from, const fs::path& to) {
    std::ifstream in(from, std::ios::binary);
    if (!in) throw ModelError(from.string() + ": cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    writeText(to, ss.str());
}

std::string shardName(int i, int n) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "model-%05d-of-%05d.safetensors", i, n);
    return buf;
}

ModelConfig configFor(const TinyModelSpec& s, int64_t vocab, const TokenizerProbe* tok) {
    ModelConfig c;
    c.arch = s.arch;
    c.modelType = archName(s.arch);
    c.vocabSize = vocab;
    c.hiddenSize = s.hidden;
    c.intermediateSize = s.intermediate;
    c.numLayers = s.layers;
    c.numHeads = s.heads;
    c.numKvHeads = s.kvHeads;
    c.headDim = s.headDim.value_or(s.heads > 0 ? s.hidden / s.heads : 0);
    c.rmsNormEps = 1e-5;
    c.ropeTheta = s.ropeTheta;
    c.ropeScaling = s.ropeScaling;
    c.maxPositionEmbeddings = s.maxPositionEmbeddings;
    c.tieWordEmbeddings = s.tieEmbeddings;
    // The family's own settings at the values its published checkpoints use (arch.h).
    const ArchInfo& a = archInfo(s.arch);
    c.attentionBias = a.bias == BiasRule::QkvAlways;
    if (a.window != WindowRule::None) c.slidingWindow = s.slidingWindow;
    if (a.window == WindowRule::FromMaxWindowLayers) c.maxWindowLayers = s.maxWindowLayers;
    // Gemma 3 alternates 5 local layers with a global one; tiny models have few layers, so
    // every other layer is global (and both kinds are exercised).
    if (s.arch == Arch::Gemma3) c.slidingWindowPattern = 2;
    if (a.queryPreAttnScalar) c.queryPreAttnScalar = double(c.headDim);
    if (s.arch == Arch::Gemma2) {
        c.attnLogitSoftcapping = 50.0;
        c.finalLogitSoftcapping = 30.0;
    }
    if (a.localRope) c.ropeLocalTheta = 10000.0;
    if (a.partialRotary) c.partialRotaryFactor = s.partialRotaryFactor;
    if (c.ropeScaling.type == RopeScaling::Type::LongRope && c.ropeScaling.shortFactor.empty()) {
        // Short factors 1, long factors rising to the factor over the frequencies (low
        // frequencies stretched most, the shape of published LongRoPE factors).
        const int64_t half = std::max<int64_t>(1, c.rotaryDim() / 2);
        for (int64_t i = 0; i < half; ++i) {
            c.ropeScaling.shortFactor.push_back(1.0);
            c.ropeScaling.longFactor.push_back(1.0 + (c.ropeScaling.factor - 1.0) * double(i) / double(std::max<int64_t>(1, half - 1)));
        }
        c.ropeScaling.attentionFactor.reset();  // derived from the factor when parsed back
    }
    if (tok) {
        c.bosTokenId = tok->bosId;
        c.eosTokenId = tok->eosId;
    }
    c.torchDtype = s.dtype == DType::BF16 ? "bfloat16" : "float32";
    return c;
}

}  // namespace

std::vector<float> tinyModelTensorValues(const std::string& name, bool isNorm, uint64_t numel, uint64_t seed) {
    Xoshiro256 rng(seed ^ fnv1a64(name));
    std::vector<float> v(numel);
    for (auto& x : v) {
        // One correctly rounded division of exact integers: no FMA contraction or libm can
        // change the result between compilers.
        const int64_t n = rng.normalTimes65536() + (isNorm ? kInverseStdTimes65536 : 0);
        x = static_cast<float>(static_cast<double>(n) / static_cast<double>(kInverseStdTimes65536));
    }
    return v;
}

TinyModelResult makeTinyModel(const std::string& outDir, const TinyModelSpec& s) {
    if (s.dtype != DType::F32 && s.dtype != DType::BF16) throw ModelError("tiny model: dtype must be f32 or bf16");
    if (s.shards < 1) throw ModelError("tiny model: shards must be at least 1");
    if (s.tokenizerPath.empty() && !s.vocabSize)
        throw ModelError("tiny model: give a tokenizer or a vocabulary size");
    std::optional<TokenizerProbe> tok;
    if (!s.tokenizerPath.empty()) tok = probeTokenizer(s.tokenizerPath);
    const int64_t vocab = s.vocabSize.value_or(tok ? tok->vocabSize : 0);
    if (!s.headDim && s.heads > 0 && s.hidden % s.heads != 0)
        throw ModelError("tiny model: hidden size " + std::to_string(s.hidden) + " is not a multiple of " +
                         std::to_string(s.heads) + " heads; pass a head dim");
    if (tok && vocab < tok->vocabSize)
        throw ModelError("tiny model: vocabulary size " + std::to_string(vocab) + " is smaller than the tokenizer's " +
                         std::to_string(tok->vocabSize));

    TinyModelResult result;
    result.config = configFor(s, vocab, tok ? &*tok : nullptr);
    const std::string configText = toHfConfigJson(result.config).dump(2) + "\n";
    // Round-trip through the parser so a bad spec fails with the same checks a user's config gets.
    result.config = ModelConfig::fromJson(configText, "tiny model config.json");

    const auto specs = expectedTensors(result.config);
    // Checked before allocating: a typo like --hidden 40960 should not exhaust memory.
    constexpr uint64_t kMaxParams = 1ull << 31;
    uint64_t planned = 0;
    for (const auto& spec : specs) {
        uint64_t numel = 1;
        for (auto d : spec.shape)
            if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel)) numel = kMaxParams + 1;
        planned = numel > kMaxParams ? kMaxParams + 1 : planned + numel;
        if (planned > kMaxParams)
            throw ModelError("tiny model: more than " + std::to_string(kMaxParams) + " parameters is not a tiny model");
    }
    if (static_cast<size_t>(s.shards) > specs.size())
        throw ModelError("tiny model: " + std::to_string(s.shards) + " shards for only " +
                         std::to_string(specs.size()) + " tensors");

    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (!fs::is_directory(outDir)) throw ModelError(outDir + ": cannot create folder");
    if (fs::exists(fs::path(outDir) / "config.json"))
        throw ModelError(outDir + ": already holds a config.json; choose an empty folder");

    std::vector<TensorData> tensors;
    uint64_t totalBytes = 0;
    for (const auto& spec : specs) {
        uint64_t numel = 1;
        for (auto d : spec.shape) numel *= static_cast<uint64_t>(d);
        result.parameterCount += numel;
        // Norm weights near 1, or near 0 where the family scales by (1 + w).
        const bool nearOne = isNormWeight(spec.role) && archInfo(s.arch).norm == NormKind::Rms;
        auto values = tinyModelTensorValues(spec.name, nearOne, numel, s.seed);
        tensors.push_back({spec.name, s.dtype, spec.shape, encodeFloats(values, s.dtype)});
        totalBytes += tensors.back().bytes.size();
    }

    const fs::path out(outDir);
    writeText(out / "config.json", configText);
    nlohmann::json gen = {{"_from_model_config", true}, {"transformers_version", "4.46.0"}};
    if (result.config.bosTokenId) gen["bos_token_id"] = *result.config.bosTokenId;
    if (result.config.eosTokenId) gen["eos_token_id"] = *result.config.eosTokenId;
    writeText(out / "generation_config.json", gen.dump(2) + "\n");
    result.files = {"config.json", "generation_config.json"};

    if (s.shards == 1) {
        writeSafetensors((out / "model.safetensors").string(), tensors);
        result.files.push_back("model.safetensors");
    } else {
        // Greedy split in model order, by bytes, the way save_pretrained fills shards.
        nlohmann::json weightMap = nlohmann::json::object();
        const uint64_t target = (totalBytes + s.shards - 1) / s.shards;
        size_t next = 0;
        for (int i = 1; i <= s.shards; ++i) {
            std::vector<TensorData> part;
            uint64_t bytes = 0;
            const size_t mustLeave = static_cast<size_t>(s.shards - i);  // one tensor per remaining shard
            while (next < tensors.size() && tensors.size() - next > mustLeave &&
                   (part.empty() || i == s.shards || bytes + tensors[next].bytes.size() <= target)) {
                bytes += tensors[next].bytes.size();
                part.push_back(std::move(tensors[next++]));
            }
            const std::string name = shardName(i, s.shards);
            for (const auto& t : part) weightMap[t.name] = name;
            writeSafetensors((out / name).string(), part);
            result.files.push_back(name);
        }
        nlohmann::json index = {{"metadata", {{"total_size", totalBytes}}}, {"weight_map", weightMap}};
        writeText(out / "model.safetensors.index.json", index.dump(2) + "\n");
        result.files.push_back("model.safetensors.index.json");
    }

    if (tok)
        for (const auto& f : tok->files) {
            std::string name = fs::path(f).filename().string();
            if (f == tok->files.front())  // the main file may have been passed under another name
                name = fs::path(f).extension() == ".json" ? "tokenizer.json" : "tokenizer.model";
            copyContents(f, out / name);
            result.files.push_back(name);
        }
    return result;
}

}  // namespace gateau::model
