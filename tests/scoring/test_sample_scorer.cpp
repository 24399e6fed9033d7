// scoreSample on two tiny random Llama checkpoints (seeds 1 and 2) with the real Mistral
// tokenizer: every raw value against a direct Engine call on the prompts of prompt.h, batched
// segment passes against one-by-one, CAM formulas, truncation, the no-context rule, errors.
// Torch-free TU: only engine.h's plain API.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/datasets/conversation.h"
#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/engine.h"
#include "core/scoring/formulas.h"
#include "core/scoring/prompt.h"
#include "core/scoring/sample_scorer.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/scoring/tiny_scoring_models.h"

using namespace gateau::scoring;
using gateau::datasets::Conversation;
using gateau::datasets::Role;
namespace model = gateau::model;
namespace fs = std::filesystem;

namespace {

using gateau::test::kTokenizerDir;

bool nearRel(double a, double b, double tol) { return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b)); }

#define QVERIFY_NEAR(actual, expected, tol)                                                                  \
    do {                                                                                                     \
        const double a_ = (actual), e_ = (expected);                                                         \
        QVERIFY2(nearRel(a_, e_, tol),                                                                       \
                 qPrintable(QString("%1 = %2, expected %3").arg(#actual).arg(a_, 0, 'g', 17).arg(e_, 0, 'g', 17))); \
    } while (0)

// ~300 Mistral tokens of varied prose.
std::string longContext() {
    const char* words[] = {"river", "mountain", "engine", "library", "harvest", "signal", "copper", "window",
                           "lantern", "meadow", "archive", "compass", "thunder", "garden", "ledger", "orbit"};
    std::string s;
    for (int i = 0; i < 235; ++i) {
        s += words[(i * 7 + i / 5) % 16];
        s += (i % 11 == 10) ? ". " : " ";
    }
    return s;
}

Conversation conv(const std::string& user, const std::string& response) {
    Conversation c;
    c.turns.push_back({Role::User, user});
    c.turns.push_back({Role::Assistant, response});
    return c;
}

Conversation sample() {
    return conv(longContext() + "\n\nWhich words about weather appear in the notes above?",
                "The notes mention thunder several times, and a meadow near the river.");
}

double pplOfSpan(const std::vector<float>& lp, size_t count) {
    double s = 0;
    for (size_t i = 0; i < count; ++i) s += lp[i];
    return std::exp(-s / double(count));
}

template <typename Fn>
void expectScoringError(Fn fn, const char* needle) {
    try {
        fn();
    } catch (const ScoringError& e) {
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos,
                 qPrintable(QString("message '%1' lacks '%2'").arg(e.what(), needle)));
        return;
    }
    QFAIL(qPrintable(QString("no ScoringError (expected '%1')").arg(needle)));
}

}  // namespace

class TestSampleScorer : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::unique_ptr<model::Engine> a_, b_;
    std::unique_ptr<gateau::tok::Tokenizer> tok_;
    PromptConfig cfg_;

    ScorerModels models() const { return {a_.get(), b_.get(), tok_.get()}; }

private slots:
    void initTestCase();
    void fullPassMatchesDirect();
    void trailingTemplateTextIsNotScored();
    void batchedSegmentsEqualOneByOne();
    void segmentPplMatchesDirect();
    void camValues();
    void ifdIsRatio();
    void leftTruncation();
    void noContextRule();
    void errors();
};

void TestSampleScorer::initTestCase() {
    if (!fs::is_directory(kTokenizerDir))
        QSKIP("Mistral tokenizer not found in " GATEAU_SHARED_DIR "/testdata/tokenizers/mistral; skipping");
    QVERIFY(tmp_.isValid());
    model::EngineOptions opt;
    opt.dtype = model::ComputeDtype::Float32;
    opt.device = "cpu";
    opt.threads = 1;
    for (uint64_t seed : {uint64_t(1), uint64_t(2)}) {
        const std::string dir = gateau::test::writeTinyScoringModel(tmp_.path().toStdString(), seed);
        auto engine = model::loadEngine(model::Checkpoint::open(dir), opt);
        (seed == 1 ? a_ : b_) = std::move(engine);
    }
    tok_ = gateau::tok::Tokenizer::load(kTokenizerDir);
    cfg_.segmentLen = 64;
}

