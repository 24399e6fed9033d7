#include "core/scoring/run_config.h"

#include "core/model/checkpoint.h"
#include "core/util/sha256.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace gateau::scoring {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad(const std::string& source, const std::string& what) { throw ScoringError(source + ": " + what); }

std::string getString(const nlohmann::json& j, const char* key, const std::string& source) {
    if (!j[key].is_string()) bad(source, std::string("\"") + key + "\" must be a string");
    return j[key].get<std::string>();
}

int64_t getInt(const nlohmann::json& j, const char* key, const std::string& source) {
    if (!j[key].is_number_integer()) bad(source, std::string("\"") + key + "\" must be an integer");
    return j[key].get<int64_t>();
}

std::string resolve(const std::string& p, const std::string& baseDir) {
    fs::path path(p);
    if (path.is_relative() && !baseDir.empty()) path = fs::path(baseDir) / path;
    return fs::absolute(path).lexically_normal().string();
}

// Presets: named RUN.json values (docs/scoring.md "Presets"); keys the file sets itself win.
// "paper" is the defaults, spelled out; "reference-code" reproduces the authors' code
// (METHOD.md "The authors' reference code"): a 64,000-token budget and model A with plain
// RoPE, because its NTK patch never takes effect. (Its alpha 0.8 is a ranking parameter:
// `gateau rank --alpha 0.8`.)
struct Preset {
    const char* name;
    const char* values;  // a RUN.json fragment
};
constexpr Preset kPresets[] = {
    {"paper", R"({"max_tokens": 65536, "segment_len": 128, "stretch_a": 1})"},
    {"reference-code", R"({"max_tokens": 64000, "segment_len": 128, "stretch_a": 1})"},
};

std::string knownPresets() {
    std::string out;
    for (const auto& p : kPresets) out += (out.empty() ? "" : ", ") + std::string(p.name);
    return out;
}

// Fills the keys the preset sets and `j` does not.
void applyPreset(nlohmann::json& j, const std::string& source) {
    if (!j.contains("preset")) return;
    const std::string name = getString(j, "preset", source);
    for (const auto& p : kPresets) {
        if (name != p.name) continue;
        const nlohmann::json values = nlohmann::json::parse(p.values);
        for (const auto& [key, value] : values.items())
            if (!j.contains(key)) j[key] = value;
        return;
    }
    bad(source, "\"preset\" must be one of " + knownPresets() + ", not \"" + name + "\"");
}

nlohmann::json modelIdentity(const std::string& dir) {
    auto checkpoint = model::Checkpoint::open(dir);
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : checkpoint.weightFiles())
        files.push_back({{"file", fs::path(f).filename().string()}, {"sha256", util::sha256File(f)}});
    return {{"path", dir}, {"weights", files}};
}

}  // namespace

