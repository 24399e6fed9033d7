#pragma once
// GPT-2 byte-to-unicode mapping used by byte-level BPE (Llama-3, Qwen).
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace gateau::tok::bytelevel {

// UTF-8 text of the visible char standing for byte b.
const std::string& byteToChars(unsigned char b);
// Maps every byte of s to its visible char.
std::string encode(std::string_view s);
// Byte for a visible char, or nothing when cp is not in the table.
std::optional<unsigned char> charToByte(char32_t cp);
// Inverse of encode; chars outside the table pass through as their UTF-8 bytes.
std::string decode(std::string_view s);
// Like decode, but reports failure when some char is outside the table.
bool tryDecode(std::string_view s, std::string& out);

}  // namespace gateau::tok::bytelevel