void TestSampleScorer::fullPassMatchesDirect() {
    const SampleRawScores s = scoreSample({sample()}, models(), cfg_);
    const BuiltPrompt p = buildPrompt(*tok_, sample(), cfg_);
    QCOMPARE(s.promptTokens, p.spanFrom);
    QCOMPARE(s.responseTokens, p.spanEnd - p.spanFrom);
    QCOMPARE(s.contextTokens, p.contextEnd - p.contextBegin);
    QVERIFY2(s.contextTokens > 250 && s.contextTokens < 400, qPrintable(QString::number(s.contextTokens)));
    QVERIFY(!s.truncated);
    QCOMPARE(s.logprobsA.size(), size_t(s.responseTokens));
    QCOMPARE(s.logprobsB.size(), size_t(s.responseTokens));

    model::SpanRequest req;
    req.spanFrom = p.spanFrom;
    const model::SpanResult rb = b_->scoreSpan(p.ids, req);
    const model::SpanResult ra = a_->scoreSpan(p.ids, req);
    QVERIFY_NEAR(s.pplB, pplOfSpan(rb.logprobs, size_t(s.responseTokens)), 1e-6);
    QVERIFY_NEAR(s.pplA, pplOfSpan(ra.logprobs, size_t(s.responseTokens)), 1e-6);
    QVERIFY_NEAR(s.pplB, std::exp(-rb.meanSpanLogprob()), 1e-6);
    for (size_t i = 0; i < s.logprobsB.size(); ++i) {
        QVERIFY_NEAR(s.logprobsB[i], rb.logprobs[i], 1e-6);
        QVERIFY_NEAR(s.logprobsA[i], ra.logprobs[i], 1e-6);
    }
    QVERIFY(s.pplA != s.pplB);  // different seeds, different models
}

void TestSampleScorer::trailingTemplateTextIsNotScored() {
    PromptConfig cfg = cfg_;
    cfg.templ += "\n### End of sample";
    const BuiltPrompt p = buildPrompt(*tok_, sample(), cfg);
    QVERIFY(p.spanEnd < int64_t(p.ids.size()));
    const SampleRawScores s = scoreSample({sample()}, models(), cfg);
    QCOMPARE(s.logprobsB.size(), size_t(p.spanEnd - p.spanFrom));
    // Causal model: the response's log-probs do not depend on what follows it.
    model::SpanRequest req;
    req.spanFrom = p.spanFrom;
    const model::SpanResult r = b_->scoreSpan(p.ids, req);
    QVERIFY(r.logprobs.size() > s.logprobsB.size());
    QVERIFY_NEAR(s.pplB, pplOfSpan(r.logprobs, s.logprobsB.size()), 1e-5);
    // Attention queries are the response tokens only.
    QCOMPARE(s.tokenSegmentAttention.size(), size_t(s.responseTokens * s.segments));
    // Segment passes end at the response too.
    const SpanPrompt sp = buildSegmentPrompt(p, 0);
    model::SpanRequest sreq;
    sreq.spanFrom = sp.spanFrom;
    const model::SpanResult sr = b_->scoreSpan(sp.ids, sreq);
    QVERIFY_NEAR(s.segmentPpl[0], pplOfSpan(sr.logprobs, size_t(sp.spanEnd - sp.spanFrom)), 1e-5);
}

void TestSampleScorer::batchedSegmentsEqualOneByOne() {
    const SampleRawScores one = scoreSample({sample()}, models(), cfg_, 8192, false);
    const SampleRawScores big = scoreSample({sample()}, models(), cfg_, 8192, true);
    const SampleRawScores small = scoreSample({sample()}, models(), cfg_, 250, true);  // groups of 1-2
    QVERIFY(one.segments >= 5);
    QCOMPARE(big.segmentPpl.size(), one.segmentPpl.size());
    QCOMPARE(small.segmentPpl.size(), one.segmentPpl.size());
    for (size_t k = 0; k < one.segmentPpl.size(); ++k) {
        QVERIFY_NEAR(big.segmentPpl[k], one.segmentPpl[k], 1e-5);
        QVERIFY_NEAR(small.segmentPpl[k], one.segmentPpl[k], 1e-5);
    }
    QVERIFY_NEAR(big.cas, one.cas, 1e-5);
    QCOMPARE(big.pplB, one.pplB);
}

