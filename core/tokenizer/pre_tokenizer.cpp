#include "core/tokenizer/pre_tokenizer.h"

#include <functional>

#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/json_util.h"
#include "core/tokenizer/regex.h"
#include "core/tokenizer/split.h"
#include "core/tokenizer/unicode.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kMetaspace = "\xE2\x96\x81";  // ▁

using Matcher = std::function<std::vector<Span>(std::string_view)>;

// Splits every piece with the matcher; pieces derived from the first piece keep its start flag.
void splitPieces(std::vector<Piece>& pieces, const Matcher& match, SplitBehavior behavior, bool invert) {
    std::vector<Piece> out;
    out.reserve(pieces.size() * 2);
    for (auto& p : pieces) {
        const auto spans = applyBehavior(markMatches(match(p.text.text), p.text.size()), behavior, invert);
        for (const auto& [b, e] : spans) out.push_back({p.text.slice(b, e), p.atTextStart && b == 0});
    }
    pieces.swap(out);
}

Matcher charMatcher(std::function<bool(char32_t)> pred) {
    return [pred = std::move(pred)](std::string_view s) {
        std::vector<Span> spans;
        for (size_t i = 0; i < s.size();) {
            const size_t len = utf8::charLen(static_cast<unsigned char>(s[i]));
            if (pred(utf8::decodeAt(s, i))) spans.emplace_back(i, i + len);
            i += len;
        }
        return spans;
    };
}

Matcher literalMatcher(std::string lit) {
    return [lit = std::move(lit)](std::string_view s) {
        std::vector<Span> spans;
        if (lit.empty()) return spans;
        for (size_t pos = 0; (pos = s.find(lit, pos)) != std::string_view::npos; pos += lit.size())
            spans.emplace_back(pos, pos + lit.size());
        return spans;
    };
}

Matcher regexMatcher(const std::shared_ptr<Regex>& re) {
    return [re](std::string_view s) { return re->findAll(s); };
}

SplitBehavior parseBehavior(const nlohmann::json& j, const std::string& src, SplitBehavior fallback) {
    if (!j.is_object() || !j.contains("behavior")) return fallback;
    const auto& v = j["behavior"];
    const std::string b = v.is_string() ? v.get<std::string>() : std::string();
    if (b == "Removed") return SplitBehavior::Removed;
    if (b == "Isolated") return SplitBehavior::Isolated;
    if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (b == "Contiguous") return SplitBehavior::Contiguous;
    throw TokenizerError(src + ": pre_tokenizer has unknown split behavior \"" + b + "\"");
}

class SplitPre final : public PreTokenizer {
public:
    SplitPre(Matcher m, SplitBehavior b, bool invert) : match_(std::move(m)), behavior_(b), invert_(invert) {}
    void apply(std::vector<Piece>& pieces) const override { splitPieces(pieces, match_, behavior_, invert_); }

private:
    Matcher match_;
    SplitBehavior behavior_;
    bool invert_;
};

class ByteLevelPre final : public PreTokenizer {
public:
    ByteLevelPre(bool addPrefixSpace, bool useRegex, const std::string& src)
        : addPrefixSpace_(addPrefixSpace), regex_(useRegex ? std::make_shared<Regex>(kGpt2Pattern, src) : nullptr) {}
    void apply(std::vector<Piece>& pieces) const override {
        if (addPrefixSpace_)
            for (auto& p : pieces)
                if (p.text.empty() || p.text.text[0] != ' ') p.text = p.text.prependedWith(" ");
        if (regex_) splitPieces(pieces, regexMatcher(regex_), SplitBehavior::Isolated, false);
        for (auto& p : pieces) {
            AlignedText mapped;
            for (size_t i = 0; i < p.text.size(); ++i)
                mapped.append(bytelevel::byteToChars(static_cast<unsigned char>(p.text.text[i])), p.text.from[i], p.text.to[i]);
            p.text = std::move(mapped);
        }
    }

private:
    bool addPrefixSpace_;
    std::shared_ptr<Regex> regex_;
};

