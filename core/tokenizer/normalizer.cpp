#include "core/tokenizer/normalizer.h"

#include <vector>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/regex.h"
#include "core/tokenizer/unicode.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {

// A normalizer that maps each character on its own (lowercase, strip accents): every output
// byte comes from the character it was made from.
template <class F>
void mapChars(AlignedText& t, F map) {
    AlignedText out;
    out.text.reserve(t.size());
    for (size_t i = 0; i < t.size();) {
        const size_t len = utf8::charLen(static_cast<unsigned char>(t.text[i]));
        const Offsets o = t.origin(i, i + len);
        out.append(map(std::string_view(t.text).substr(i, len)), uint32_t(o.first), uint32_t(o.second));
        i += len;
    }
    t = std::move(out);
}

class UnicodeForm final : public Normalizer {
public:
    explicit UnicodeForm(unicode::Form f) : form_(f) {}
    // Composition and reordering reach across characters, so the text is cut into the
    // smallest chunks that normalize independently (a chunk grows while normalizing it with
    // the next character differs from normalizing both apart) and each chunk's output maps
    // to the chunk's input. The concatenation is checked against the whole-text result, so
    // an alignment is exact or the call throws, never silently wrong.
    void normalize(AlignedText& t) const override {
        const std::string whole = unicode::normalize(t.text, form_);
        if (whole == t.text) return;
        const std::string_view s = t.text;
        AlignedText out;
        size_t chunk = 0;  // start of the current chunk in t
        auto emit = [&](size_t end) {
            const Offsets o = t.origin(chunk, end);
            out.append(unicode::normalize(s.substr(chunk, end - chunk), form_), uint32_t(o.first), uint32_t(o.second));
            chunk = end;
        };
        for (size_t i = utf8::charLen(static_cast<unsigned char>(s[0])); i < s.size();) {
            const size_t next = i + utf8::charLen(static_cast<unsigned char>(s[i]));
            const std::string joined = unicode::normalize(s.substr(chunk, next - chunk), form_);
            const std::string apart =
                unicode::normalize(s.substr(chunk, i - chunk), form_) + unicode::normalize(s.substr(i, next - i), form_);
            if (joined == apart) emit(i);
            i = next;
        }
        emit(s.size());
        if (out.text != whole)
            throw TokenizerError("normalizer: cannot align offsets through Unicode normalization of this text");
        t = std::move(out);
    }

private:
    unicode::Form form_;
};

class Lowercase final : public Normalizer {
public:
    void normalize(AlignedText& t) const override {
        mapChars(t, [](std::string_view c) { return unicode::lowercase(c); });
    }
};

class StripAccents final : public Normalizer {
public:
    void normalize(AlignedText& t) const override {
        mapChars(t, [](std::string_view c) { return unicode::stripAccents(c); });
    }
};

class Strip final : public Normalizer {
public:
    Strip(bool left, bool right) : left_(left), right_(right) {}
    void normalize(AlignedText& a) const override {
        const std::string& t = a.text;
        size_t b = 0, e = t.size();
        if (left_) {
            while (b < e) {
                const size_t len = utf8::charLen(static_cast<unsigned char>(t[b]));
                if (!unicode::isWhitespace(utf8::decodeAt(t, b))) break;
                b += len;
            }
        }
        if (right_) {
            while (e > b) {
                size_t s = e - 1;
                while (s > b && (static_cast<unsigned char>(t[s]) & 0xC0) == 0x80) --s;
                if (!unicode::isWhitespace(utf8::decodeAt(t, s))) break;
                e = s;
            }
        }
        a = a.slice(b, e);
    }

private:
    bool left_, right_;
};

class Prepend final : public Normalizer {
public:
    explicit Prepend(std::string p) : prefix_(std::move(p)) {}
    // Like HF: an empty string stays empty, so an empty text gets no lone "▁"; the prefix
    // stands for the first character, as HF aligns it.
    void normalize(AlignedText& t) const override {
        if (!t.empty()) t = t.prependedWith(prefix_);
    }

private:
    std::string prefix_;
};

