#include "core/tokenizer/hf_tokenizer.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/json_util.h"
#include "core/tokenizer/token_display.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {

constexpr int64_t kMaxAddedId = 4 * 1024 * 1024;  // same bound as the model vocabulary
const char* const kMetaspace = "\xE2\x96\x81";

bool mentionsByteLevel(const nlohmann::json& j, int depth = 0) {
    if (depth > jsonutil::kMaxDepth) return false;
    if (j.is_object()) {
        auto t = j.find("type");
        if (t != j.end() && t->is_string() && *t == "ByteLevel") return true;
        for (const auto& [k, v] : j.items())
            if (mentionsByteLevel(v, depth + 1)) return true;
    } else if (j.is_array()) {
        for (const auto& v : j)
            if (mentionsByteLevel(v, depth + 1)) return true;
    }
    return false;
}

const nlohmann::json& section(const nlohmann::json& root, const char* key) {
    static const nlohmann::json null;
    auto it = root.find(key);
    return it == root.end() ? null : *it;
}

}  // namespace

HfTokenizer::HfTokenizer(const nlohmann::json& root, std::unique_ptr<BpeModel> model, const std::string& src,
                         const nlohmann::json& config)
    : source_(src), model_(std::move(model)) {
    normalizer_ = makeNormalizer(section(root, "normalizer"), src);
    preTokenizer_ = makePreTokenizer(section(root, "pre_tokenizer"), src);
    decoder_ = makeDecoder(section(root, "decoder"), src);
    byteLevel_ = mentionsByteLevel(section(root, "pre_tokenizer")) || mentionsByteLevel(section(root, "decoder"));
    loadAddedTokens(section(root, "added_tokens"));
    loadPostProcessor(section(root, "post_processor"), 0);
    vocabSize_ = model_->idLimit();
    for (const auto& [id, t] : added_) vocabSize_ = std::max(vocabSize_, id + 1);
    resolveBosEos(config);
}

void HfTokenizer::loadAddedTokens(const nlohmann::json& list) {
    if (list.is_null()) return;
    if (!list.is_array()) throw TokenizerError(source_ + ": added_tokens is not a list");
    for (const auto& item : list) {
        AddedToken t;
        t.content = jsonutil::str(item, "content", "added_tokens entry", source_);
        const auto& id = jsonutil::field(item, "id", "added_tokens entry", source_);
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxAddedId)
            throw TokenizerError(source_ + ": added token \"" + t.content + "\" has no valid id");
        t.id = static_cast<int32_t>(id.get<int64_t>());
        t.special = jsonutil::boolOr(item, "special", false);
        t.singleWord = jsonutil::boolOr(item, "single_word", false);
        t.lstrip = jsonutil::boolOr(item, "lstrip", false);
        t.rstrip = jsonutil::boolOr(item, "rstrip", false);
        t.normalized = jsonutil::boolOr(item, "normalized", !t.special);
        added_[t.id] = t;
    }
    // Later entries win for a repeated id, so patterns are registered from the final table.
    std::vector<const AddedToken*> ordered;
    for (const auto& [id, t] : added_) ordered.push_back(&t);
    std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->id < b->id; });
    for (const AddedToken* t : ordered) {
        if (t->normalized && normalizer_) {
            normalizedMatcher_.add(normalizer_->normalized(t->content), *t);
        } else if (t->normalized) {
            normalizedMatcher_.add(t->content, *t);
        } else {
            rawMatcher_.add(t->content, *t);
        }
    }
}

std::optional<int32_t> HfTokenizer::idOf(const std::string& token) const {
    for (const auto& [id, t] : added_)
        if (t.content == token) return id;
    return model_->tokenId(token);
}

