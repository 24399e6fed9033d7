#pragma once
// tokenizer.json "normalizer" section.
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/tokenizer/aligned_text.h"

namespace gateau::tok {

class Normalizer {
public:
    virtual ~Normalizer() = default;
    // text is valid UTF-8 and stays so; its alignment follows every change (token offsets).
    virtual void normalize(AlignedText& text) const = 0;
    std::string normalized(std::string_view text) const;  // when no offsets are needed
};

// Null json -> nullptr. Unsupported types throw TokenizerError naming sourceName.
std::unique_ptr<Normalizer> makeNormalizer(const nlohmann::json& j, const std::string& sourceName, int depth = 0);

}  // namespace gateau::tok
