// libFuzzer target: arbitrary bytes as a tokenizer.model (SentencePiece ModelProto), then a few
// encodes and decodes. Only TokenizerError may come out of the loader; anything else (a crash,
// another exception, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/tokenizer/sp_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > (1u << 20)) return 0;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto tok = gateau::tok::SpTokenizer::fromBytes(bytes, "fuzz/tokenizer.model");
        for (const char* text : {"", "Hello world", "  <s>ab</s> \n\n 12345 caf\xC3\xA9 \xF0\x9F\x98\x80  ", "\xFF\xC3"}) {
            const auto ids = tok->encode(text, true);
            (void)tok->decode(ids, false);
            (void)tok->decode(ids, true);
            for (int32_t id : ids) (void)tok->tokenText(id);
        }
        (void)tok->tokenText(-1);
        (void)tok->tokenText(tok->vocabSize());
        (void)tok->decode({-1, 0, 1, tok->vocabSize() - 1, tok->vocabSize(), 1 << 30}, false);
    } catch (const gateau::tok::TokenizerError&) {
    }
    return 0;
}
