#include "core/scoring/sample_scorer.h"

#include "core/scoring/scorers/cds.h"
#include "core/scoring/scorers/scorer.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

namespace gateau::scoring {

namespace {

// Runs fn; a ModelError (other than a cancellation) becomes a ScoringError naming the pass.
template <typename Fn>
auto inPass(const char* pass, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const model::EngineCancelled&) {
        throw;
    } catch (const model::ModelError& e) {
        throw ScoringError(std::string(pass) + ": " + e.what());
    }
}

// The sequence up to the end of the response: tokens after it (template text after
// {response}) would otherwise be scored and counted as attention queries.
std::vector<int64_t> upToSpanEnd(const std::vector<int64_t>& ids, int64_t spanEnd) {
    return std::vector<int64_t>(ids.begin(), ids.begin() + spanEnd);
}

void checkLogprobCount(const char* pass, const std::vector<float>& lp, int64_t expected) {
    if (int64_t(lp.size()) != expected)
        throw ScoringError(std::string(pass) + ": engine returned " + std::to_string(lp.size()) +
                           " log-probs for " + std::to_string(expected) + " response tokens");
}

double pplOf(const char* pass, const std::vector<float>& lp) {
    try {
        return perplexity(lp);
    } catch (const ScoringError& e) {
        throw ScoringError(std::string(pass) + ": " + e.what());
    }
}

// Adds the seconds since the last lap to one phase of hooks.times (when set).
class PhaseClock {
public:
    explicit PhaseClock(ScorePhaseTimes* times) : times_(times), last_(std::chrono::steady_clock::now()) {}
    void lap(double ScorePhaseTimes::*phase) {
        const auto now = std::chrono::steady_clock::now();
        if (times_) times_->*phase += std::chrono::duration<double>(now - last_).count();
        last_ = now;
    }

private:
    ScorePhaseTimes* times_;
    std::chrono::steady_clock::time_point last_;
};


// Scores every sequence (response-free prompts: one spanFrom each) and hands each result to
// record(k, result): grouped for scoreSpanBatch in at most batchTokens padded tokens (rows x
// longest, at least one row per group), or one by one with scoreSpan when !batched.
template <typename Record, typename Checkpoint>
void scoreSequences(model::Engine& engine, const std::string& passName, const std::vector<std::vector<int64_t>>& seqs,
                    const std::vector<int64_t>& froms, int64_t batchTokens, bool batched, Record&& record,
                    Checkpoint&& checkpoint) {
    if (!batched) {
        for (size_t k = 0; k < seqs.size(); ++k) {
            model::SpanRequest req;
            req.spanFrom = froms[k];
            const std::string pass = passName + " " + std::to_string(k);
            record(k, inPass(pass.c_str(), [&] { return engine.scoreSpan(seqs[k], req); }));
            checkpoint();
        }
        return;
    }
    const std::string pass = passName + " passes";
    size_t at = 0;
    while (at < seqs.size()) {
        size_t end = at + 1;
        int64_t longest = int64_t(seqs[at].size());
        while (end < seqs.size()) {
            const int64_t l = std::max(longest, int64_t(seqs[end].size()));
            if (int64_t(end - at + 1) * l > batchTokens) break;
            longest = l;
            ++end;
        }
        const std::vector<std::vector<int64_t>> group(seqs.begin() + long(at), seqs.begin() + long(end));
        const std::vector<int64_t> groupFroms(froms.begin() + long(at), froms.begin() + long(end));
        const std::vector<model::SpanResult> rs =
            inPass(pass.c_str(), [&] { return engine.scoreSpanBatch(group, groupFroms); });
        for (size_t j = 0; j < rs.size(); ++j) record(at + j, rs[j]);
        at = end;
        checkpoint();
    }
}

}  // namespace

const std::vector<ScorePhase>& scorePhases() {
    static const std::vector<ScorePhase> all = {
        {"tokenize + prompt assembly", &ScorePhaseTimes::tokenize, 0},
        {"long passes (A and B)", &ScorePhaseTimes::longPasses, kPassFullB | kPassFullA | kPassTileAttention},
        {"segment passes", &ScorePhaseTimes::segmentPasses, kPassSegments},
        {"response-only pass", &ScorePhaseTimes::responseOnly, kPassResponseOnly},
        {"attention aggregation", &ScorePhaseTimes::aggregation, kPassSegments},
        {"LDS segment pairs", &ScorePhaseTimes::segmentPairs, kPassSegmentPairs},
    };
    return all;
}

double ScorePhaseTimes::total() const {
    double t = 0;
    for (const ScorePhase& p : scorePhases()) t += this->*p.seconds;
    return t;
}

ScorePhaseTimes& ScorePhaseTimes::operator+=(const ScorePhaseTimes& o) {
    for (const ScorePhase& p : scorePhases()) this->*p.seconds += o.*p.seconds;
    return *this;
}

