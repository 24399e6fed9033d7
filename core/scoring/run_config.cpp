#include "core/scoring/run_config.h"

#include "core/model/checkpoint.h"
#include "core/model/hf_cache.h"
#include "core/model/tokenizer_probe.h"
#include "core/util/sha256.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <vector>

namespace gateau::scoring {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaxTokensLimit = int64_t(1) << 24;  // 16M tokens
constexpr double kMaxStretch = 64;

[[noreturn]] void bad(const std::string& source, const std::string& what) { throw ScoringError(source + ": " + what); }

std::string getString(const nlohmann::json& j, const char* key, const std::string& source) {
    if (!j[key].is_string()) bad(source, std::string("\"") + key + "\" must be a string");
    return j[key].get<std::string>();
}

int64_t getInt(const nlohmann::json& j, const char* key, const std::string& source,
               int64_t lo = std::numeric_limits<int64_t>::min(), int64_t hi = std::numeric_limits<int64_t>::max()) {
    const nlohmann::json& v = j[key];
    if (!v.is_number_integer()) bad(source, std::string("\"") + key + "\" must be an integer");
    const bool fits = !v.is_number_unsigned() || v.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max());
    if (!fits || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
        bad(source, std::string("\"") + key + "\" must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                        ", not " + v.dump());
    return v.get<int64_t>();
}

// nlohmann keeps the last of two equal keys without a word; a RUN.json that says two things
// about one key is refused instead. Returns the first repeated key, or "".
nlohmann::json parseRejectingDuplicates(const std::string& text, std::string& duplicate) {
    std::vector<std::set<std::string>> objects;
    auto onEvent = [&](int, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (ev == E::object_start) objects.emplace_back();
        else if (ev == E::object_end && !objects.empty()) objects.pop_back();
        else if (ev == E::key && !objects.empty() && duplicate.empty() && !objects.back().insert(parsed.get<std::string>()).second)
            duplicate = parsed.get<std::string>();
        return true;
    };
    return nlohmann::json::parse(text, onEvent, false);
}

// A model folder, or a repo id in the local Hugging Face cache (model::resolveModelDir),
// made absolute.
std::string resolveModel(const nlohmann::json& j, const char* key, const std::string& source, const std::string& baseDir) {
    const std::string spec = getString(j, key, source);
    // fs::absolute("") throws filesystem_error, not our error (found by fuzz_run_json).
    if (spec.empty()) bad(source, std::string("\"") + key + "\" is empty: give a model folder or a Hugging Face repo id");
    try {
        return fs::absolute(model::resolveModelDir(spec, baseDir)).lexically_normal().string();
    } catch (const model::ModelError& e) {
        bad(source, std::string("\"") + key + "\": " + e.what());
    }
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

nlohmann::json hashedFiles(const std::vector<std::string>& paths) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : paths) out.push_back({{"file", fs::path(f).filename().string()}, {"sha256", util::sha256File(f)}});
    return out;
}

// A model is its files' contents, wherever its folder is: weights, config.json and the
// tokenizer files beside them. "path" is kept for display and resume, outside the identity.
nlohmann::json modelIdentity(const std::string& dir) {
    auto checkpoint = model::Checkpoint::open(dir);
    std::vector<std::string> configFiles{(fs::path(dir) / "config.json").string()};
    for (const auto& name : model::tokenizerFilesIn(dir)) configFiles.push_back((fs::path(dir) / name).string());
    return {{"path", dir}, {"weights", hashedFiles(checkpoint.weightFiles())}, {"config_files", hashedFiles(configFiles)}};
}

// The canonical JSON without what does not identify a run; `legacy`: also without what runs
// stored before paths left the identity did not record.
std::string identityJson(const std::string& canonicalJson, bool legacy) {
    auto j = nlohmann::json::parse(canonicalJson, nullptr, false);
    if (!j.is_object()) return canonicalJson;
    for (const char* m : {"model_a", "model_b", "lds_model"}) {
        if (!j.contains(m) || !j[m].is_object()) continue;
        j[m].erase("path");
        if (legacy) j[m].erase("config_files");
    }
    return j.dump();
}

}  // namespace

bool RunConfig::ldsModelInUse() const {
    const Scorer* lds = findScorer("lds");
    return !modelLds.empty() && lds && scorerEnabled(*lds, scorers);
}

