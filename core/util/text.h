#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace gateau::util {

// Number of Unicode code points in valid UTF-8 (counts non-continuation bytes).
size_t utf8Length(std::string_view s);

// At most `maxChars` code points of `s`, never cutting a multi-byte sequence;
// newlines and tabs become spaces so the result fits on one table row.
std::string oneLinePrefix(std::string_view s, size_t maxChars);

// Appends `s` as a JSON string literal (quotes included) to `out`.
void appendJsonString(std::string& out, std::string_view s);

}  // namespace gateau::util
