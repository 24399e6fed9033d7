#pragma once
// tokenizer.json "pre_tokenizer" section: turns a normalized segment into pieces for the model.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/tokenizer/aligned_text.h"

namespace gateau::tok {

struct Piece {
    AlignedText text;
    bool atTextStart = false;  // begins at offset 0 of the original text (Metaspace "first")
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    virtual void apply(std::vector<Piece>& pieces) const = 0;
};

// Null json -> nullptr. Unsupported types throw TokenizerError naming sourceName.
std::unique_ptr<PreTokenizer> makePreTokenizer(const nlohmann::json& j, const std::string& sourceName, int depth = 0);

}  // namespace gateau::tok
