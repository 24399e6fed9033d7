#include "tests/train/train_fixture.h"

#include <filesystem>
#include <fstream>

#include "core/model/rng.h"
#include "core/tokenizer/bpe_trainer.h"

namespace gateau::train::testing {

std::string wordSalad(uint64_t seed, int words) {
    static const char* kSyllables[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "zu",
                                       "da", "fe", "gi", "ho", "ju", "be", "co", "wa", "xi", "ye"};
    std::vector<std::string> lexicon;
    model::Xoshiro256 lexRng(12345);
    for (int i = 0; i < 300; ++i) {
        std::string w;
        const int n = 1 + int(lexRng.next() % 3);
        for (int k = 0; k < n; ++k) w += kSyllables[lexRng.next() % 20];
        lexicon.push_back(w);
    }
    model::Xoshiro256 rng(seed);
    std::string out;
    for (int i = 0; i < words; ++i) {
        out += lexicon[rng.next() % lexicon.size()];
        out += (i % 12 == 11) ? ".\n" : " ";
    }
    return out;
}

int64_t writeTextAndTokenizer(const std::string& dir, int words, int merges) {
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    const std::string text = wordSalad(7, words);
    std::ofstream(fs::path(dir) / "text.txt", std::ios::binary) << text;
    tok::BpeTrainOptions o;
    o.merges = merges;
    return tok::writeTrainedTokenizer((fs::path(dir) / "tokenizer").string(), {text}, o);
}

std::vector<int64_t> randomIds(uint64_t seed, int64_t n, int64_t vocab) {
    model::Xoshiro256 rng(seed);
    std::vector<int64_t> ids(static_cast<size_t>(n));
    for (auto& id : ids) id = int64_t(rng.next() % uint64_t(vocab));
    return ids;
}

}  // namespace gateau::train::testing
