#include "core/util/text.h"

#include <cstdint>
#include <cstring>

namespace gateau::util {

size_t utf8Length(std::string_view s) {
    // Eight bytes at a time: a continuation byte has bit 7 set and bit 6 clear. This runs
    // over every imported record, so it is worth the word trick.
    size_t continuation = 0, i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        continuation += size_t(__builtin_popcountll(x & ~(x << 1) & 0x8080808080808080ull));
    }
    for (; i < s.size(); ++i) continuation += (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
    return s.size() - continuation;
}

std::string oneLinePrefix(std::string_view s, size_t maxChars) {
    std::string out;
    size_t chars = 0;
    bool lastSpace = false;
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        bool lead = (c & 0xC0) != 0x80;
        if (lead && chars == maxChars) break;
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            if (!lastSpace && !out.empty()) out += ' ';
            lastSpace = true;
            ++chars;
            continue;
        }
        lastSpace = false;
        out += char(c);
        chars += lead;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

void appendJsonString(std::string& out, std::string_view s) {
    static const char* hex = "0123456789abcdef";
    out += '"';
    // Copy runs of bytes that need no escaping in one append: records are megabytes of text.
    size_t run = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

}  // namespace gateau::util
