#include "core/tokenizer/bpe_trainer.h"

#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/regex.h"
#include "core/tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>

namespace gateau::tok {

namespace {

const char* kPattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

struct Word {
    std::vector<int32_t> symbols;
    int64_t count = 0;
};

uint64_t pairKey(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }

}  // namespace

std::string trainByteLevelBpe(const std::vector<std::string>& texts, const BpeTrainOptions& options) {
    const Regex re(onigToPcre2(kPattern), "built-in BPE trainer");
    std::map<std::string, int64_t> counts;  // ordered: deterministic symbol order
    for (const std::string& t : texts)
        for (const Span& s : re.findAll(t))
            if (s.second > s.first) ++counts[std::string(t.substr(s.first, s.second - s.first))];

    std::vector<std::string> vocab;  // id -> byte-level string
    std::unordered_map<std::string, int32_t> ids;
    for (int b = 0; b < 256; ++b) {
        vocab.push_back(bytelevel::byteToChars(static_cast<unsigned char>(b)));
        ids[vocab.back()] = b;
    }
    std::vector<Word> words;
    words.reserve(counts.size());
    for (const auto& [piece, n] : counts) {
        Word w;
        w.count = n;
        for (unsigned char c : piece) w.symbols.push_back(int32_t(c));
        words.push_back(std::move(w));
    }

    nlohmann::json merges = nlohmann::json::array();
    std::unordered_map<uint64_t, int64_t> pairs;
    for (int m = 0; m < options.merges; ++m) {
        pairs.clear();
        for (const Word& w : words)
            for (size_t i = 0; i + 1 < w.symbols.size(); ++i) pairs[pairKey(w.symbols[i], w.symbols[i + 1])] += w.count;
        uint64_t best = 0;
        int64_t bestCount = 0;
        for (const auto& [key, n] : pairs) {
            if (n < bestCount) continue;
            if (n == bestCount) {
                const auto a = int32_t(key >> 32), b = int32_t(key & 0xffffffffu);
                const auto ba = int32_t(best >> 32), bb = int32_t(best & 0xffffffffu);
                if (std::make_pair(vocab[size_t(a)], vocab[size_t(b)]) >= std::make_pair(vocab[size_t(ba)], vocab[size_t(bb)]))
                    continue;
            }
            best = key;
            bestCount = n;
        }
        if (bestCount < options.minCount) break;
        const auto a = int32_t(best >> 32), b = int32_t(best & 0xffffffffu);
        const std::string merged = vocab[size_t(a)] + vocab[size_t(b)];
        if (ids.count(merged)) continue;  // cannot happen with byte-level pieces; keeps ids unique regardless
        const auto id = int32_t(vocab.size());
        vocab.push_back(merged);
        ids[merged] = id;
        merges.push_back(vocab[size_t(a)] + " " + vocab[size_t(b)]);
        for (Word& w : words) {
            auto& s = w.symbols;
            size_t out = 0;
            for (size_t i = 0; i < s.size(); ++i) {
                if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
                    s[out++] = id;
                    ++i;
                } else {
                    s[out++] = s[i];
                }
            }
            s.resize(out);
        }
    }

    nlohmann::ordered_json j;
    const auto bos = int32_t(vocab.size()), eos = bos + 1;
    auto special = [](int32_t id, const char* content) {
        return nlohmann::ordered_json{{"id", id},          {"content", content}, {"single_word", false},
                                      {"lstrip", false},   {"rstrip", false},    {"normalized", false},
                                      {"special", true}};
    };
    j["version"] = "1.0";
    j["truncation"] = nullptr;
    j["padding"] = nullptr;
    j["added_tokens"] = {special(bos, "<s>"), special(eos, "</s>")};
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = {{"type", "Sequence"},
                          {"pretokenizers",
                           {{{"type", "Split"}, {"pattern", {{"Regex", kPattern}}}, {"behavior", "Isolated"}, {"invert", false}},
                            {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}}}};
    j["post_processor"] = {
        {"type", "TemplateProcessing"},
        {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
        {"pair", {{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {bos}}, {"tokens", {"<s>"}}}}}}};
    j["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    nlohmann::ordered_json v = nlohmann::ordered_json::object();
    for (size_t i = 0; i < vocab.size(); ++i) v[vocab[i]] = int32_t(i);
    v["<s>"] = bos;
    v["</s>"] = eos;
    j["model"] = {{"type", "BPE"},   {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
                  {"ignore_merges", false}, {"vocab", v}, {"merges", merges}};
    return j.dump(1) + "\n";
}

int64_t writeTrainedTokenizer(const std::string& outDir, const std::vector<std::string>& texts,
                              const BpeTrainOptions& options) {
    namespace fs = std::filesystem;
    fs::create_directories(outDir);
    const std::string json = trainByteLevelBpe(texts, options);
    std::ofstream(fs::path(outDir) / "tokenizer.json", std::ios::binary) << json;
    std::ofstream(fs::path(outDir) / "tokenizer_config.json", std::ios::binary)
        << "{\n \"bos_token\": \"<s>\",\n \"eos_token\": \"</s>\",\n \"add_bos_token\": true\n}\n";
    return Tokenizer::load(outDir)->vocabSize();
}

}  // namespace gateau::tok