void HfTokenizer::loadPostProcessor(const nlohmann::json& j, int depth) {
    if (j.is_null()) return;
    jsonutil::checkDepth(depth, "post_processor", source_);
    const std::string type = jsonutil::type(j, "post_processor", source_);
    if (type == "ByteLevel") return;  // only adjusts offsets
    if (type == "TemplateProcessing") {
        const auto& single = jsonutil::field(j, "single", "post_processor", source_);
        const auto& specials = j.contains("special_tokens") ? j["special_tokens"] : nlohmann::json::object();
        if (!single.is_array()) throw TokenizerError(source_ + ": post_processor.single is not a list");
        std::vector<int32_t> before, after;
        bool seenSequence = false;
        for (const auto& piece : single) {
            if (piece.is_object() && piece.contains("Sequence")) {
                seenSequence = true;
                continue;
            }
            if (!piece.is_object() || !piece.contains("SpecialToken"))
                throw TokenizerError(source_ + ": post_processor.single has an item that is neither Sequence nor SpecialToken");
            const std::string name = jsonutil::str(piece["SpecialToken"], "id", "post_processor SpecialToken", source_);
            std::vector<int32_t> ids;
            if (specials.is_object() && specials.contains(name) && specials[name].contains("ids")) {
                for (const auto& v : specials[name]["ids"]) {
                    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= kMaxAddedId)
                        throw TokenizerError(source_ + ": post_processor special token \"" + name + "\" has a bad id");
                    ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
                }
            } else if (auto id = idOf(name)) {
                ids.push_back(*id);
            } else {
                throw TokenizerError(source_ + ": post_processor uses unknown special token \"" + name + "\"");
            }
            auto& dst = seenSequence ? after : before;
            dst.insert(dst.end(), ids.begin(), ids.end());
        }
        prefixIds_.insert(prefixIds_.begin(), before.begin(), before.end());
        suffixIds_.insert(suffixIds_.end(), after.begin(), after.end());
        return;
    }
    if (type == "RobertaProcessing" || type == "BertProcessing") {
        auto idField = [&](const char* key) {
            const auto& v = jsonutil::field(j, key, "post_processor", source_);
            if (!v.is_array() || v.size() != 2 || !v[1].is_number_integer() || v[1].get<int64_t>() < 0 ||
                v[1].get<int64_t>() >= kMaxAddedId)
                throw TokenizerError(source_ + ": post_processor." + key + " is not [token, id]");
            return static_cast<int32_t>(v[1].get<int64_t>());
        };
        prefixIds_.insert(prefixIds_.begin(), idField("cls"));
        suffixIds_.push_back(idField("sep"));
        return;
    }
    if (type == "Sequence") {
        const auto& list = jsonutil::field(j, "processors", "post_processor", source_);
        if (!list.is_array()) throw TokenizerError(source_ + ": post_processor Sequence.processors is not a list");
        for (const auto& p : list) loadPostProcessor(p, depth + 1);
        return;
    }
    throw TokenizerError(source_ + ": unsupported post_processor type \"" + type + "\"");
}

void HfTokenizer::resolveBosEos(const nlohmann::json& config) {
    auto fromConfig = [&](const char* key, std::optional<int32_t>& out) {
        if (!config.is_object() || !config.contains(key)) return false;
        const auto& v = config[key];
        std::string name;
        if (v.is_string()) name = v.get<std::string>();
        else if (v.is_object()) name = jsonutil::strOr(v, "content", "");
        if (!name.empty()) out = idOf(name);
        return true;  // an explicit null means "none", not "guess"
    };
    auto firstKnown = [&](std::initializer_list<const char*> names) -> std::optional<int32_t> {
        for (const char* n : names)
            if (auto id = idOf(n)) return id;
        return std::nullopt;
    };
    if (!fromConfig("bos_token", bos_)) {
        if (!prefixIds_.empty()) bos_ = prefixIds_.front();
        else bos_ = firstKnown({"<|begin_of_text|>", "<s>", "<bos>"});
    }
    if (!fromConfig("eos_token", eos_)) eos_ = firstKnown({"<|end_of_text|>", "</s>", "<|endoftext|>", "<eos>"});
}

