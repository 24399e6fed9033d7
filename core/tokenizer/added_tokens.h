#pragma once
// Added / special tokens: found in the text before normalisation and never split by the model.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gateau::tok {

struct AddedToken {
    std::string content;
    int32_t id = -1;
    bool special = false;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
};

struct Segment {
    int32_t id = -1;        // an added token, or -1 for plain text
    size_t begin = 0, end = 0;  // byte range in the string that was split
};

// Leftmost-longest matcher over a set of token strings, like the Aho-Corasick automaton HF uses.
class AddedTokenMatcher {
public:
    // pattern: the string to look for (the token content, normalized for normalized tokens).
    void add(const std::string& pattern, const AddedToken& token);
    bool empty() const { return nodes_.size() <= 1; }
    // Splits s (valid UTF-8) into plain-text and token segments, honouring single_word/lstrip/rstrip.
    std::vector<Segment> split(std::string_view s) const;

private:
    struct Node {
        std::map<unsigned char, int32_t> next;
        int32_t token = -1;  // index into tokens_ when a pattern ends here
    };
    std::vector<Node> nodes_{Node{}};
    std::vector<AddedToken> tokens_;
};

}  // namespace gateau::tok