void TestSampleScorer::segmentPplMatchesDirect() {
    const SampleRawScores s = scoreSample({sample()}, models(), cfg_);
    const BuiltPrompt p = buildPrompt(*tok_, sample(), cfg_);
    QCOMPARE(s.segmentPpl.size(), p.segments.size());
    for (size_t k : {size_t(0), size_t(2), p.segments.size() - 1}) {
        const SpanPrompt sp = buildSegmentPrompt(p, k);
        model::SpanRequest req;
        req.spanFrom = sp.spanFrom;
        const model::SpanResult r = b_->scoreSpan(sp.ids, req);
        QVERIFY_NEAR(s.segmentPpl[k], pplOfSpan(r.logprobs, size_t(sp.spanEnd - sp.spanFrom)), 1e-5);
    }
    // Segments differ, so their PPLs do.
    QVERIFY(s.segmentPpl.front() != s.segmentPpl.back());
}

void TestSampleScorer::camValues() {
    const SampleRawScores s = scoreSample({sample()}, models(), cfg_);
    const int64_t S = (s.contextTokens + cfg_.segmentLen - 1) / cfg_.segmentLen;
    QCOMPARE(s.segments, S);
    QCOMPARE(s.layers, int64_t(2));
    QCOMPARE(s.layerSegmentAttention.size(), size_t(s.layers * S));
    QCOMPARE(s.tokenSegmentAttention.size(), size_t(s.responseTokens * S));
    QCOMPARE(s.importance.size(), size_t(S));
    QCOMPARE(s.attention.size(), size_t(S));
    QVERIFY_NEAR(std::accumulate(s.importance.begin(), s.importance.end(), 0.0), 1.0, 1e-12);
    QVERIFY_NEAR(std::accumulate(s.attention.begin(), s.attention.end(), 0.0), 1.0, 1e-9);
    for (double v : s.importance) QVERIFY(v > 0);
    for (double v : s.attention) QVERIFY(v >= 0);
    QVERIFY(s.cas >= 0.0 && s.cas <= 1.0);
    QCOMPARE(s.cas, cas(s.importance, s.attention));
    QCOMPARE(s.camRaw, 1.0 - s.cas);
    QCOMPARE(s.importance, segmentImportance(s.segmentPpl));

    // The attention is the engine's over the context tokens of the full prompt.
    const BuiltPrompt p = buildPrompt(*tok_, sample(), cfg_);
    model::SpanRequest req;
    req.spanFrom = p.spanFrom;
    req.segmentLen = cfg_.segmentLen;
    req.segmentBegin = p.contextBegin;
    req.segmentEnd = p.contextEnd;
    const model::SpanResult r = b_->scoreSpan(p.ids, req);
    QCOMPARE(r.numSegments, S);
    for (size_t i = 0; i < r.segmentAttention.size(); ++i)
        QVERIFY_NEAR(s.layerSegmentAttention[i], r.segmentAttention[i], 1e-6);
    // Per-token rows: mass on the context, at most 1 each.
    for (int64_t t = 0; t < s.responseTokens; ++t) {
        double row = 0;
        for (int64_t k = 0; k < S; ++k) row += s.tokenSegmentAttention[size_t(t * S + k)];
        QVERIFY(row > 0 && row <= 1.0 + 1e-5);
    }
}

void TestSampleScorer::ifdIsRatio() {
    const SampleRawScores s = scoreSample({sample()}, models(), cfg_);
    QVERIFY_NEAR(s.ifd, s.pplB / s.pplResponseOnly, 1e-12);
    const BuiltPrompt p = buildPrompt(*tok_, sample(), cfg_);
    const SpanPrompt ro = buildResponseOnly(p);
    QCOMPARE(ro.ids.size(), size_t(s.responseTokens + 1));  // BOS + response
    model::SpanRequest req;
    req.spanFrom = ro.spanFrom;
    const model::SpanResult r = b_->scoreSpan(ro.ids, req);
    QVERIFY_NEAR(s.pplResponseOnly, pplOfSpan(r.logprobs, size_t(s.responseTokens)), 1e-6);
}

