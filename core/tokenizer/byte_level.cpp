#include "core/tokenizer/byte_level.h"

#include "core/tokenizer/utf8.h"

namespace gateau::tok::bytelevel {
namespace {

struct Tables {
    std::array<std::string, 256> toChars;
    std::array<int, 512> fromCp{};  // every mapped code point is below 0x144

    Tables() {
        fromCp.fill(-1);
        int n = 0;
        for (int b = 0; b < 256; ++b) {
            const bool visible = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            const char32_t cp = visible ? char32_t(b) : char32_t(256 + n++);
            toChars[b] = utf8::encode(cp);
            fromCp[cp] = b;
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

}  // namespace

const std::string& byteToChars(unsigned char b) { return tables().toChars[b]; }

std::string encode(std::string_view s) {
    const auto& t = tables();
    std::string out;
    out.reserve(s.size() * 2);
    for (unsigned char c : s) out += t.toChars[c];
    return out;
}

std::optional<unsigned char> charToByte(char32_t cp) {
    const auto& t = tables();
    if (cp < t.fromCp.size() && t.fromCp[cp] >= 0) return static_cast<unsigned char>(t.fromCp[cp]);
    return std::nullopt;
}

static bool decodeInto(std::string_view s, std::string& out, bool passThrough) {
    out.reserve(out.size() + s.size());
    for (size_t i = 0; i < s.size();) {
        size_t len = utf8::validSeqLen(s, i);
        if (len == 0) {
            if (!passThrough) return false;
            out += s[i++];
            continue;
        }
        const auto b = charToByte(utf8::decodeAt(s, i));
        if (b) {
            out += char(*b);
        } else {
            if (!passThrough) return false;
            out.append(s.data() + i, len);
        }
        i += len;
    }
    return true;
}

std::string decode(std::string_view s) {
    std::string out;
    decodeInto(s, out, true);
    return out;
}

bool tryDecode(std::string_view s, std::string& out) {
    out.clear();
    return decodeInto(s, out, false);
}

}  // namespace gateau::tok::bytelevel