SampleRawScores scoreSample(const SampleScoreInput& input, const ScorerModels& models, const PromptConfig& config,
                            int64_t segmentBatchTokens, bool batched, const ScoreHooks& hooks) {
    if (!models.shortModel || !models.longModel || !models.tokenizer)
        throw ScoringError("scoreSample: short model, long model and tokenizer are all required");
    if (segmentBatchTokens < 1)
        throw ScoringError("scoreSample: segment batch tokens must be at least 1, got " +
                           std::to_string(segmentBatchTokens));
    validate(config);
    model::Engine& A = *models.shortModel;
    model::Engine& B = *models.longModel;

    PhaseClock clock(hooks.times);
    auto checkpoint = [&] {
        if (hooks.keepGoing && !hooks.keepGoing()) throw model::EngineCancelled("scoring stopped");
    };
    auto chunkProgress = [&](int64_t, int64_t) { return !hooks.keepGoing || hooks.keepGoing(); };

    const BuiltPrompt full = buildPrompt(*models.tokenizer, input.conversation, config);
    const int64_t K = full.spanFrom, E = full.spanEnd;
    if (E <= K) throw ScoringError("sample's response has no tokens: nothing to score");
    if (K < 1)
        throw ScoringError("response starts at token 0 (no BOS and no text before {response}): its first "
                           "token cannot be scored");

    SampleRawScores out;
    out.promptTokens = K;
    out.responseTokens = E - K;
    out.contextTokens = full.contextEnd - full.contextBegin;
    out.truncated = full.truncated;
    out.truncatedContextTokens = full.truncatedContextTokens;
    const int64_t S = int64_t(full.segments.size());

    const std::vector<int64_t> ids = upToSpanEnd(full.ids, E);
    // The union of what the registered scorers read: each pass runs once, shared by all.
    static const ScorerSettings defaults = defaultScorerSettings();
    const ScorerSettings& settings = hooks.scorers ? *hooks.scorers : defaults;
    const Passes passes = requiredPasses(settings);
    clock.lap(&ScorePhaseTimes::tokenize);
    checkpoint();

    // 1. B over the full prompt: HMG's PPL_B, the PPL baseline, CAM's attention.
    {
        model::SpanRequest req;
        req.spanFrom = K;
        req.progress = chunkProgress;
        if (S > 0) {
            req.segmentLen = config.segmentLen;
            req.segmentBegin = full.contextBegin;
            req.segmentEnd = full.contextEnd;
            req.tokenSegmentAttention = true;
        }
        // CDS rides on this pass (docs/scorers.md): widening its query rows to the CDS query
        // spans costs only their attention statistics, a second pass a whole forward.
        CdsParams cds;
        if (passes & kPassTileAttention) {
            cds = cdsParams(settings);
            req.tileLen = cds.span;
            req.tileQueries = cdsQueryTiles(E, cds);
        }
        model::SpanResult r = inPass("model B, full prompt", [&] { return B.scoreSpan(ids, req); });
        checkLogprobCount("model B, full prompt", r.logprobs, out.responseTokens);
        if (r.numSegments != S)
            throw ScoringError("model B, full prompt: engine returned " + std::to_string(r.numSegments) +
                               " segments, the prompt has " + std::to_string(S));
        out.logprobsB = std::move(r.logprobs);
        out.pplB = pplOf("model B, full prompt", out.logprobsB);
        if (S > 0 && int64_t(r.segmentAttention.size()) != r.numLayers * S)
            throw ScoringError("model B, full prompt: layer x segment attention has " +
                               std::to_string(r.segmentAttention.size()) + " values, expected " +
                               std::to_string(r.numLayers * S));
        out.layers = r.numLayers;
        out.segments = S;
        out.layerSegmentAttention = std::move(r.segmentAttention);
        out.tokenSegmentAttention = std::move(r.tokenSegmentAttention);
        out.sequenceTokens = E;
        if (r.tileLen > 0) {
            out.tileLen = r.tileLen;
            out.numTiles = r.numTiles;
            out.tileQueries = std::move(r.tileQueries);
            out.tileAttention = std::move(r.tileAttention);
        }
    }

    // 2. A over the same ids: HMG's PPL_A.
    if (passes & kPassFullA) {
        model::SpanRequest req;
        req.spanFrom = K;
        req.progress = chunkProgress;
        model::SpanResult r = inPass("model A, full prompt", [&] { return A.scoreSpan(ids, req); });
        checkLogprobCount("model A, full prompt", r.logprobs, out.responseTokens);
        out.logprobsA = std::move(r.logprobs);
        out.pplA = pplOf("model A, full prompt", out.logprobsA);
    }
    clock.lap(&ScorePhaseTimes::longPasses);
    checkpoint();

    // 3. B over each segment prompt: PPL_B(y | s_k, x).
    if (S > 0 && (passes & kPassSegments)) {
        std::vector<std::vector<int64_t>> seqs;
        std::vector<int64_t> froms;
        seqs.reserve(size_t(S));
        for (int64_t k = 0; k < S; ++k) {
            const SpanPrompt p = buildSegmentPrompt(full, size_t(k));
            seqs.push_back(upToSpanEnd(p.ids, p.spanEnd));
            froms.push_back(p.spanFrom);
        }
        clock.lap(&ScorePhaseTimes::tokenize);
        out.segmentPpl.assign(size_t(S), 0.0);
        auto record = [&](size_t k, const model::SpanResult& r) {
            const std::string pass = "model B, segment " + std::to_string(k);
            checkLogprobCount(pass.c_str(), r.logprobs, out.responseTokens);
            out.segmentPpl[k] = pplOf(pass.c_str(), r.logprobs);
        };
        scoreSequences(B, "model B, segment", seqs, froms, segmentBatchTokens, batched, record, checkpoint);
        clock.lap(&ScorePhaseTimes::segmentPasses);
    }

    // 4. B over the response alone: IFD's PPL_B(y).
    if (passes & kPassResponseOnly) {
        const SpanPrompt p = buildResponseOnly(full);
        if (p.spanEnd - p.spanFrom < 1)
            throw ScoringError("response-only pass: a " + std::to_string(out.responseTokens) +
                               "-token response without a BOS token leaves nothing to score");
        model::SpanRequest req;
        req.spanFrom = p.spanFrom;
        const std::vector<int64_t> ro = upToSpanEnd(p.ids, p.spanEnd);
        model::SpanResult r = inPass("model B, response only", [&] { return B.scoreSpan(ro, req); });
        checkLogprobCount("model B, response only", r.logprobs, p.spanEnd - p.spanFrom);
        out.pplResponseOnly = pplOf("model B, response only", r.logprobs);
        out.ifd = ifd(out.pplB, out.pplResponseOnly);
    }
    clock.lap(&ScorePhaseTimes::responseOnly);

    // 5. LDS: its model over each prompt segment alone, then over the sampled pairs (earlier
    // segment, later segment); both score the later segment's tokens after its first.
    if (passes & kPassSegmentPairs) {
        model::Engine& L = models.ldsModel ? *models.ldsModel : A;
        const LdsPassPlan plan = ldsPassPlan(ids, settings, config.maxTokens);
        const int64_t len = plan.segmentLen;
        auto segment = [&](int64_t k) {
            const auto from = ids.begin() + long(plan.first + k * len);
            return std::vector<int64_t>(from, from + long(len));
        };
        std::vector<std::vector<int64_t>> seqs;
        std::vector<int64_t> froms;
        for (int64_t k = 0; k < plan.segments; ++k) {
            seqs.push_back(segment(k));
            froms.push_back(1);
        }
        for (const auto& [later, earlier] : plan.pairs) {
            std::vector<int64_t> s = segment(earlier);
            const std::vector<int64_t> l = segment(later);
            s.insert(s.end(), l.begin(), l.end());
            seqs.push_back(std::move(s));
            froms.push_back(len + 1);
        }
        out.ldsSegmentPpl.assign(size_t(plan.segments), 0.0);
        out.ldsPairs.assign(plan.pairs.size(), LdsPair{});
        auto record = [&](size_t k, const model::SpanResult& r) {
            const std::string pass = "LDS model, segment " + std::to_string(k);
            checkLogprobCount(pass.c_str(), r.logprobs, len - 1);
            const double ppl = pplOf(pass.c_str(), r.logprobs);
            if (int64_t(k) < plan.segments) {
                out.ldsSegmentPpl[k] = ppl;
            } else {
                const auto& [later, earlier] = plan.pairs[k - size_t(plan.segments)];
                out.ldsPairs[k - size_t(plan.segments)] = {later, earlier, ppl};
            }
        };
        scoreSequences(L, "LDS model, segment", seqs, froms, segmentBatchTokens, batched, record, checkpoint);
        out.ldsWindowSegments = plan.windowSegments;
        out.ldsRan = true;
        clock.lap(&ScorePhaseTimes::segmentPairs);
    }

    // 6. CAM's per-sample values.
    if (S == 0 || !(passes & kPassSegments)) {
        // No context: nothing to be aware of. The sample counts as perfectly aligned
        // (CAS = 1, the same value a single segment gives), i.e. no CAM difficulty.
        out.cas = 1.0;
        out.camRaw = 0.0;
        return out;
    }
    out.importance = segmentImportance(out.segmentPpl);
    std::vector<std::vector<double>> layerSeg(size_t(out.layers), std::vector<double>(size_t(S)));
    for (int64_t l = 0; l < out.layers; ++l)
        for (int64_t s = 0; s < S; ++s)
            layerSeg[size_t(l)][size_t(s)] = double(out.layerSegmentAttention[size_t(l * S + s)]);
    out.attention = attentionDistribution(layerSeg);
    out.cas = cas(out.importance, out.attention);
    out.camRaw = camRaw(out.cas);
    clock.lap(&ScorePhaseTimes::aggregation);
    return out;
}

}  // namespace gateau::scoring
