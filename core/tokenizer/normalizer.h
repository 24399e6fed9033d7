#pragma once
// tokenizer.json "normalizer" section.
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace gateau::tok {

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void normalize(std::string& text) const = 0;  // text is valid UTF-8 and stays so
};

// Null json -> nullptr. Unsupported types throw TokenizerError naming sourceName.
std::unique_ptr<Normalizer> makeNormalizer(const nlohmann::json& j, const std::string& sourceName, int depth = 0);

}  // namespace gateau::tok
