#include "core/tokenizer/normalizer.h"

#include <vector>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/regex.h"
#include "core/tokenizer/unicode.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {

class UnicodeForm final : public Normalizer {
public:
    explicit UnicodeForm(unicode::Form f) : form_(f) {}
    void normalize(std::string& t) const override { t = unicode::normalize(t, form_); }

private:
    unicode::Form form_;
};

class Lowercase final : public Normalizer {
public:
    void normalize(std::string& t) const override { t = unicode::lowercase(t); }
};

class StripAccents final : public Normalizer {
public:
    void normalize(std::string& t) const override { t = unicode::stripAccents(t); }
};

class Strip final : public Normalizer {
public:
    Strip(bool left, bool right) : left_(left), right_(right) {}
    void normalize(std::string& t) const override {
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
        t = t.substr(b, e - b);
    }

private:
    bool left_, right_;
};

class Prepend final : public Normalizer {
public:
    explicit Prepend(std::string p) : prefix_(std::move(p)) {}
    // Like HF: an empty string stays empty, so an empty text gets no lone "▁".
    void normalize(std::string& t) const override {
        if (!t.empty()) t.insert(0, prefix_);
    }

private:
    std::string prefix_;
};

class ReplaceString final : public Normalizer {
public:
    ReplaceString(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
    void normalize(std::string& t) const override {
        if (from_.empty() || t.find(from_) == std::string::npos) return;
        std::string out;
        out.reserve(t.size() + t.size() / 4);
        size_t pos = 0;
        for (size_t hit; (hit = t.find(from_, pos)) != std::string::npos; pos = hit + from_.size()) {
            out.append(t, pos, hit - pos);
            out += to_;
        }
        out.append(t, pos, std::string::npos);
        t.swap(out);
    }

private:
    std::string from_, to_;
};

class ReplaceRegex final : public Normalizer {
public:
    ReplaceRegex(const std::string& pattern, std::string to, const std::string& sourceName)
        : re_(pattern, sourceName), to_(std::move(to)) {}
    void normalize(std::string& t) const override {
        std::string out;
        size_t pos = 0;
        for (const auto& [b, e] : re_.findAll(t)) {
            if (e == b) continue;  // HF's replace skips empty matches
            out.append(t, pos, b - pos);
            out += to_;
            pos = e;
        }
        out.append(t, pos, std::string::npos);
        t.swap(out);
    }

private:
    Regex re_;
    std::string to_;
};

class SequenceNormalizer final : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
    void normalize(std::string& t) const override {
        for (const auto& p : parts_) p->normalize(t);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

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