RunConfig parseRunConfig(const std::string& jsonText, const std::string& sourceName, const std::string& baseDir) {
    nlohmann::json j = nlohmann::json::parse(jsonText, nullptr, false);
    if (j.is_discarded()) bad(sourceName, "not valid JSON");
    if (!j.is_object()) bad(sourceName, "expected a JSON object");
    static const char* known[] = {"model_a", "model_b",   "preset",    "segment_len", "max_tokens",   "template",
                                  "add_bos", "stretch_a", "device",    "dtype",       "instruction", "response_turn"};
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool ok = false;
        std::string names;
        for (const char* k : known) {
            ok = ok || it.key() == k;
            names += (names.empty() ? "" : ", ") + std::string(k);
        }
        if (!ok) bad(sourceName, "unknown key \"" + it.key() + "\" (known: " + names + ")");
    }
    applyPreset(j, sourceName);
    RunConfig c;
    for (const char* k : {"model_a", "model_b"})
        if (!j.contains(k)) bad(sourceName, std::string("missing required key \"") + k + "\"");
    c.modelA = resolve(getString(j, "model_a", sourceName), baseDir);
    c.modelB = resolve(getString(j, "model_b", sourceName), baseDir);
    if (j.contains("segment_len")) c.prompt.segmentLen = getInt(j, "segment_len", sourceName);
    if (j.contains("max_tokens")) c.prompt.maxTokens = getInt(j, "max_tokens", sourceName);
    if (j.contains("template")) c.prompt.templ = getString(j, "template", sourceName);
    if (j.contains("add_bos")) {
        if (!j["add_bos"].is_boolean()) bad(sourceName, "\"add_bos\" must be true or false");
        c.prompt.addBos = j["add_bos"].get<bool>();
    }
    if (j.contains("stretch_a")) {
        if (!j["stretch_a"].is_number() || !(j["stretch_a"].get<double>() >= 1.0))
            bad(sourceName, "\"stretch_a\" must be a number >= 1 (1: no stretch)");
        c.stretchA = j["stretch_a"].get<double>();
    }
    if (j.contains("instruction")) {
        const auto rule = instructionRuleFromName(getString(j, "instruction", sourceName));
        if (!rule) bad(sourceName, "\"instruction\" must be one of " + knownInstructionRules());
        c.prompt.instruction = *rule;
    }
    if (j.contains("response_turn")) {
        const auto rule = responseTurnFromName(getString(j, "response_turn", sourceName));
        if (!rule) bad(sourceName, "\"response_turn\" must be one of " + knownResponseTurns());
        c.prompt.responseTurn = *rule;
    }
    if (j.contains("device")) c.device = getString(j, "device", sourceName);
    if (j.contains("dtype")) c.dtype = getString(j, "dtype", sourceName);
    if (c.dtype != "auto" && c.dtype != "float32" && c.dtype != "bfloat16" && c.dtype != "float16")
        bad(sourceName, "\"dtype\" must be auto, float32, bfloat16 or float16, not \"" + c.dtype + "\"");
    if (c.device.empty()) bad(sourceName, "\"device\" is empty");
    try {
        validate(c.prompt);
    } catch (const ScoringError& e) {
        bad(sourceName, e.what());
    }
    return c;
}

RunConfig loadRunConfig(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ScoringError(path + ": cannot open run config");
    std::stringstream ss;
    ss << in.rdbuf();
    return parseRunConfig(ss.str(), path, fs::absolute(path).parent_path().string());
}

std::string canonicalRunConfigJson(const RunConfig& c) {
    if (c.dtype == "auto")  // one run, one precision: resolveAutoDtype names the dtype first
        throw ScoringError("dtype \"auto\" must be resolved to the dtype the devices will use before it "
                           "identifies a run");
    nlohmann::json j;  // std::map-backed: keys sorted
    j["engine_version"] = kScoringEngineVersion;
    j["model_a"] = modelIdentity(c.modelA);
    j["model_b"] = modelIdentity(c.modelB);
    j["segment_len"] = c.prompt.segmentLen;
    j["max_tokens"] = c.prompt.maxTokens;
    j["template"] = c.prompt.templ;
    j["add_bos"] = c.prompt.addBos;
    j["stretch_a"] = c.stretchA;
    j["dtype"] = c.dtype;
    j["instruction"] = instructionRuleName(c.prompt.instruction);
    j["response_turn"] = responseTurnName(c.prompt.responseTurn);
    return j.dump();
}

RunConfig runConfigFromCanonical(const std::string& canonicalJson) {
    const auto j = nlohmann::json::parse(canonicalJson, nullptr, false);
    const char* src = "stored run config";
    if (!j.is_object()) bad(src, "not a JSON object");
    try {
        RunConfig c;
        c.modelA = j.at("model_a").at("path").get<std::string>();
        c.modelB = j.at("model_b").at("path").get<std::string>();
        c.prompt.segmentLen = j.at("segment_len").get<int64_t>();
        c.prompt.maxTokens = j.at("max_tokens").get<int64_t>();
        c.prompt.templ = j.at("template").get<std::string>();
        c.prompt.addBos = j.at("add_bos").get<bool>();
        c.stretchA = j.value("stretch_a", 1.0);
        c.dtype = j.at("dtype").get<std::string>();
        const auto instruction = instructionRuleFromName(j.value("instruction", "last_paragraph"));
        const auto responseTurn = responseTurnFromName(j.value("response_turn", "last"));
        if (!instruction || !responseTurn) bad(src, "unknown \"instruction\" or \"response_turn\" rule");
        c.prompt.instruction = *instruction;
        c.prompt.responseTurn = *responseTurn;
        validate(c.prompt);
        return c;
    } catch (const nlohmann::json::exception& e) {
        bad(src, e.what());
    }
}

}  // namespace gateau::scoring
