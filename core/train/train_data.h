#pragma once
// Training sequences: the text as one token stream, read in order (wrapping around), and
// the long-range copy curriculum laid over it. Torch-free and deterministic: the state is
// a cursor and the xoshiro words, so a checkpoint can restore it exactly.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/model/rng.h"

namespace gateau::tok {
class Tokenizer;
}

namespace gateau::train {

// Each text file, or each demo-corpus passage when `files` is empty, encoded without
// special tokens and followed by eos where the tokenizer has one. Throws TrainError naming
// an unreadable or empty file.
std::vector<int32_t> loadTrainingTokens(const tok::Tokenizer& tokenizer, const std::vector<std::string>& files,
                                        const std::string& corpusRoot);

struct CopyCurriculum {
    double fraction = 0.5;  // share of sequences that get copies
    int64_t spanMin = 32;
    int64_t spanMax = 256;
};

// Where copies were put in a sequence, for tests and diagnostics: tokens dst..dst+len-1
// repeat src..src+len-1.
struct CopySpan {
    int64_t src = 0, dst = 0, len = 0;
};

class SequenceSampler {
public:
    SequenceSampler(const std::vector<int32_t>& stream, CopyCurriculum curriculum, uint64_t seed);

    // The next `n` tokens of the stream. For a `fraction` of the sequences, a prefix of
    // random length (1/8 to 1/2 of n) stays as it is and the rest becomes spans copied from
    // random earlier places (any distance, so only matching content can find them) with
    // short stretches of fresh text between: long copies, dense signal, random positions.
    std::vector<int64_t> next(int64_t n, std::vector<CopySpan>* copies = nullptr);

    nlohmann::json state() const;
    void restore(const nlohmann::json& state);  // throws TrainError on a malformed state

private:
    uint64_t below(uint64_t n);  // uniform in [0, n)

    const std::vector<int32_t>& stream_;
    CopyCurriculum curriculum_;
    model::Xoshiro256 rng_;
    uint64_t cursor_ = 0;
};

}  // namespace gateau::train
