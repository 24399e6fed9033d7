#pragma once
// Checks of a run's models A and B that need only their folders (config.json and tokenizer
// files), made before any weights are loaded: by `gateau score` and the scoring dialog
// (docs/scoring.md "Checks before a run"). Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include "core/model/config.h"
#include "core/scoring/formulas.h"  // ScoringError

namespace gateau::tok {
class Tokenizer;
}

namespace gateau::scoring {

struct RunConfig;

struct PairCheck {
    enum class Verdict { Ok, Warn, Refuse };
    Verdict verdict = Verdict::Ok;
    std::string message;  // empty when Ok and nothing worth saying
};

// Positions B's RoPE covers without extrapolating: max_position_embeddings, or with a static
// scaling (linear, llama3, yarn) that names original_max_position_embeddings, the larger of
// that and original x factor. Dynamic NTK covers nothing more: it extrapolates.
int64_t coveredPositions(const model::ModelConfig& b);

// Whether B supports prompts of maxTokens tokens. Refuse when they exceed coveredPositions
// and B has no dynamic scaling (B would read positions it has never seen); Warn when B has
// dynamic NTK, which stretches RoPE past its window on the fly, as the paper does for A.
PairCheck checkContextBudget(const model::ModelConfig& b, int64_t maxTokens);

// The first difference between two tokenizers (vocabulary size, BOS, EOS, a token id whose
// text differs, then the ids of a probe text); "" when they agree.
std::string tokenizerDifference(const tok::Tokenizer& a, const tok::Tokenizer& b);

// Model A reads B's token ids, so A's tokenizer must be B's. When A's folder has no tokenizer
// files: Ok with a note that B's is used; when both have one and they differ: Refuse naming
// the first difference. Throws TokenizerError for a tokenizer that cannot be read.
bool hasTokenizerFiles(const std::string& dir);
PairCheck checkTokenizerPair(const std::string& dirA, const std::string& dirB);

// Both checks for a run; throws ScoringError with the refusal (naming sourceName and the key),
// returns the warnings (prefixed "warning: ") and notes otherwise.
std::vector<std::string> checkRunModels(const RunConfig& config, const std::string& sourceName);

}  // namespace gateau::scoring
