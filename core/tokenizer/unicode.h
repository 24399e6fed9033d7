#pragma once
// Unicode services from utf8proc, shaped the way the tokenizer needs them.
#include <string>
#include <string_view>

namespace gateau::tok::unicode {

enum class Form { NFC, NFD, NFKC, NFKD };
std::string normalize(std::string_view s, Form form);  // s valid UTF-8
std::string lowercase(std::string_view s);
std::string stripAccents(std::string_view s);  // drops combining marks (Mn)
bool isWhitespace(char32_t cp);                // Unicode White_Space, like Rust char::is_whitespace
bool isNumeric(char32_t cp);                   // Nd, Nl, No, like Rust char::is_numeric
bool isPunctuation(char32_t cp);               // P* categories
bool isAlphanumeric(char32_t cp);              // L* or numeric

}  // namespace gateau::tok::unicode
