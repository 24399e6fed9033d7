#include "core/model/dtype.h"

#include <algorithm>
#include <cstring>

namespace gateau::model {

std::optional<size_t> safetensorsDtypeSize(const std::string& n) {
    if (n == "F64" || n == "I64" || n == "U64" || n == "C64") return 8;
    if (n == "F32" || n == "I32" || n == "U32") return 4;
    if (n == "F16" || n == "BF16" || n == "I16" || n == "U16") return 2;
    if (n == "I8" || n == "U8" || n == "BOOL" || n == "F8_E4M3" || n == "F8_E5M2" ||
        n == "F8_E8M0")
        return 1;
    return std::nullopt;
}

DType dtypeFromName(const std::string& n) {
    if (n == "F32") return DType::F32;
    if (n == "F16") return DType::F16;
    if (n == "BF16") return DType::BF16;
    return DType::Other;
}

const char* dtypeName(DType d) {
    switch (d) {
        case DType::F32: return "F32";
        case DType::F16: return "F16";
        case DType::BF16: return "BF16";
        case DType::Other: break;
    }
    return "?";
}

size_t dtypeSize(DType d) {
    switch (d) {
        case DType::F32: return 4;
        case DType::F16:
        case DType::BF16: return 2;
        case DType::Other: break;
    }
    return 0;
}

bool dtypeSupported(DType d) { return d != DType::Other; }

static uint32_t bitsOf(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

static float floatOf(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

uint16_t floatToBf16(float f) {
    uint32_t u = bitsOf(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
}

float bf16ToFloat(uint16_t b) { return floatOf(static_cast<uint32_t>(b) << 16); }

uint16_t floatToHalf(float f) {
    uint32_t u = bitsOf(f);
    uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
    uint32_t absU = u & 0x7fffffffu;
    if (absU > 0x7f800000u) return sign | 0x7e00u;  // NaN
    if (absU >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: inf
    if (absU < 0x38800000u) {                        // below the smallest normal half
        if (absU < 0x33000000u) return sign;          // under half the smallest subnormal
        uint32_t exp = absU >> 23;
        uint32_t mant = (absU & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126 - exp;  // 14..24: half subnormal units = mant >> shift
        uint32_t shifted = mant >> (shift - 1);  // one extra bit below the unit, for rounding
        uint32_t rest = mant & ((1u << (shift - 1)) - 1u);
        uint32_t half = shifted >> 1;
        uint32_t roundBit = shifted & 1u;
        if (roundBit && (rest != 0 || (half & 1u))) ++half;
        return sign | static_cast<uint16_t>(half);
    }
    uint32_t h = ((absU >> 13) - (112u << 10));
    uint32_t rem = absU & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    return sign | static_cast<uint16_t>(h);
}

float halfToFloat(uint16_t h) {
    uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    if (exp == 0x1f) return floatOf(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {
        if (mant == 0) return floatOf(sign);
        // Subnormal: mant * 2^-24, exactly representable in float.
        float v = static_cast<float>(mant) * 5.9604644775390625e-08f;
        return sign ? -v : v;
    }
    return floatOf(sign | ((exp + 112u) << 23) | (mant << 13));
}

void convertToFloat(DType d, const void* src, size_t count, float* dst) {
    // An empty tensor (shape [0, 4]) is legal and its destination is an empty vector's data(),
    // often null: memcpy with a null pointer is undefined even for 0 bytes (UBSan, fuzz_safetensors).
    if (count == 0) return;
    const auto* p = static_cast<const unsigned char*>(src);
    switch (d) {
        case DType::F32: std::memcpy(dst, p, count * 4); return;
        case DType::F16:
        case DType::BF16:
            for (size_t i = 0; i < count; ++i) {
                uint16_t v;
                std::memcpy(&v, p + 2 * i, 2);
                dst[i] = d == DType::F16 ? halfToFloat(v) : bf16ToFloat(v);
            }
            return;
        case DType::Other: break;
    }
}

namespace {

// Lanes of `lanesPerWord` elements in a 64-bit word whose exponent bits (`mask`, repeated in
// every lane) are all ones. SWAR, exact: t is zero in exactly those lanes; adding `low` (every
// bit but each lane's top) to t's low bits sets a lane's top bit unless the lane is zero,
// and no carry crosses a lane.
uint64_t countAllOnesExponent(const unsigned char* p, size_t count, size_t elemSize, uint64_t mask, uint64_t low) {
    const size_t perWord = 8 / elemSize;
    const size_t words = count / perWord;
    auto lanes = [&](size_t i) {
        uint64_t x;
        std::memcpy(&x, p + 8 * i, 8);
        const uint64_t t = (x & mask) ^ mask;
        return ~(((t & low) + low) | t | low);
    };
    // Non-finite weights are rare: a block is only counted when its OR says it has one.
    constexpr size_t kBlock = 1024;
    uint64_t bad = 0;
    for (size_t b = 0; b < words; b += kBlock) {
        const size_t end = std::min(words, b + kBlock);
        uint64_t any = 0;
        if (end - b == kBlock)  // a constant trip count, which -O2 vectorises
            for (size_t k = 0; k < kBlock; ++k) any |= lanes(b + k);
        else
            for (size_t i = b; i < end; ++i) any |= lanes(i);
        if (any)
            for (size_t i = b; i < end; ++i) bad += uint64_t(__builtin_popcountll(lanes(i)));
    }
    for (size_t i = words * perWord; i < count; ++i) {  // the tail, one element at a time
        uint64_t x = 0;
        std::memcpy(&x, p + elemSize * i, elemSize);
        const uint64_t laneMask = mask & (elemSize == 4 ? 0xffffffffu : 0xffffu);
        bad += (x & laneMask) == laneMask;
    }
    return bad;
}

}  // namespace

uint64_t countNonFinite(DType d, const void* src, size_t count) {
    const auto* p = static_cast<const unsigned char*>(src);
    switch (d) {
        case DType::F32: return countAllOnesExponent(p, count, 4, 0x7f8000007f800000ull, 0x7fffffff7fffffffull);
        case DType::F16: return countAllOnesExponent(p, count, 2, 0x7c007c007c007c00ull, 0x7fff7fff7fff7fffull);
        case DType::BF16: return countAllOnesExponent(p, count, 2, 0x7f807f807f807f80ull, 0x7fff7fff7fff7fffull);
        case DType::Other: break;
    }
    return 0;
}

}  // namespace gateau::model
