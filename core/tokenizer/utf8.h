#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace gateau::tok::utf8 {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
size_t validSeqLen(std::string_view s, size_t i);
// Length of the char starting at s[i] in text already known to be valid UTF-8.
inline size_t charLen(unsigned char lead) {
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}
bool isValid(std::string_view s);
// Copy of s with every invalid byte replaced by U+FFFD.
std::string sanitize(std::string_view s);
char32_t decodeAt(std::string_view s, size_t i);  // s valid UTF-8
void append(std::string& out, char32_t cp);
std::string encode(char32_t cp);

}  // namespace gateau::tok::utf8
