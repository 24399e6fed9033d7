#include "core/tokenizer/split.h"

#include <algorithm>

namespace gateau::tok {

std::vector<std::pair<Span, bool>> markMatches(const std::vector<Span>& matches, size_t length) {
    std::vector<std::pair<Span, bool>> out;
    if (length == 0) {
        out.push_back({{0, 0}, false});
        return out;
    }
    out.reserve(matches.size() * 2 + 1);
    size_t prev = 0;
    for (const auto& [b, e] : matches) {
        if (prev != b) out.push_back({{prev, b}, false});
        out.push_back({{b, e}, true});
        prev = e;
    }
    if (prev != length) out.push_back({{prev, length}, false});
    return out;
}

// Ported from tokenizers' NormalizedString::split so edge cases (empty matches, runs) behave the same.
std::vector<Span> applyBehavior(std::vector<std::pair<Span, bool>> marked, SplitBehavior behavior, bool invert) {
    if (invert)
        for (auto& m : marked) m.second = !m.second;
    std::vector<std::pair<Span, bool>> splits;
    switch (behavior) {
    case SplitBehavior::Isolated:
        for (auto& m : marked) splits.push_back({m.first, false});
        break;
    case SplitBehavior::Removed:
        splits = std::move(marked);
        break;
    case SplitBehavior::Contiguous: {
        bool previousMatch = false;
        for (auto& [span, isMatch] : marked) {
            if (isMatch == previousMatch && !splits.empty())
                splits.back().first.second = span.second;
            else
                splits.push_back({span, false});
            previousMatch = isMatch;
        }
        break;
    }
    case SplitBehavior::MergedWithPrevious: {
        bool previousMatch = false;
        for (auto& [span, isMatch] : marked) {
            if (isMatch && !previousMatch && !splits.empty())
                splits.back().first.second = span.second;
            else
                splits.push_back({span, false});
            previousMatch = isMatch;
        }
        break;
    }
    case SplitBehavior::MergedWithNext: {
        bool previousMatch = false;
        for (auto it = marked.rbegin(); it != marked.rend(); ++it) {
            const auto& [span, isMatch] = *it;
            if (isMatch && !previousMatch && !splits.empty())
                splits.back().first.first = span.first;
            else
                splits.push_back({span, false});
            previousMatch = isMatch;
        }
        std::reverse(splits.begin(), splits.end());
        break;
    }
    }
    std::vector<Span> out;
    out.reserve(splits.size());
    for (const auto& [span, removed] : splits)
        if (!removed && span.second > span.first) out.push_back(span);
    return out;
}

}  // namespace gateau::tok
