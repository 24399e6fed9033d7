#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/tokenizer/regex.h"

#include <pcre2.h>

#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {

// One JIT stack and match block per thread keeps concurrent encodes independent and cheap.
struct ThreadMatchState {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    pcre2_match_context* context = pcre2_match_context_create(nullptr);
    ThreadMatchState() {
        if (context && stack) pcre2_jit_stack_assign(context, nullptr, stack);
    }
    ~ThreadMatchState() {
        pcre2_match_context_free(context);
        pcre2_jit_stack_free(stack);
        pcre2_match_data_free(data);
    }
};

ThreadMatchState& threadState() {
    thread_local ThreadMatchState state;
    return state;
}

}  // namespace

struct Regex::Impl {
    pcre2_code* code = nullptr;
    std::string pattern;
    std::string sourceName;
    ~Impl() { pcre2_code_free(code); }
};

std::string onigToPcre2(const std::string& p) {
    std::string out;
    out.reserve(p.size() + 16);
    bool inClass = false;
    for (size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        if (c == '\\' && i + 1 < p.size()) {
            const char n = p[i + 1];
            if (n == 's') {
                out += inClass ? "\\s\\x{85}" : "[\\s\\x{85}]";
            } else if (n == 'S' && !inClass) {
                out += "[^\\s\\x{85}]";
            } else {
                out += c;
                out += n;
            }
            ++i;
            continue;
        }
        if (c == '[' && !inClass) {
            inClass = true;
            out += c;
            // A ']' right after '[' or '[^' is a literal, not the end of the class.
            if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
            if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
            continue;
        }
        if (c == ']' && inClass) inClass = false;
        out += c;
    }
    return out;
}

Regex::Regex(const std::string& pattern, const std::string& sourceName) : impl_(std::make_unique<Impl>()) {
    impl_->pattern = pattern;
    impl_->sourceName = sourceName;
    const std::string translated = onigToPcre2(pattern);
    int err = 0;
    PCRE2_SIZE offset = 0;
    impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
    if (!impl_->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        throw TokenizerError(sourceName + ": regex /" + pattern + "/ does not compile at offset " +
                             std::to_string(offset) + ": " + reinterpret_cast<const char*>(msg));
    }
    pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when unavailable
}

Regex::~Regex() = default;

std::vector<Span> Regex::findAll(std::string_view s) const {
    std::vector<Span> out;
    auto& st = threadState();
    if (!st.data) throw TokenizerError(impl_->sourceName + ": out of memory for regex matching");
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(s.data());
    size_t pos = 0;
    while (pos <= s.size()) {
        int rc = pcre2_match(impl_->code, subject, s.size(), pos, PCRE2_NO_UTF_CHECK, st.data, st.context);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            throw TokenizerError(impl_->sourceName + ": regex /" + impl_->pattern +
                                 "/ failed: " + reinterpret_cast<const char*>(msg));
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(st.data);
        size_t b = ov[0], e = ov[1];
        if (e < b) e = b;  // \K can report an end before the start
        out.emplace_back(b, e);
        if (e > b) {
            pos = e;
        } else {
            // Empty match: move one char on, as Oniguruma's iterator does.
            if (b >= s.size()) break;
            pos = b + utf8::charLen(static_cast<unsigned char>(s[b]));
        }
    }
    return out;
}

}  // namespace gateau::tok
