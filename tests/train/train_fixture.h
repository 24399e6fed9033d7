#pragma once
// Small inputs for the trainer's tests and benchmark: a seeded word-salad text with a
// byte-level BPE tokenizer trained on it, and random token ids. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace gateau::train::testing {

// `words` words drawn (seeded) from a fixed list of 300 made-up words, in lines of 12.
std::string wordSalad(uint64_t seed, int words);

// Writes dir/text.txt (wordSalad) and dir/tokenizer/ (BPE with `merges` merges, trained on
// it); returns the vocabulary size.
int64_t writeTextAndTokenizer(const std::string& dir, int words, int merges);

std::vector<int64_t> randomIds(uint64_t seed, int64_t n, int64_t vocab);

}  // namespace gateau::train::testing
