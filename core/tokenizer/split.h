#pragma once
// HF's SplitDelimiterBehavior: how matches of a pattern turn a string into pieces.
#include <string>
#include <utility>
#include <vector>

#include "core/tokenizer/regex.h"

namespace gateau::tok {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// A (span, isMatch) list covering the whole string, built from the match spans.
std::vector<std::pair<Span, bool>> markMatches(const std::vector<Span>& matches, size_t length);
// Spans kept after applying behavior (and invert); empty spans dropped.
std::vector<Span> applyBehavior(std::vector<std::pair<Span, bool>> marked, SplitBehavior behavior, bool invert);

}  // namespace gateau::tok
