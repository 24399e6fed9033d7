#include "core/tokenizer/json_loader.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "core/tokenizer/hf_tokenizer.h"

namespace gateau::tok {
namespace {

nlohmann::json toNlohmann(simdjson::dom::element e) {
    const std::string text = simdjson::to_string(e);
    return nlohmann::json::parse(text);
}

// The fast path: simdjson parses the 10 MB file in milliseconds and the 400k vocab and merge
// entries go straight into the model; only the small sections become nlohmann::json.
// Returns nullptr when simdjson cannot read the text, so the caller can take the nlohmann path.
std::unique_ptr<Tokenizer> loadWithSimdjson(std::string_view json, const std::string& src, const nlohmann::json& config) {
    simdjson::dom::parser parser;
    const simdjson::padded_string padded(json.data(), json.size());
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return nullptr;
    simdjson::dom::object top;
    if (doc.get(top) != simdjson::SUCCESS) throw TokenizerError(src + ": top level is not a JSON object");

    nlohmann::json root = nlohmann::json::object();
    simdjson::dom::element modelEl;
    bool haveModel = false;
    for (auto field : top) {
        if (field.key == "model") {
            modelEl = field.value;
            haveModel = true;
        } else {
            root[std::string(field.key)] = toNlohmann(field.value);
        }
    }
    if (!haveModel) throw TokenizerError(src + ": no \"model\" section");
    simdjson::dom::object modelObj;
    if (modelEl.get(modelObj) != simdjson::SUCCESS) throw TokenizerError(src + ": \"model\" is not an object");

    nlohmann::json options = nlohmann::json::object();
    simdjson::dom::element vocabEl, mergesEl;
    bool haveVocab = false, haveMerges = false;
    for (auto field : modelObj) {
        if (field.key == "vocab") {
            vocabEl = field.value;
            haveVocab = true;
        } else if (field.key == "merges") {
            mergesEl = field.value;
            haveMerges = true;
            options["merges"] = nullptr;  // lets the model infer "BPE" when "type" is missing
        } else {
            options[std::string(field.key)] = toNlohmann(field.value);
        }
    }
    auto model = std::make_unique<BpeModel>(options, src);  // rejects other model types first
    simdjson::dom::object vocab;
    if (!haveVocab) throw TokenizerError(src + ": model has no \"vocab\" field");
    if (vocabEl.get(vocab) != simdjson::SUCCESS) throw TokenizerError(src + ": model.vocab is not an object");
    simdjson::dom::array merges;
    if (!haveMerges) throw TokenizerError(src + ": model has no \"merges\" field");
    if (mergesEl.get(merges) != simdjson::SUCCESS) throw TokenizerError(src + ": model.merges is not a list");

    model->reserve(vocab.size(), merges.size());
    for (auto field : vocab) {
        int64_t id = -1;
        if (field.value.get(id) != simdjson::SUCCESS) id = -1;  // addToken reports it
        model->addToken(field.key, id);
    }
    model->finishVocab();
    size_t rank = 0;
    for (simdjson::dom::element m : merges) {
        std::string_view s, a, b;
        simdjson::dom::array pair;
        if (m.get(s) == simdjson::SUCCESS) {
            const size_t space = s.find(' ');
            if (space == std::string_view::npos)
                throw TokenizerError(src + ": merge #" + std::to_string(rank) + " \"" + std::string(s) + "\" is not \"a b\"");
            model->addMerge(s.substr(0, space), s.substr(space + 1));
        } else if (m.get(pair) == simdjson::SUCCESS && pair.size() == 2 && pair.at(0).get(a) == simdjson::SUCCESS &&
                   pair.at(1).get(b) == simdjson::SUCCESS) {
            model->addMerge(a, b);
        } else {
            throw TokenizerError(src + ": merge #" + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]");
        }
        ++rank;
    }
    return std::make_unique<HfTokenizer>(root, std::move(model), src, config);
}

// The slow path, also the source of precise parse error messages.
std::unique_ptr<Tokenizer> loadWithNlohmann(std::string_view json, const std::string& src, const nlohmann::json& config) {
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(json.begin(), json.end());
    } catch (const nlohmann::json::exception& e) {
        throw TokenizerError(src + ": invalid JSON: " + e.what());
    }
    if (!root.is_object()) throw TokenizerError(src + ": top level is not a JSON object");
    if (!root.contains("model")) throw TokenizerError(src + ": no \"model\" section");
    auto model = std::make_unique<BpeModel>(root["model"], src);
    model->loadTables(root["model"]);
    return std::make_unique<HfTokenizer>(root, std::move(model), src, config);
}

}  // namespace

std::unique_ptr<Tokenizer> loadTokenizerJson(std::string_view json, const std::string& src, std::string_view configJson) {
    nlohmann::json config;
    if (!configJson.empty()) {
        // tokenizer_config.json only names bos/eos; a broken one is not worth refusing the tokenizer for.
        config = nlohmann::json::parse(configJson.begin(), configJson.end(), nullptr, false);
        if (config.is_discarded()) config = nullptr;
    }
    try {
        if (auto tok = loadWithSimdjson(json, src, config)) return tok;
        return loadWithNlohmann(json, src, config);
    } catch (const nlohmann::json::exception& e) {
        throw TokenizerError(src + ": unexpected structure: " + e.what());
    } catch (const simdjson::simdjson_error& e) {
        throw TokenizerError(src + ": unexpected structure: " + e.what());
    }
}

}  // namespace gateau::tok
