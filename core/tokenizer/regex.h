#pragma once
// PCRE2 wrapper standing in for the Oniguruma regexes of tokenizer.json.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gateau::tok {

using Span = std::pair<size_t, size_t>;  // [begin, end) byte offsets

class Regex {
public:
    // Throws TokenizerError naming sourceName when the pattern does not compile.
    Regex(const std::string& pattern, const std::string& sourceName);
    ~Regex();
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    // Non-overlapping matches, left to right, in valid UTF-8 text; empty matches included.
    std::vector<Span> findAll(std::string_view s) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Rewrites \s and \S so that they mean Unicode White_Space, as in Oniguruma (PCRE2 leaves out U+0085).
std::string onigToPcre2(const std::string& pattern);

}  // namespace gateau::tok
