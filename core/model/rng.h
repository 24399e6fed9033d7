#pragma once
// Seeded random numbers that are bit-identical on every machine and compiler: only integer
// arithmetic, no libm (whose log/cos may differ by an ulp between implementations).
#include <array>
#include <cstdint>
#include <string>

namespace gateau::model {

inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

inline uint64_t fnv1a64(const std::string& s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

// xoshiro256** seeded through splitmix64, as its authors recommend.
class Xoshiro256 {
public:
    explicit Xoshiro256(uint64_t seed) {
        for (auto& w : s_) w = splitmix64(seed);
    }
    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    // A standard normal sample times 65536, by Irwin-Hall: the sum of 12 uniforms minus 6 has
    // mean 0 and variance 1 and is exact in integers (Box-Muller would need libm). Tails stop
    // at 6 sigma, which is harmless for weight initialisation.
    int64_t normalTimes65536() {
        int64_t sum = 0;
        for (int i = 0; i < 3; ++i) {
            uint64_t r = next();
            for (int k = 0; k < 4; ++k) sum += static_cast<int64_t>((r >> (16 * k)) & 0xffff);
        }
        // Each uniform is (k + 0.5) / 65536, so sum(U) - 6 = (sum + 6 - 6 * 65536) / 65536.
        return sum + 6 - 6 * 65536;
    }

    // The four state words, so that a training checkpoint can resume the same stream.
    std::array<uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
    void setState(const std::array<uint64_t, 4>& s) {
        for (int i = 0; i < 4; ++i) s_[i] = s[size_t(i)];
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

}  // namespace gateau::model