class MetaspacePre final : public PreTokenizer {
public:
    enum class Prepend { Always, First, Never };
    MetaspacePre(std::string replacement, Prepend prepend, bool split)
        : replacement_(std::move(replacement)), prepend_(prepend), split_(split) {}
    void apply(std::vector<Piece>& pieces) const override {
        for (auto& p : pieces) {
            AlignedText out;
            out.text.reserve(p.text.size() + replacement_.size());
            for (size_t i = 0; i < p.text.size(); ++i) {
                if (p.text.text[i] == ' ')
                    out.append(replacement_, p.text.from[i], p.text.to[i]);
                else
                    out.appendSlice(p.text, i, i + 1);
            }
            const bool startsWith = out.text.compare(0, replacement_.size(), replacement_) == 0;
            if (!startsWith && (prepend_ == Prepend::Always || (prepend_ == Prepend::First && p.atTextStart)))
                out = out.prependedWith(replacement_);
            p.text = std::move(out);
        }
        if (split_) splitPieces(pieces, literalMatcher(replacement_), SplitBehavior::MergedWithNext, false);
    }

private:
    std::string replacement_;
    Prepend prepend_;
    bool split_;
};

class SequencePre final : public PreTokenizer {
public:
    explicit SequencePre(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
    void apply(std::vector<Piece>& pieces) const override {
        for (const auto& p : parts_) p->apply(pieces);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

std::unique_ptr<PreTokenizer> makeMetaspace(const nlohmann::json& j, const std::string& src) {
    std::string replacement = jsonutil::strOr(j, "replacement", kMetaspace);
    if (replacement.empty() || !utf8::isValid(replacement) ||
        utf8::charLen(static_cast<unsigned char>(replacement[0])) != replacement.size())
        throw TokenizerError(src + ": Metaspace replacement must be one character");
    auto prepend = MetaspacePre::Prepend::Always;
    const std::string scheme = jsonutil::strOr(j, "prepend_scheme", "");
    if (scheme == "first")
        prepend = MetaspacePre::Prepend::First;
    else if (scheme == "never")
        prepend = MetaspacePre::Prepend::Never;
    else if (scheme.empty() && !jsonutil::boolOr(j, "add_prefix_space", true))
        prepend = MetaspacePre::Prepend::Never;
    return std::make_unique<MetaspacePre>(std::move(replacement), prepend, jsonutil::boolOr(j, "split", true));
}

}  // namespace

std::unique_ptr<PreTokenizer> makePreTokenizer(const nlohmann::json& j, const std::string& src, int depth) {
    if (j.is_null()) return nullptr;
    const std::string where = "pre_tokenizer";
    jsonutil::checkDepth(depth, where, src);
    const std::string type = jsonutil::type(j, where, src);
    if (type == "Split") {
        std::string pattern;
        const bool isRegex = jsonutil::pattern(j, where, src, pattern);
        const auto behavior = parseBehavior(j, src, SplitBehavior::Isolated);
        const bool invert = jsonutil::boolOr(j, "invert", false);
        Matcher m = isRegex ? regexMatcher(std::make_shared<Regex>(pattern, src)) : literalMatcher(pattern);
        return std::make_unique<SplitPre>(std::move(m), behavior, invert);
    }
    if (type == "ByteLevel")
        return std::make_unique<ByteLevelPre>(jsonutil::boolOr(j, "add_prefix_space", true),
                                              jsonutil::boolOr(j, "use_regex", true), src);
    if (type == "Digits") {
        const bool individual = jsonutil::boolOr(j, "individual_digits", false);
        return std::make_unique<SplitPre>(charMatcher(unicode::isNumeric),
                                          individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous, false);
    }
    if (type == "Metaspace") return makeMetaspace(j, src);
    if (type == "Whitespace")
        return std::make_unique<SplitPre>(regexMatcher(std::make_shared<Regex>(R"(\w+|[^\w\s]+)", src)),
                                          SplitBehavior::Removed, true);
    if (type == "WhitespaceSplit")
        return std::make_unique<SplitPre>(charMatcher(unicode::isWhitespace), SplitBehavior::Removed, false);
    if (type == "Punctuation")
        return std::make_unique<SplitPre>(charMatcher(unicode::isPunctuation),
                                          parseBehavior(j, src, SplitBehavior::Isolated), false);
    if (type == "CharDelimiterSplit") {
        const std::string d = jsonutil::str(j, "delimiter", where, src);
        return std::make_unique<SplitPre>(literalMatcher(d), SplitBehavior::Removed, false);
    }
    if (type == "Sequence") {
        const auto& list = jsonutil::field(j, "pretokenizers", where, src);
        if (!list.is_array()) throw TokenizerError(src + ": pre_tokenizer Sequence.pretokenizers is not a list");
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        for (const auto& item : list)
            if (auto p = makePreTokenizer(item, src, depth + 1)) parts.push_back(std::move(p));
        return std::make_unique<SequencePre>(std::move(parts));
    }
    throw TokenizerError(src + ": unsupported pre_tokenizer type \"" + type + "\"");
}

}  // namespace gateau::tok