void TestSampleScorer::leftTruncation() {
    const SampleRawScores whole = scoreSample({sample()}, models(), cfg_);
    PromptConfig cfg = cfg_;
    const int64_t total = whole.promptTokens + whole.responseTokens;
    cfg.maxTokens = total - 100;
    const SampleRawScores s = scoreSample({sample()}, models(), cfg);
    QVERIFY(s.truncated);
    QCOMPARE(s.truncatedContextTokens, int64_t(100));
    QCOMPARE(s.contextTokens, whole.contextTokens - 100);
    QCOMPARE(s.promptTokens + s.responseTokens, cfg.maxTokens);
    QCOMPARE(s.responseTokens, whole.responseTokens);
    QCOMPARE(s.segments, (s.contextTokens + cfg.segmentLen - 1) / cfg.segmentLen);
    QCOMPARE(s.segmentPpl.size(), size_t(s.segments));
    // The response-only pass does not see the context, so truncation leaves it unchanged.
    QCOMPARE(s.pplResponseOnly, whole.pplResponseOnly);
}

void TestSampleScorer::noContextRule() {
    const Conversation c = conv("Name a colour of the sky.", "Blue, on a clear day.");
    const SampleRawScores s = scoreSample({c}, models(), cfg_);
    QCOMPARE(s.contextTokens, int64_t(0));
    QCOMPARE(s.segments, int64_t(0));
    QCOMPARE(s.layers, int64_t(2));
    QVERIFY(s.segmentPpl.empty());
    QVERIFY(s.importance.empty());
    QVERIFY(s.attention.empty());
    QVERIFY(s.layerSegmentAttention.empty());
    QVERIFY(s.tokenSegmentAttention.empty());
    QCOMPARE(s.cas, 1.0);
    QCOMPARE(s.camRaw, 0.0);
    QVERIFY(std::isfinite(s.pplA) && s.pplA > 0);
    QVERIFY(std::isfinite(s.pplB) && s.pplB > 0);
    QVERIFY(std::isfinite(s.ifd) && s.ifd > 0);
}

void TestSampleScorer::errors() {
    expectScoringError([&] { scoreSample({conv("Question?", "")}, models(), cfg_); }, "response is empty");
    PromptConfig tiny = cfg_;
    tiny.maxTokens = 10;
    expectScoringError([&] { scoreSample({sample()}, models(), tiny); }, "without context, more than max_tokens 10");
    Conversation noAnswer;
    noAnswer.turns.push_back({Role::User, "Hello"});
    expectScoringError([&] { scoreSample({noAnswer}, models(), cfg_); }, "no assistant turn");
    expectScoringError([&] { scoreSample({sample()}, {nullptr, b_.get(), tok_.get()}, cfg_); }, "required");
    expectScoringError([&] { scoreSample({sample()}, models(), cfg_, 0); }, "segment batch tokens");

    // A model that does not know the tokenizer's ids: the engine's ModelError comes back as a
    // ScoringError naming the pass.
    model::TinyModelSpec spec;  // no tokenizer files: vocabulary of 100 ids
    spec.vocabSize = 100;
    spec.layers = 1;
    spec.hidden = 32;
    spec.heads = 2;
    spec.kvHeads = 1;
    spec.intermediate = 64;
    const std::string dir = tmp_.path().toStdString() + "/small_vocab";
    model::makeTinyModel(dir, spec);
    model::EngineOptions opt;
    opt.dtype = model::ComputeDtype::Float32;
    opt.threads = 1;
    auto smallVocab = model::loadEngine(model::Checkpoint::open(dir), opt);
    expectScoringError([&] { scoreSample({sample()}, {smallVocab.get(), b_.get(), tok_.get()}, cfg_); },
                       "model A, full prompt: token id");
}

QTEST_GUILESS_MAIN(TestSampleScorer)
#include "test_sample_scorer.moc"
