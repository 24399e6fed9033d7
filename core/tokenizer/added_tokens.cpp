#include "core/tokenizer/added_tokens.h"

#include <algorithm>

#include "core/tokenizer/unicode.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {

size_t prevCharStart(std::string_view s, size_t end) {
    size_t i = end - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return i;
}

bool isWordChar(char32_t c) { return c == '_' || unicode::isAlphanumeric(c); }

bool endsWithWord(std::string_view s, size_t end) {
    return end > 0 && isWordChar(utf8::decodeAt(s, prevCharStart(s, end)));
}

bool startsWithWord(std::string_view s, size_t begin) {
    return begin < s.size() && isWordChar(utf8::decodeAt(s, begin));
}

}  // namespace

void AddedTokenMatcher::add(const std::string& pattern, const AddedToken& token) {
    if (pattern.empty()) return;
    int32_t node = 0;
    for (unsigned char c : pattern) {
        auto it = nodes_[node].next.find(c);
        if (it == nodes_[node].next.end()) {
            nodes_.push_back(Node{});
            const auto created = static_cast<int32_t>(nodes_.size() - 1);
            nodes_[node].next.emplace(c, created);
            node = created;
        } else {
            node = it->second;
        }
    }
    if (nodes_[node].token < 0) {
        nodes_[node].token = static_cast<int32_t>(tokens_.size());
        tokens_.push_back(token);
    }
}

// Ported from tokenizers' AddedVocabulary::find_matches.
std::vector<Segment> AddedTokenMatcher::split(std::string_view s) const {
    std::vector<Segment> out;
    if (empty() || s.empty()) {
        out.push_back({-1, 0, s.size()});
        return out;
    }
    size_t startOffset = 0;
    for (size_t i = 0; i < s.size();) {
        int32_t node = 0, found = -1;
        size_t foundEnd = 0;
        for (size_t j = i; j < s.size(); ++j) {
            auto it = nodes_[node].next.find(static_cast<unsigned char>(s[j]));
            if (it == nodes_[node].next.end()) break;
            node = it->second;
            if (nodes_[node].token >= 0) {
                found = nodes_[node].token;
                foundEnd = j + 1;
            }
        }
        if (found < 0) {
            ++i;
            continue;
        }
        const AddedToken& tok = tokens_[found];
        size_t start = i, stop = foundEnd;
        i = foundEnd;
        if (start < startOffset) continue;  // inside whitespace an earlier rstrip took
        if (tok.singleWord && (endsWithWord(s, start) || startsWithWord(s, stop))) continue;
        if (tok.lstrip) {
            size_t b = start;
            while (b > startOffset) {
                const size_t p = prevCharStart(s, b);
                if (!unicode::isWhitespace(utf8::decodeAt(s, p))) break;
                b = p;
            }
            start = b;
        }
        if (tok.rstrip) {
            while (stop < s.size()) {
                if (!unicode::isWhitespace(utf8::decodeAt(s, stop))) break;
                stop += utf8::charLen(static_cast<unsigned char>(s[stop]));
            }
            i = std::max(i, stop);
        }
        if (startOffset < start) out.push_back({-1, startOffset, start});
        out.push_back({tok.id, start, stop});
        startOffset = stop;
    }
    if (startOffset != s.size()) out.push_back({-1, startOffset, s.size()});
    return out;
}

}  // namespace gateau::tok
