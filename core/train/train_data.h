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
    // Share of the copy sequences drawn as uniformly random tokens (from the ids the text
    // uses) instead of text: nothing in them is predictable except by copying, which is the
    // clean, dense signal an induction mechanism forms from (TRAINING-NOTES.md).
    double randomFraction = 0;
    // Log-uniform distances from a copy back to its source instead of uniform ones: most
    // copies near, a few far, as dependencies are in text. A model trained on uniform
    // distances learns to prefer far sources over near ones (docs/train.md "The demo pair").
    bool logDistance = false;
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
    // A `randomFraction` of those sequences is random tokens laid out the same way.
    std::vector<int64_t> next(int64_t n, std::vector<CopySpan>* copies = nullptr);

    nlohmann::json state() const;
    void restore(const nlohmann::json& state);  // throws TrainError on a malformed state

private:
    uint64_t below(uint64_t n);  // uniform in [0, n)
    int64_t logUniformGap(int64_t maxGap);  // in [0, maxGap], log-uniform
    bool chance(double p);

    const std::vector<int32_t>& stream_;
    std::vector<int32_t> alphabet_;  // the distinct ids of the stream, for random sequences
    CopyCurriculum curriculum_;
    model::Xoshiro256 rng_;
    uint64_t cursor_ = 0;
};

}  // namespace gateau::train
