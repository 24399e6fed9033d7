#include "core/model/tokenizer_probe.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/model/config.h"

namespace gateau::model {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ModelError(path + ": cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

json readJson(const std::string& path) {
    json j = json::parse(readAll(path), nullptr, false);
    if (j.is_discarded()) throw ModelError(path + ": not valid JSON");
    return j;
}

bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

// Protobuf wire reading, bounded by the buffer; enough for ModelProto.pieces[].piece.
struct Wire {
    const unsigned char* p;
    const unsigned char* end;
    const std::string& source;

    [[noreturn]] void bad() const { throw ModelError(source + ": malformed SentencePiece model"); }
    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) bad();
            unsigned char b = *p++;
            v |= static_cast<uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        bad();
    }
    void skip(uint64_t n) {
        if (n > static_cast<uint64_t>(end - p)) bad();
        p += n;
    }
    // Calls fn(field, bytes) for length-delimited fields, skips the rest.
    template <class Fn>
    void forEach(Fn fn) {
        while (p < end) {
            uint64_t tag = varint();
            switch (tag & 7) {
                case 0: varint(); break;
                case 1: skip(8); break;
                case 5: skip(4); break;
                case 2: {
                    uint64_t n = varint();
                    const unsigned char* start = p;
                    skip(n);
                    fn(tag >> 3, start, p);
                    break;
                }
                default: bad();
            }
        }
    }
};

std::vector<std::string> sentencePieces(const std::string& bytes, const std::string& source) {
    std::vector<std::string> pieces;
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    Wire w{b, b + bytes.size(), source};
    w.forEach([&](uint64_t field, const unsigned char* s, const unsigned char* e) {
        if (field != 1) return;
        std::string piece;
        Wire inner{s, e, source};
        inner.forEach([&](uint64_t f, const unsigned char* ps, const unsigned char* pe) {
            if (f == 1) piece.assign(reinterpret_cast<const char*>(ps), static_cast<size_t>(pe - ps));
        });
        pieces.push_back(std::move(piece));
    });
    if (pieces.empty()) throw ModelError(source + ": SentencePiece model has no pieces");
    return pieces;
}

// tokenizer_config.json writes special tokens as "text" or {"content": "text", ...}.
std::optional<std::string> specialToken(const json& cfg, const char* key) {
    if (!cfg.is_object() || !cfg.contains(key)) return std::nullopt;
    const json& v = cfg[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
    return std::nullopt;
}

}  // namespace

int64_t sentencePieceCount(const std::string& bytes, const std::string& source) {
    return static_cast<int64_t>(sentencePieces(bytes, source).size());
}

std::vector<std::string> tokenizerFilesIn(const std::string& dir) {
    std::vector<std::string> out;
    for (const char* n : {"tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json", "vocab.json", "merges.txt"})
        if (isFile(fs::path(dir) / n)) out.push_back(n);
    return out;
}

TokenizerProbe probeTokenizer(const std::string& path) {
    std::error_code ec;
    fs::path dir = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
    fs::path main;
    if (fs::is_directory(path, ec)) {
        if (isFile(dir / "tokenizer.json")) main = dir / "tokenizer.json";
        else if (isFile(dir / "tokenizer.model")) main = dir / "tokenizer.model";
        else throw ModelError(path + ": no tokenizer.json or tokenizer.model in this folder");
    } else if (isFile(path)) {
        main = path;
    } else {
        throw ModelError(path + ": tokenizer not found");
    }

    TokenizerProbe probe;
    probe.files.push_back(main.string());
    json cfg;
    for (const char* side : {"tokenizer_config.json", "special_tokens_map.json"}) {
        fs::path p = dir / side;
        if (isFile(p) && p != main) {
            probe.files.push_back(p.string());
            if (std::string(side) == "tokenizer_config.json") cfg = readJson(p.string());
        }
    }
    auto bosText = specialToken(cfg, "bos_token");
    auto eosText = specialToken(cfg, "eos_token");

    const std::string mainName = main.filename().string();
    if (mainName.size() >= 5 && mainName.compare(mainName.size() - 5, 5, ".json") == 0) {
        json tj = readJson(main.string());
        const json* vocab = tj.is_object() && tj.contains("model") && tj["model"].is_object() &&
                                    tj["model"].contains("vocab")
                                ? &tj["model"]["vocab"]
                                : nullptr;
        if (!vocab || !(vocab->is_object() || vocab->is_array()))
            throw ModelError(main.string() + ": no model.vocab (not a Hugging Face tokenizer.json?)");
        auto idOf = [&](const std::string& text) -> std::optional<int64_t> {
            if (tj.contains("added_tokens") && tj["added_tokens"].is_array())
                for (const auto& t : tj["added_tokens"])
                    if (t.is_object() && t.contains("content") && t["content"] == text && t.contains("id") &&
                        t["id"].is_number_integer())
                        return t["id"].get<int64_t>();
            if (vocab->is_object() && vocab->contains(text) && (*vocab)[text].is_number_integer())
                return (*vocab)[text].get<int64_t>();
            return std::nullopt;
        };
        int64_t maxId = -1;
        if (vocab->is_array()) {
            maxId = static_cast<int64_t>(vocab->size()) - 1;  // Unigram: the id is the position
        } else {
            for (const auto& v : *vocab)
                if (v.is_number_integer()) maxId = std::max(maxId, v.get<int64_t>());
        }
        if (tj.contains("added_tokens") && tj["added_tokens"].is_array())
            for (const auto& t : tj["added_tokens"])
                if (t.is_object() && t.contains("id") && t["id"].is_number_integer())
                    maxId = std::max(maxId, t["id"].get<int64_t>());
        probe.vocabSize = maxId + 1;
        if (bosText) probe.bosId = idOf(*bosText);
        if (eosText) probe.eosId = idOf(*eosText);
    } else {
        auto pieces = sentencePieces(readAll(main.string()), main.string());
        probe.vocabSize = static_cast<int64_t>(pieces.size());
        auto idOf = [&](const std::string& text) -> std::optional<int64_t> {
            for (size_t i = 0; i < pieces.size(); ++i)
                if (pieces[i] == text) return static_cast<int64_t>(i);
            return std::nullopt;
        };
        probe.bosId = idOf(bosText.value_or("<s>"));
        probe.eosId = idOf(eosText.value_or("</s>"));
    }
    if (probe.vocabSize <= 0) throw ModelError(main.string() + ": tokenizer has an empty vocabulary");
    return probe;
}

}  // namespace gateau::model
