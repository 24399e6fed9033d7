#pragma once
// Display text for one token, shared by both tokenizer kinds.
#include <string>
#include <string_view>

namespace gateau::tok {

// Valid UTF-8 stays as it is; every byte of a broken sequence (a token holding part of a
// multi-byte char) becomes "<0xNN>".
std::string displayBytes(std::string_view bytes);

// Parses "<0xNN>"; returns -1 for anything else.
int parseByteToken(std::string_view token);

}  // namespace gateau::tok