RunConfig parseRunConfig(const std::string& jsonText, const std::string& sourceName, const std::string& baseDir) {
    std::string duplicate;
    nlohmann::json j = parseRejectingDuplicates(jsonText, duplicate);
    if (j.is_discarded()) bad(sourceName, "not valid JSON");
    if (!duplicate.empty()) bad(sourceName, "key \"" + duplicate + "\" appears more than once");
    if (!j.is_object()) bad(sourceName, "expected a JSON object");
    static const char* known[] = {"model_a", "model_b",   "preset",    "segment_len", "max_tokens",   "template",
                                  "add_bos", "stretch_a", "device",    "dtype",       "instruction", "response_turn",
                                  "lds_model"};
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool ok = findConfigKey(it.key()) != nullptr;
        std::string names;
        for (const char* k : known) {
            ok = ok || it.key() == k;
            names += (names.empty() ? "" : ", ") + std::string(k);
        }
        for (const auto& [k, v] : defaultScorerSettings()) names += ", " + k;
        if (!ok) bad(sourceName, "unknown key \"" + it.key() + "\" (known: " + names + ")");
    }
    applyPreset(j, sourceName);
    RunConfig c;
    for (const char* k : {"model_a", "model_b"})
        if (!j.contains(k)) bad(sourceName, std::string("missing required key \"") + k + "\"");
    for (const char* k : {"model_a", "model_b"}) getString(j, k, sourceName);
    // Bounds far beyond any real model, so that a typo fails here and not hours into a run.
    if (j.contains("max_tokens")) c.prompt.maxTokens = getInt(j, "max_tokens", sourceName, 1, kMaxTokensLimit);
    if (j.contains("segment_len")) c.prompt.segmentLen = getInt(j, "segment_len", sourceName, 1, c.prompt.maxTokens);
    if (j.contains("template")) c.prompt.templ = getString(j, "template", sourceName);
    if (j.contains("add_bos")) {
        if (!j["add_bos"].is_boolean()) bad(sourceName, "\"add_bos\" must be true or false");
        c.prompt.addBos = j["add_bos"].get<bool>();
    }
    if (j.contains("stretch_a")) {
        if (!j["stretch_a"].is_number() || !(j["stretch_a"].get<double>() >= 1.0) ||
            !(j["stretch_a"].get<double>() <= kMaxStretch))
            bad(sourceName, "\"stretch_a\" must be a number from 1 (no stretch) to " + std::to_string(int(kMaxStretch)) +
                                ", not " + j["stretch_a"].dump());
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
    for (auto& [key, value] : c.scorers) {
        if (!j.contains(key)) continue;
        const ScorerConfigKey* d = findConfigKey(key);
        if (!j[key].is_number() || !(j[key].get<double>() >= d->min) || !(j[key].get<double>() <= d->max))
            bad(sourceName, "\"" + key + "\" must be a number from " + nlohmann::json(d->min).dump() + " to " +
                                nlohmann::json(d->max).dump() + ", not " + j[key].dump());
        value = j[key].get<double>();
    }
    try {
        validate(c.prompt);
    } catch (const ScoringError& e) {
        bad(sourceName, e.what());
    }
    // Last, so that a mistake in another key is reported even when a model is not there.
    c.modelA = resolveModel(j, "model_a", sourceName, baseDir);
    c.modelB = resolveModel(j, "model_b", sourceName, baseDir);
    if (j.contains("lds_model")) c.modelLds = resolveModel(j, "lds_model", sourceName, baseDir);
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
    // Only when used: runs without it keep their identity.
    if (c.ldsModelInUse()) j["lds_model"] = modelIdentity(c.modelLds);
    j["segment_len"] = c.prompt.segmentLen;
    j["max_tokens"] = c.prompt.maxTokens;
    j["template"] = c.prompt.templ;
    j["add_bos"] = c.prompt.addBos;
    j["stretch_a"] = c.stretchA;
    j["dtype"] = c.dtype;
    j["instruction"] = instructionRuleName(c.prompt.instruction);
    j["response_turn"] = responseTurnName(c.prompt.responseTurn);
    for (const auto& [key, value] : c.scorers)
        if (const ScorerConfigKey* d = findConfigKey(key); d && value != d->defaultValue) j[key] = value;
    return j.dump();
}

std::string runIdentityJson(const std::string& canonicalJson) { return identityJson(canonicalJson, false); }

bool matchesLegacyRun(const std::string& storedJson, const std::string& canonicalJson) {
    return identityJson(storedJson, true) == identityJson(canonicalJson, true);
}

RunConfig runConfigFromCanonical(const std::string& canonicalJson) {
    const auto j = nlohmann::json::parse(canonicalJson, nullptr, false);
    const char* src = "stored run config";
    if (!j.is_object()) bad(src, "not a JSON object");
    try {
        RunConfig c;
        c.modelA = j.at("model_a").at("path").get<std::string>();
        c.modelB = j.at("model_b").at("path").get<std::string>();
        if (j.contains("lds_model")) c.modelLds = j.at("lds_model").at("path").get<std::string>();
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
        c.scorers = scorerSettingsFromCanonical(canonicalJson);
        return c;
    } catch (const nlohmann::json::exception& e) {
        bad(src, e.what());
    }
}

ScorerSettings scorerSettingsFromCanonical(const std::string& canonicalJson) {
    ScorerSettings out = defaultScorerSettings();
    const auto j = nlohmann::json::parse(canonicalJson, nullptr, false);
    if (!j.is_object()) return out;
    for (auto& [key, value] : out)
        if (j.contains(key) && j[key].is_number()) value = j[key].get<double>();
    return out;
}

}  // namespace gateau::scoring
