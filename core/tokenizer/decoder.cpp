#include "core/tokenizer/decoder.h"

#include <algorithm>

#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/json_util.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {

std::string replaceAll(const std::string& s, const std::string& from, const std::string& to) {
    if (from.empty()) return s;
    std::string out;
    size_t pos = 0;
    for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
        out.append(s, pos, hit - pos);
        out += to;
    }
    out.append(s, pos, std::string::npos);
    return out;
}

class ByteLevelDecoder final : public Decoder {
public:
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override {
        std::string bytes, one;
        for (const auto& t : tokens) {
            // Tokens with chars outside the byte table (added tokens) pass through unchanged.
            if (bytelevel::tryDecode(t, one))
                bytes += one;
            else
                bytes += t;
        }
        return {utf8::sanitize(bytes)};
    }
};

class ReplaceDecoder final : public Decoder {
public:
    ReplaceDecoder(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override {
        for (auto& t : tokens) t = replaceAll(t, from_, to_);
        return tokens;
    }

private:
    std::string from_, to_;
};

class ByteFallbackDecoder final : public Decoder {
public:
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override {
        std::vector<std::string> out;
        std::string pending;
        auto flush = [&] {
            if (pending.empty()) return;
            if (utf8::isValid(pending)) {
                out.push_back(pending);
            } else {
                for (size_t i = 0; i < pending.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
            }
            pending.clear();
        };
        for (auto& t : tokens) {
            int byte = -1;
            if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') byte = parseHex(t[3], t[4]);
            if (byte >= 0) {
                pending += char(byte);
            } else {
                flush();
                out.push_back(std::move(t));
            }
        }
        flush();
        return out;
    }

private:
    static int hexDigit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }
    static int parseHex(char a, char b) {
        const int x = hexDigit(a), y = hexDigit(b);
        return x < 0 || y < 0 ? -1 : x * 16 + y;
    }
};

class FuseDecoder final : public Decoder {
public:
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override {
        std::string all;
        for (const auto& t : tokens) all += t;
        return {all};
    }
};

class StripDecoder final : public Decoder {
public:
    StripDecoder(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override {
        if (content_.empty()) return tokens;
        for (auto& t : tokens) {
            size_t b = 0, e = t.size();
            for (size_t k = 0; k < start_ && t.compare(b, content_.size(), content_) == 0 && b < e; ++k)
                b += content_.size();
            for (size_t k = 0; k < stop_ && e >= b + content_.size() &&
                               t.compare(e - content_.size(), content_.size(), content_) == 0;
                 ++k)
                e -= content_.size();
            t = t.substr(b, e - b);
        }
        return tokens;
    }

private:
    std::string content_;
    size_t start_, stop_;
};

class MetaspaceDecoder final : public Decoder {
public:
    MetaspaceDecoder(std::string replacement, bool stripFirst)
        : replacement_(std::move(replacement)), stripFirst_(stripFirst) {}
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override {
        for (size_t i = 0; i < tokens.size(); ++i) {
            tokens[i] = replaceAll(tokens[i], replacement_, " ");
            if (i == 0 && stripFirst_ && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
        }
        return tokens;
    }

private:
    std::string replacement_;
    bool stripFirst_;
};

class SequenceDecoder final : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override {
        for (const auto& p : parts_) tokens = p->decodeChain(std::move(tokens));
        return tokens;
    }

private:
    std::vector<std::unique_ptr<Decoder>> parts_;
};

size_t countOr(const nlohmann::json& j, const char* key, size_t fallback) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) return fallback;
    return static_cast<size_t>(std::min<uint64_t>(it->get<uint64_t>(), 1u << 20));
}

}  // namespace

std::unique_ptr<Decoder> makeDecoder(const nlohmann::json& j, const std::string& src, int depth) {
    if (j.is_null()) return nullptr;
    const std::string where = "decoder";
    jsonutil::checkDepth(depth, where, src);
    const std::string type = jsonutil::type(j, where, src);
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Replace") {
        std::string pattern;
        if (jsonutil::pattern(j, where, src, pattern))
            throw TokenizerError(src + ": decoder Replace with a regex pattern is not supported");
        return std::make_unique<ReplaceDecoder>(pattern, jsonutil::str(j, "content", where, src));
    }
    if (type == "Strip")
        return std::make_unique<StripDecoder>(jsonutil::strOr(j, "content", " "), countOr(j, "start", 0),
                                              countOr(j, "stop", 0));
    if (type == "Metaspace") {
        const std::string scheme = jsonutil::strOr(j, "prepend_scheme", "");
        const bool strip = scheme.empty() ? jsonutil::boolOr(j, "add_prefix_space", true) : scheme != "never";
        return std::make_unique<MetaspaceDecoder>(jsonutil::strOr(j, "replacement", "\xE2\x96\x81"), strip);
    }
    if (type == "Sequence") {
        const auto& list = jsonutil::field(j, "decoders", where, src);
        if (!list.is_array()) throw TokenizerError(src + ": decoder Sequence.decoders is not a list");
        std::vector<std::unique_ptr<Decoder>> parts;
        for (const auto& item : list)
            if (auto d = makeDecoder(item, src, depth + 1)) parts.push_back(std::move(d));
        return std::make_unique<SequenceDecoder>(std::move(parts));
    }
    throw TokenizerError(src + ": unsupported decoder type \"" + type + "\"");
}

}  // namespace gateau::tok
