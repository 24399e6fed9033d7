#include "core/tokenizer/aligned_text.h"

#include <algorithm>

#include "core/tokenizer/utf8.h"

namespace gateau::tok {

AlignedText AlignedText::original(std::string_view s, size_t base) {
    AlignedText a;
    a.text.assign(s);
    a.from.resize(s.size());
    a.to.resize(s.size());
    for (size_t i = 0; i < s.size();) {
        const size_t len = std::min(utf8::charLen(static_cast<unsigned char>(s[i])), s.size() - i);
        for (size_t k = i; k < i + len; ++k) {
            a.from[k] = uint32_t(base + i);
            a.to[k] = uint32_t(base + i + len);
        }
        i += len;
    }
    return a;
}

void AlignedText::append(std::string_view bytes, uint32_t f, uint32_t t) {
    text.append(bytes);
    from.insert(from.end(), bytes.size(), f);
    to.insert(to.end(), bytes.size(), t);
}

void AlignedText::appendSlice(const AlignedText& src, size_t b, size_t e) {
    text.append(src.text, b, e - b);
    from.insert(from.end(), src.from.begin() + long(b), src.from.begin() + long(e));
    to.insert(to.end(), src.to.begin() + long(b), src.to.begin() + long(e));
}

AlignedText AlignedText::slice(size_t b, size_t e) const {
    AlignedText a;
    a.appendSlice(*this, b, e);
    return a;
}

Offsets AlignedText::origin(size_t b, size_t e) const {
    uint32_t lo = from[b], hi = to[b];
    for (size_t i = b + 1; i < e; ++i) {
        lo = std::min(lo, from[i]);
        hi = std::max(hi, to[i]);
    }
    return {lo, hi};
}

AlignedText AlignedText::prependedWith(std::string_view prefix, uint32_t at) const {
    AlignedText out;
    if (empty()) out.append(prefix, at, at);
    else out.append(prefix, from[0], to[0]);
    out.appendSlice(*this, 0, size());
    return out;
}

}  // namespace gateau::tok
