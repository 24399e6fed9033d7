#pragma once
// Raw GATEAU scores of one sample (METHOD.md): every forward pass the method needs for one
// conversation, run on two Engines, reduced to the per-sample values that are stored.
// Pool-level normalisation (HMG, CAM softmaxes) is not done here: it happens at ranking
// time from these raw values (formulas.h). Torch-free: uses only engine.h's plain API.
#include <cstdint>
#include <functional>
#include <vector>

#include "core/datasets/conversation.h"
#include "core/model/engine.h"
#include "core/scoring/formulas.h"  // ScoringError
#include "core/scoring/prompt.h"
#include "core/scoring/scorers/lds.h"
#include "core/scoring/scorers/scorer.h"
#include "core/tokenizer/tokenizer.h"

namespace gateau::scoring {

struct SampleScoreInput {
    datasets::Conversation conversation;
};

struct ScorerModels {
    model::Engine* shortModel = nullptr;  // A: short native window
    model::Engine* longModel = nullptr;   // B: extended window
    const tok::Tokenizer* tokenizer = nullptr;
    model::Engine* ldsModel = nullptr;  // LDS pass (RUN.json lds_model); nullptr: A
};

struct SampleRawScores {
    int64_t promptTokens = 0;    // tokens before the response in the full prompt (= spanFrom), after truncation
    int64_t responseTokens = 0;  // |y|
    int64_t contextTokens = 0;   // kept context tokens
    bool truncated = false;
    int64_t truncatedContextTokens = 0;  // context tokens dropped from the left

    std::vector<float> logprobsA, logprobsB;  // per response token, full prompt
    double pplA = 0, pplB = 0;                // HMG inputs
    double pplResponseOnly = 0;               // PPL_B(y), the IFD denominator
    double ifd = 0;                           // pplB / pplResponseOnly (PPL guidance = pplB)

    std::vector<double> segmentPpl;  // CAM step 2: PPL_B(y | s_k, x), one per segment
    std::vector<double> importance;  // I_k
    std::vector<double> attention;   // A_k

    std::vector<float> layerSegmentAttention;  // [layers x segments], row-major (B, full prompt)
    int64_t layers = 0, segments = 0;
    std::vector<float> tokenSegmentAttention;  // [responseTokens x segments], heads and layers averaged

    // LADM's CDS (scorers/cds.h): B's prefix tile attention over the sequence cut at the
    // response's end (sequenceTokens), for the query tiles cdsQueryTiles chose; tileLen 0 when
    // the pass did not keep it (CDS off, or a blob stored before CDS).
    int64_t tileLen = 0, numTiles = 0, sequenceTokens = 0;
    std::vector<int64_t> tileQueries;
    std::vector<float> tileAttention;  // [layers x tileQueries x numTiles]

    // No context (0 segments): cas = 1, camRaw = 0, importance/attention/segment arrays
    // empty (docs/scoring.md "Sample scorer").
    double cas = 0, camRaw = 0;

    // LDS (kPassSegmentPairs): PPL of each prompt segment alone and of the sampled pairs.
    bool ldsRan = false;
    std::vector<double> ldsSegmentPpl;
    std::vector<LdsPair> ldsPairs;
    int64_t ldsWindowSegments = 0;  // max_tokens / lds_segment_len: the distance scale
};

// Wall-clock seconds per phase of one scoreSample call (gateau bench scoring).
struct ScorePhaseTimes {
    double tokenize = 0;       // prompt building (tokenizer) and segment prompt assembly
    double longPasses = 0;     // B and A over the full prompt (B's includes attention aggregation on device)
    double segmentPasses = 0;  // B over every segment prompt
    double responseOnly = 0;   // B over the response alone
    double aggregation = 0;    // importance, attention distribution, CAS on the host
    double segmentPairs = 0;   // LDS: its model over prompt segments alone and in pairs
    double total() const;      // over scorePhases()
    ScorePhaseTimes& operator+=(const ScorePhaseTimes& o);
};

// Every phase, in order, with the passes it runs for: a scorer whose passes() meet `passes`
// needs the phase (bench scoring prints that); 0 for phases every run has. A new phase is a
// field above and a row here.
struct ScorePhase {
    const char* name;
    double ScorePhaseTimes::*seconds;
    Passes passes;
};
const std::vector<ScorePhase>& scorePhases();

struct ScoreHooks {
    ScorePhaseTimes* times = nullptr;  // accumulated into when set
    // Polled between passes and after each prefill chunk of the long passes; returning
    // false raises model::EngineCancelled (a paused or cancelled job stops mid-sample).
    std::function<bool()> keepGoing;
    // The run's scorer settings: which opt-in scorers' passes run. Null: the defaults.
    const ScorerSettings* scorers = nullptr;
};

// Runs, in order: B over the full prompt (logprobs + segment attention), A over the same
// ids (logprobs), B over every segment prompt, B over the response alone.
// Only response tokens are scored: each sequence is cut at the response's end, so template
// text after {response} is neither scored nor counted as attention queries.
// segmentBatchTokens: the segment prompts are handed to scoreSpanBatch in groups of at most
// this many padded tokens (rows x longest; at least one prompt per group); the engine may
// split a group further by its own batchTokens. batched = false scores them one by one
// with scoreSpan (same numbers within fp32 tolerance; for tests and benchmarks).
// Throws ScoringError for a bad sample (no response, empty response, too long for
// maxTokens, a token the models do not know, ...), naming the pass. model::EngineCancelled
// propagates unchanged.
SampleRawScores scoreSample(const SampleScoreInput& input, const ScorerModels& models, const PromptConfig& config,
                            int64_t segmentBatchTokens = 8192, bool batched = true, const ScoreHooks& hooks = {});

}  // namespace gateau::scoring
