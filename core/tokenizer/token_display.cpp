#include "core/tokenizer/token_display.h"

#include <cstdio>

#include "core/tokenizer/utf8.h"

namespace gateau::tok {

std::string displayBytes(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (size_t i = 0; i < bytes.size();) {
        const size_t len = utf8::validSeqLen(bytes, i);
        if (len > 0) {
            out.append(bytes.data() + i, len);
            i += len;
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "<0x%02X>", static_cast<unsigned char>(bytes[i]));
            out += buf;
            ++i;
        }
    }
    return out;
}

int parseByteToken(std::string_view t) {
    if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
    int v = 0;
    for (size_t k = 3; k < 5; ++k) {
        const char c = t[k];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

}  // namespace gateau::tok
