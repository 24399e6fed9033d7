#pragma once
// Text that remembers where each of its bytes came from in the original input, so that token
// offsets survive normalizers and pre-tokenizers (HF's NormalizedString alignments, reduced to
// what offsets need). Every transform keeps from/to one entry per byte of text.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gateau::tok {

using Offsets = std::pair<size_t, size_t>;  // [begin, end) byte range in the original text

struct AlignedText {
    std::string text;
    // Per byte of text: the original byte range of the character it was made from. A prefix
    // inserted by a transform (a prepended "▁") stands for the character after it, as HF
    // aligns it (prependedWith).
    std::vector<uint32_t> from, to;

    // Identity alignment of s, whose first byte is at original offset base; every byte maps
    // to its whole UTF-8 character (s valid UTF-8).
    static AlignedText original(std::string_view s, size_t base = 0);

    size_t size() const { return text.size(); }
    bool empty() const { return text.empty(); }
    // Appends bytes that all stand for the original range [f, t).
    void append(std::string_view bytes, uint32_t f, uint32_t t);
    // Appends bytes [b, e) of src with their alignment.
    void appendSlice(const AlignedText& src, size_t b, size_t e);
    AlignedText slice(size_t b, size_t e) const;
    // The original range that bytes [b, e) were made from (b < e <= size()).
    Offsets origin(size_t b, size_t e) const;
    // prefix + this, the prefix aligned with the first character (empty text: at offset at).
    AlignedText prependedWith(std::string_view prefix, uint32_t at = 0) const;
};

}  // namespace gateau::tok