// text starts at byte base of the whole input; its ids and offsets are appended to out.
void HfTokenizer::encodeText(std::string_view text, size_t base, Encoding& out) const {
    AlignedText normalized = AlignedText::original(text, base);
    if (normalizer_) normalizer_->normalize(normalized);
    std::vector<Offsets> spans;
    for (const Segment& seg : normalizedMatcher_.split(normalized.text)) {
        if (seg.end == seg.begin) continue;
        if (seg.id >= 0) {
            out.ids.push_back(seg.id);
            out.offsets.push_back(normalized.origin(seg.begin, seg.end));
            continue;
        }
        // tokenizers drops empty splits before pre-tokenizing, so Metaspace adds no lone "▁".
        std::vector<Piece> pieces{{normalized.slice(seg.begin, seg.end), base == 0 && seg.begin == 0}};
        if (preTokenizer_) preTokenizer_->apply(pieces);
        for (const Piece& p : pieces) {
            const size_t first = out.ids.size();
            model_->encode(p.text.text, out.ids);
            spans.clear();
            model_->spans(p.text.text, out.ids.data() + first, out.ids.size() - first, spans);
            for (const auto& [b, e] : spans)
                out.offsets.push_back(p.text.origin(b, e));  // spans are never empty
        }
    }
}

Tokenizer::Encoding HfTokenizer::encodeWithOffsets(std::string_view input, bool addSpecial) const {
    const std::string text = utf8::sanitize(input);
    Encoding out;
    out.ids.reserve(text.size() / 3 + 4);
    out.offsets.reserve(text.size() / 3 + 4);
    if (addSpecial) {
        out.ids = prefixIds_;
        out.offsets.assign(prefixIds_.size(), Offsets{0, 0});
    }
    for (const Segment& seg : rawMatcher_.split(text)) {
        if (seg.id >= 0) {
            out.ids.push_back(seg.id);
            out.offsets.emplace_back(seg.begin, seg.end);
        } else if (seg.end > seg.begin) {
            encodeText(std::string_view(text).substr(seg.begin, seg.end - seg.begin), seg.begin, out);
        }
    }
    if (addSpecial) {
        out.ids.insert(out.ids.end(), suffixIds_.begin(), suffixIds_.end());
        out.offsets.insert(out.offsets.end(), suffixIds_.size(), Offsets{text.size(), text.size()});
    }
    return out;
}

std::string HfTokenizer::decode(const std::vector<int32_t>& ids, bool skipSpecial) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
        auto a = added_.find(id);
        if (a != added_.end()) {
            if (!(skipSpecial && a->second.special)) tokens.push_back(a->second.content);
        } else if (const std::string* t = model_->tokenString(id)) {
            tokens.push_back(*t);
        }
    }
    std::string out;
    if (decoder_) {
        for (const auto& t : decoder_->decodeChain(std::move(tokens))) out += t;
    } else {
        for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    }
    return utf8::sanitize(out);
}

std::string HfTokenizer::tokenText(int32_t id) const {
    auto a = added_.find(id);
    if (a != added_.end()) return a->second.content;
    const std::string* t = model_->tokenString(id);
    if (!t) return {};
    if (byteLevel_) {
        std::string bytes;
        if (bytelevel::tryDecode(*t, bytes)) return displayBytes(bytes);
        return *t;
    }
    const int byte = parseByteToken(*t);
    if (byte >= 0 && model_->byteFallback()) return displayBytes(std::string(1, char(byte)));
    std::string out;
    for (size_t pos = 0;;) {
        const size_t hit = t->find(kMetaspace, pos);
        out.append(*t, pos, hit == std::string::npos ? std::string::npos : hit - pos);
        if (hit == std::string::npos) break;
        out += ' ';
        pos = hit + 3;
    }
    return out;
}

}  // namespace gateau::tok
