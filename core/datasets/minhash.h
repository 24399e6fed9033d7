#pragma once
// Near-duplicate detection over conversations (docs/datasets.md "Near-duplicates"): MinHash
// signatures of word 5-gram shingles estimate the Jaccard similarity of two conversations'
// shingle sets, and banding them (LSH) finds the candidate pairs without comparing all pairs.
// Exact duplicates are caught earlier by the content hash; this finds the same long document
// asked a different question, or a conversation with a few words edited.
#include "core/datasets/conversation.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gateau::datasets {

constexpr int kMinHashSize = 128;
// 16 bands of 8 rows: a pair becomes a candidate with probability 1 - (1 - J^8)^16, which is
// 0.95 at J = 0.8, 0.62 at J = 0.7 and 0.06 at J = 0.5, so thresholds below 0.7 are refused.
constexpr int kMinHashBands = 16;
constexpr int kMinHashRows = kMinHashSize / kMinHashBands;
constexpr double kNearDuplicateThreshold = 0.8;
constexpr double kMinNearDuplicateThreshold = 0.7;

using MinHash = std::array<uint32_t, kMinHashSize>;

// Shingles are runs of 5 words (lower-cased ASCII; a word is a run of letters, digits and
// non-ASCII bytes), so punctuation, spacing and case do not count. A text of fewer than 5
// words is one shingle. Empty: `empty` is true and the signature matches nothing.
struct MinHashSignature {
    MinHash values{};
    bool empty = true;
};

MinHashSignature minHash(std::string_view text);
// Every turn's content, in order (roles apart: the same words under another role still count).
MinHashSignature minHash(const Conversation& conversation);

// The share of equal signature values: an unbiased estimate of the Jaccard similarity
// (standard error sqrt(J (1 - J) / 128), under 0.045).
double estimatedJaccard(const MinHash& a, const MinHash& b);

// One key per band: equal keys in some band make a candidate pair. Signed, for SQLite.
std::array<int64_t, kMinHashBands> bandKeys(const MinHash& m);

// Stored form: 128 little-endian uint32 (512 bytes); decode throws std::runtime_error on a
// blob of another size.
std::string encodeMinHash(const MinHash& m);
MinHash decodeMinHash(std::string_view blob);

}  // namespace gateau::datasets