// Replaces every match by `to`, whose bytes stand for the whole match.
void replaceSpans(AlignedText& t, const std::vector<Span>& matches, const std::string& to) {
    if (matches.empty()) return;
    AlignedText out;
    size_t pos = 0;
    for (const auto& [b, e] : matches) {
        out.appendSlice(t, pos, b);
        const Offsets o = t.origin(b, e);
        out.append(to, uint32_t(o.first), uint32_t(o.second));
        pos = e;
    }
    out.appendSlice(t, pos, t.size());
    t = std::move(out);
}

class ReplaceString final : public Normalizer {
public:
    ReplaceString(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
    void normalize(AlignedText& t) const override {
        if (from_.empty()) return;
        std::vector<Span> hits;
        for (size_t hit = 0; (hit = t.text.find(from_, hit)) != std::string::npos; hit += from_.size())
            hits.emplace_back(hit, hit + from_.size());
        replaceSpans(t, hits, to_);
    }

private:
    std::string from_, to_;
};

class ReplaceRegex final : public Normalizer {
public:
    ReplaceRegex(const std::string& pattern, std::string to, const std::string& sourceName)
        : re_(pattern, sourceName), to_(std::move(to)) {}
    void normalize(AlignedText& t) const override {
        std::vector<Span> hits;
        for (const auto& span : re_.findAll(t.text))
            if (span.second != span.first) hits.push_back(span);  // HF's replace skips empty matches
        replaceSpans(t, hits, to_);
    }

private:
    Regex re_;
    std::string to_;
};

class SequenceNormalizer final : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
    void normalize(AlignedText& t) const override {
        for (const auto& p : parts_) p->normalize(t);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::string Normalizer::normalized(std::string_view text) const {
    AlignedText a = AlignedText::original(text);
    normalize(a);
    return std::move(a.text);
}

std::unique_ptr<Normalizer> makeNormalizer(const nlohmann::json& j, const std::string& src, int depth) {
    if (j.is_null()) return nullptr;
    const std::string where = "normalizer";
    jsonutil::checkDepth(depth, where, src);
    const std::string type = jsonutil::type(j, where, src);
    if (type == "NFC") return std::make_unique<UnicodeForm>(unicode::Form::NFC);
    if (type == "NFD") return std::make_unique<UnicodeForm>(unicode::Form::NFD);
    if (type == "NFKC") return std::make_unique<UnicodeForm>(unicode::Form::NFKC);
    if (type == "NFKD") return std::make_unique<UnicodeForm>(unicode::Form::NFKD);
    if (type == "Lowercase") return std::make_unique<Lowercase>();
    if (type == "StripAccents") return std::make_unique<StripAccents>();
    if (type == "Strip")
        return std::make_unique<Strip>(jsonutil::boolOr(j, "strip_left", true), jsonutil::boolOr(j, "strip_right", true));
    if (type == "Prepend") return std::make_unique<Prepend>(jsonutil::str(j, "prepend", where, src));
    if (type == "Replace") {
        std::string pattern;
        const bool isRegex = jsonutil::pattern(j, where, src, pattern);
        std::string content = jsonutil::str(j, "content", where, src);
        if (!utf8::isValid(pattern) || !utf8::isValid(content))
            throw TokenizerError(src + ": normalizer Replace holds invalid UTF-8");
        if (isRegex) return std::make_unique<ReplaceRegex>(pattern, std::move(content), src);
        return std::make_unique<ReplaceString>(std::move(pattern), std::move(content));
    }
    if (type == "Sequence") {
        const auto& list = jsonutil::field(j, "normalizers", where, src);
        if (!list.is_array()) throw TokenizerError(src + ": normalizer Sequence.normalizers is not a list");
        std::vector<std::unique_ptr<Normalizer>> parts;
        for (const auto& item : list)
            if (auto n = makeNormalizer(item, src, depth + 1)) parts.push_back(std::move(n));
        return std::make_unique<SequenceNormalizer>(std::move(parts));
    }
    throw TokenizerError(src + ": unsupported normalizer type \"" + type + "\"");
}

}  // namespace gateau::tok
