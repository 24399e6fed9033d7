#pragma once
// GATEAU scoring formulas (METHOD.md) on plain vectors: perplexities, HMG, CAM, their
// combination, the IFD baseline and ranking with manual overrides. Qt-free, torch-free.
// Every function throws ScoringError on bad input instead of returning NaN, so a broken
// sample is reported where it enters rather than silently poisoning a whole pool.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <vector>

namespace gateau::scoring {

struct ScoringError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// exp(-mean log p) over the response tokens. Throws on an empty span, a NaN log-prob or
// a result that is not finite (a -inf log-prob).
double perplexity(const std::vector<float>& responseLogprobs);

// (x - min) / (max - min). When max == min every value maps to 0: no sample stands out,
// and 0 keeps the later softmax uniform. Throws on an empty or non-finite input.
std::vector<double> minMaxNormalize(const std::vector<double>& v);

// exp(x_i) / sum_j exp(x_j), computed with the maximum subtracted first.
std::vector<double> poolSoftmax(const std::vector<double>& v);

// HMG over a pool: d = N_A - N_B (each model min-max normalised separately), softmax(d).
// PPLs must be finite and > 0 and the two vectors the same length.
std::vector<double> hmgScores(const std::vector<double>& pplA, const std::vector<double>& pplB);

// I_k = (1/PPL_k) / sum_m (1/PPL_m) over one sample's context segments.
std::vector<double> segmentImportance(const std::vector<double>& segmentPpls);

// layerSegments[layer][segment]: attention mass per segment (already averaged over heads
// and response tokens). Mean over layers, then renormalised to sum 1 over segments.
// All-zero attention (no mass on the context at all) yields all zeros rather than NaN.
std::vector<double> attentionDistribution(const std::vector<std::vector<double>>& layerSegments);

// Cosine similarity; 0 when either vector has zero norm (including empty vectors).
double cosine(const std::vector<double>& a, const std::vector<double>& b);
// CAS = cos(I, A) for one sample; both must be non-empty, same length, non-negative.
double cas(const std::vector<double>& importance, const std::vector<double>& attention);
// The difficulty form of CAS: 1 - CAS.
double camRaw(double casValue);
// CAM over a pool: softmax of the min-max normalised cam_raw values.
std::vector<double> camScores(const std::vector<double>& camRaws);

// alpha * HMG + (1 - alpha) * CAM, element-wise; alpha in [0, 1].
std::vector<double> combined(const std::vector<double>& hmg, const std::vector<double>& cam, double alpha);
double combined(double hmg, double cam, double alpha);

// IFD (Cherry-LLM): PPL(y | c, x) / PPL(y).
double ifd(double pplWithContext, double pplResponseOnly);

enum class Override { None, Keep, Drop };

// TokenBudget walks the ranking as LADM does: samples are taken in rank order while the
// running total of their tokens stays <= the budget, and the walk STOPS at the first sample
// that would overflow it (it does not skip to smaller samples further down). Why stop: the
// selection stays a prefix of the ranking, like top k% and top N, so "inside the cut" still
// means "ranked above a line" (the browser's boundary, the histogram's threshold), and a
// low-ranked short sample is never preferred over a better long one just because it fits.
// Overrides: every Keep's tokens count first, wherever it ranks, and it is selected even
// when the Keeps alone exceed the budget; a Drop is never selected and uses no budget.
struct Selection {
    enum class Mode { TopPercent, TopN, TokenBudget };
    Mode mode = Mode::TopPercent;
    double percent = 10.0;     // TopPercent: k in (0, 100]; count = ceil(k% of the pool)
    int64_t count = 0;         // TopN: N >= 0; N larger than the pool selects everything
    int64_t budgetTokens = 0;  // TokenBudget: >= 0 tokens (prompt + response per sample)
    std::map<int64_t, Override> overrides;  // sampleId -> Keep/Drop; ids not in the pool are ignored

    static Selection topPercent(double k) { Selection s; s.mode = Mode::TopPercent; s.percent = k; return s; }
    static Selection topN(int64_t n) { Selection s; s.mode = Mode::TopN; s.count = n; return s; }
    static Selection tokenBudget(int64_t tokens) { Selection s; s.mode = Mode::TokenBudget; s.budgetTokens = tokens; return s; }
};

struct RankedSample {
    int64_t sampleId;
    double score;
    int rank;       // 1-based position in descending score order, ties by sample id ascending
    bool selected;  // inside the cut, unless overridden; forced Keep/Drop always win
    bool inCut;     // above the cut line: ranks 1..cut (before overrides decide `selected`)
};

// Returns the pool in rank order. `tokens` (parallel to ids, each >= 0) is required by a
// TokenBudget selection and ignored otherwise. Throws on mismatched lengths, duplicate ids,
// NaN scores, an empty pool, a bad k/N/budget or missing or negative token counts.
std::vector<RankedSample> rankAndSelect(const std::vector<int64_t>& ids, const std::vector<double>& scores,
                                        const Selection& selection, const std::vector<int64_t>& tokens = {});

// The number of samples inside the cut before overrides, for top k% and top N (exposed for
// the UI's summary). A token budget's cut depends on the ranking and the overrides: it is
// the count of inCut rows of rankAndSelect, and asking here throws.
int64_t cutSize(size_t poolSize, const Selection& selection);

}  // namespace gateau::scoring
