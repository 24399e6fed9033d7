#pragma once
// tokenizer.json "decoder" section: token strings back to text.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace gateau::tok {

class Decoder {
public:
    virtual ~Decoder() = default;
    // Same contract as tokenizers' Decoder::decode_chain: a token list in, a token list out.
    virtual std::vector<std::string> decodeChain(std::vector<std::string> tokens) const = 0;
};

// Null json -> nullptr (tokens are then joined as they are). Unsupported types throw TokenizerError.
std::unique_ptr<Decoder> makeDecoder(const nlohmann::json& j, const std::string& sourceName, int depth = 0);

}  // namespace gateau::tok
