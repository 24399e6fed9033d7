#pragma once
// Reads tokenizer.json text into an HfTokenizer.
#include <memory>
#include <string>
#include <string_view>

#include "core/tokenizer/tokenizer.h"

namespace gateau::tok {

// configJson: tokenizer_config.json text or empty. Throws TokenizerError naming sourceName.
std::unique_ptr<Tokenizer> loadTokenizerJson(std::string_view json, const std::string& sourceName,
                                             std::string_view configJson);

}  // namespace gateau::tok
