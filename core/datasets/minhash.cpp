#include "core/datasets/minhash.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace gateau::datasets {

namespace {

uint64_t mix(uint64_t z) {  // splitmix64's finaliser
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The permutations: h_i(x) = high 32 bits of (a_i x + b_i) mod 2^64, a_i odd. Fixed seeds:
// signatures are stored, so they must never change between builds.
struct Permutations {
    std::array<uint64_t, kMinHashSize> a{}, b{};
    Permutations() {
        uint64_t s = 0x6D696E68617368ull;  // "minhash"
        for (int i = 0; i < kMinHashSize; ++i) {
            a[i] = mix(s += 0x9E3779B97F4A7C15ull) | 1;
            b[i] = mix(s += 0x9E3779B97F4A7C15ull);
        }
    }
};
const Permutations& permutations() {
    static const Permutations p;
    return p;
}

bool isWordByte(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }

// FNV-1a over the lower-cased word, then mixed: word hashes combine into shingle hashes.
void appendWordHashes(std::string_view text, std::vector<uint64_t>& out) {
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && !isWordByte(static_cast<unsigned char>(text[i]))) ++i;
        if (i == text.size()) break;
        uint64_t h = 0xCBF29CE484222325ull;
        while (i < text.size() && isWordByte(static_cast<unsigned char>(text[i]))) {
            unsigned char c = static_cast<unsigned char>(text[i++]);
            if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
            h = (h ^ c) * 0x100000001B3ull;
        }
        out.push_back(mix(h));
    }
}

MinHashSignature signatureOfWords(const std::vector<uint64_t>& words) {
    MinHashSignature sig;
    if (words.empty()) return sig;
    sig.empty = false;
    sig.values.fill(std::numeric_limits<uint32_t>::max());
    const auto& p = permutations();
    constexpr size_t kShingle = 5;
    const size_t n = words.size() < kShingle ? 1 : words.size() - kShingle + 1;
    const size_t width = std::min(kShingle, words.size());
    for (size_t s = 0; s < n; ++s) {
        uint64_t x = 0;
        for (size_t k = 0; k < width; ++k) x = mix(x ^ words[s + k]) + k;  // order matters
        for (int i = 0; i < kMinHashSize; ++i)
            sig.values[size_t(i)] = std::min(sig.values[size_t(i)], uint32_t((p.a[size_t(i)] * x + p.b[size_t(i)]) >> 32));
    }
    return sig;
}

}  // namespace

MinHashSignature minHash(std::string_view text) {
    std::vector<uint64_t> words;
    appendWordHashes(text, words);
    return signatureOfWords(words);
}

MinHashSignature minHash(const Conversation& conversation) {
    std::vector<uint64_t> words;
    for (const auto& t : conversation.turns) appendWordHashes(t.content, words);
    return signatureOfWords(words);
}

double estimatedJaccard(const MinHash& a, const MinHash& b) {
    int equal = 0;
    for (int i = 0; i < kMinHashSize; ++i) equal += a[size_t(i)] == b[size_t(i)];
    return double(equal) / kMinHashSize;
}

std::array<int64_t, kMinHashBands> bandKeys(const MinHash& m) {
    std::array<int64_t, kMinHashBands> keys{};
    for (int band = 0; band < kMinHashBands; ++band) {
        uint64_t h = mix(uint64_t(band) + 1);
        for (int r = 0; r < kMinHashRows; ++r) h = mix(h ^ m[size_t(band * kMinHashRows + r)]);
        keys[size_t(band)] = int64_t(h);
    }
    return keys;
}

std::string encodeMinHash(const MinHash& m) {
    std::string out(kMinHashSize * 4, '\0');
    for (int i = 0; i < kMinHashSize; ++i)
        for (int k = 0; k < 4; ++k) out[size_t(i * 4 + k)] = char((m[size_t(i)] >> (8 * k)) & 0xFF);
    return out;
}

MinHash decodeMinHash(std::string_view blob) {
    if (blob.size() != size_t(kMinHashSize) * 4)
        throw std::runtime_error("MinHash signature of " + std::to_string(blob.size()) + " bytes, expected " +
                                 std::to_string(kMinHashSize * 4));
    MinHash m{};
    for (int i = 0; i < kMinHashSize; ++i) {
        uint32_t v = 0;
        for (int k = 0; k < 4; ++k) v |= uint32_t(static_cast<unsigned char>(blob[size_t(i * 4 + k)])) << (8 * k);
        m[size_t(i)] = v;
    }
    return m;
}

}  // namespace gateau::datasets
