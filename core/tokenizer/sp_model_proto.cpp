#include "core/tokenizer/sp_model_proto.h"

#include <cstring>

#include "core/tokenizer/tokenizer.h"

namespace gateau::tok {
namespace {

// One message's bytes; every read is bounded by end.
class Reader {
public:
    Reader(const unsigned char* p, const unsigned char* end, const unsigned char* base, const std::string& source)
        : p_(p), end_(end), base_(base), source_(source) {}

    bool done() const { return p_ >= end_; }

    [[noreturn]] void bad(const char* what) const {
        throw TokenizerError(source_ + ": malformed SentencePiece model (" + what + " at byte " +
                             std::to_string(p_ - base_) + ")");
    }

    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (p_ >= end_) bad("truncated varint");
            const unsigned char b = *p_++;
            if (shift == 63 && (b & 0x7E)) bad("varint too long");
            v |= static_cast<uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        bad("varint too long");
    }

    uint32_t fixed32() {
        if (end_ - p_ < 4) bad("truncated fixed32");
        const uint32_t v = uint32_t(p_[0]) | uint32_t(p_[1]) << 8 | uint32_t(p_[2]) << 16 | uint32_t(p_[3]) << 24;
        p_ += 4;
        return v;
    }

    // Length-delimited payload: returns a reader over it and moves past it.
    Reader sub() {
        const uint64_t n = varint();
        if (n > static_cast<uint64_t>(end_ - p_)) bad("length past the end");
        Reader r(p_, p_ + n, base_, source_);
        p_ += n;
        return r;
    }

    std::string string() {
        Reader r = sub();
        return std::string(reinterpret_cast<const char*>(r.p_), static_cast<size_t>(r.end_ - r.p_));
    }

    // Skips a field of the given wire type (groups are not used by ModelProto and are refused).
    void skip(uint32_t wireType) {
        switch (wireType) {
            case 0: varint(); break;
            case 1:
                if (end_ - p_ < 8) bad("truncated fixed64");
                p_ += 8;
                break;
            case 2: sub(); break;
            case 5: fixed32(); break;
            default: bad("unsupported wire type");
        }
    }

    // Reads a tag; field 0 is invalid in protobuf.
    void tag(uint32_t& field, uint32_t& wireType) {
        const uint64_t t = varint();
        wireType = static_cast<uint32_t>(t & 7);
        const uint64_t f = t >> 3;
        if (f == 0 || f > 0x1FFFFFFF) bad("invalid field number");
        field = static_cast<uint32_t>(f);
    }

private:
    const unsigned char* p_;
    const unsigned char* end_;
    const unsigned char* base_;
    const std::string& source_;
};

SpPiece readPiece(Reader r) {
    SpPiece sp;
    while (!r.done()) {
        uint32_t f, w;
        r.tag(f, w);
        if (f == 1 && w == 2) sp.piece = r.string();
        else if (f == 2 && w == 5) {
            const uint32_t bits = r.fixed32();
            std::memcpy(&sp.score, &bits, sizeof bits);
        } else if (f == 3 && w == 0) sp.type = static_cast<int>(static_cast<int32_t>(r.varint()));
        else r.skip(w);
    }
    return sp;
}

void readTrainerSpec(Reader r, SpModelProto& m) {
    while (!r.done()) {
        uint32_t f, w;
        r.tag(f, w);
        if (w == 0 && (f == 3 || f == 24 || f == 35 || (f >= 40 && f <= 43))) {
            const uint64_t v = r.varint();
            const auto i32 = static_cast<int32_t>(static_cast<uint32_t>(v));
            switch (f) {
                case 3: m.modelType = i32; break;
                case 24: m.treatWhitespaceAsSuffix = v != 0; break;
                case 35: m.byteFallback = v != 0; break;
                case 40: m.unkId = i32; break;
                case 41: m.bosId = i32; break;
                case 42: m.eosId = i32; break;
                case 43: m.padId = i32; break;
            }
        } else if (w == 2 && f >= 44 && f <= 48) {
            std::string s = r.string();
            switch (f) {
                case 44: m.unkSurface = std::move(s); break;
                case 45: m.unkPiece = std::move(s); break;
                case 46: m.bosPiece = std::move(s); break;
                case 47: m.eosPiece = std::move(s); break;
                case 48: m.padPiece = std::move(s); break;
            }
        } else {
            r.skip(w);
        }
    }
}

void readNormalizerSpec(Reader r, SpModelProto& m) {
    while (!r.done()) {
        uint32_t f, w;
        r.tag(f, w);
        if (f == 1 && w == 2) m.normalizerName = r.string();
        else if (f == 2 && w == 2) m.precompiledCharsmap = r.string();
        else if (f >= 3 && f <= 5 && w == 0) {
            const bool v = r.varint() != 0;
            if (f == 3) m.addDummyPrefix = v;
            else if (f == 4) m.removeExtraWhitespaces = v;
            else m.escapeWhitespaces = v;
        } else {
            r.skip(w);
        }
    }
}

}  // namespace

SpModelProto parseSpModelProto(std::string_view bytes, const std::string& source) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    Reader r(b, b + bytes.size(), b, source);
    SpModelProto m;
    while (!r.done()) {
        uint32_t f, w;
        r.tag(f, w);
        if (f == 1 && w == 2) m.pieces.push_back(readPiece(r.sub()));
        // Embedded messages may in principle be split; protobuf merges the parts.
        else if (f == 2 && w == 2) readTrainerSpec(r.sub(), m);
        else if (f == 3 && w == 2) readNormalizerSpec(r.sub(), m);
        else r.skip(w);
    }
    return m;
}

}  // namespace gateau::tok
