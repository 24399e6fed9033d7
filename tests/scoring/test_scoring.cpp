// GATEAU formulas against hand-computed pools, ranking/selection rules, and prompt building
// (exact spans, left truncation, segments) on a tiny inline tokenizer and the real Mistral one.
#include <QFileInfo>
#include <QtTest>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/datasets/conversation.h"
#include "core/scoring/auroc.h"
#include "core/scoring/formulas.h"
#include "core/scoring/prompt.h"
#include "core/tokenizer/tokenizer.h"

using namespace gateau::scoring;
using gateau::datasets::Conversation;
using gateau::datasets::Role;
using gateau::tok::Tokenizer;

namespace {

constexpr double kTol = 1e-12;

#define QCOMPARE_NEAR(actual, expected)                                                                 \
    do {                                                                                                \
        const double a_ = (actual), e_ = (expected);                                                    \
        QVERIFY2(std::fabs(a_ - e_) <= kTol,                                                            \
                 qPrintable(QString("%1 = %2, expected %3").arg(#actual).arg(a_, 0, 'g', 17).arg(e_, 0, 'g', 17))); \
    } while (0)

void compareVec(const std::vector<double>& actual, const std::vector<double>& expected) {
    QCOMPARE(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i) QCOMPARE_NEAR(actual[i], expected[i]);
}

// Expects fn to throw a ScoringError whose message contains needle.
void expectError(const std::function<void()>& fn, const char* needle) {
    try {
        fn();
        QFAIL(qPrintable(QString("no ScoringError (wanted '%1')").arg(needle)));
    } catch (const ScoringError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QString::fromUtf8(needle)), e.what());
    }
}

// Character-level tokenizer: one token per printable ASCII char or '\n', no merges, no
// Fuse decoder (decode concatenates), "<s>" as BOS when withBos. Token counts are then string
// lengths, so every expected position below is plain arithmetic.
std::unique_ptr<Tokenizer> charTokenizer(bool withBos) {
    nlohmann::json vocab = nlohmann::json::object();
    int id = 0;
    vocab["\n"] = id++;
    for (int c = 32; c < 127; ++c) vocab[std::string(1, char(c))] = id++;
    nlohmann::json j = {{"normalizer", nullptr}, {"pre_tokenizer", nullptr}, {"decoder", {{"type", "Fuse"}}},
                        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}}};
    if (withBos) {  // added by the post-processor, as real tokenizers do
        vocab["<s>"] = id;
        j["model"]["vocab"] = vocab;
        j["added_tokens"] = {{{"id", id}, {"content", "<s>"}, {"special", true}, {"normalized", false},
                              {"single_word", false}, {"lstrip", false}, {"rstrip", false}}};
        j["post_processor"] = {{"type", "TemplateProcessing"},
                               {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                           {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                               {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {id}}, {"tokens", {"<s>"}}}}}}};
    }
    return Tokenizer::fromJsonText(j.dump(), withBos ? "char-bos.json" : "char.json");
}

std::vector<int32_t> slice(const std::vector<int64_t>& ids, int64_t from, int64_t to) {
    return std::vector<int32_t>(ids.begin() + from, ids.begin() + to);
}

std::string sharedMistral() { return std::string(GATEAU_SHARED_DIR) + "/testdata/tokenizers/mistral"; }

}  // namespace

class TestScoring : public QObject {
    Q_OBJECT
private slots:
    void aurocHandChecked();
    void perplexityBasics();
    void minMaxAndSoftmax();
    void hmgPool();
    void importanceAndAttention();
    void casCamCombined();
    void ifdBaseline();
    void badInput();
    void rankTopPercent();
    void rankTopN();
    void rankOverrides();
    void rankErrors();

    void templateValidation();
    void conversationSplit();
    void conversationSplitRules();
    void charPromptLayout();
    void charSegmentsAndSegmentPrompt();
    void charTruncation();
    void charResponseOnly();
    void mistralSpans();
    void mistralTruncation();
};

void TestScoring::aurocHandChecked() {
    using gateau::scoring::auroc;
    // sklearn's documented example: 3 of the 4 positive-negative pairs are ordered right.
    QCOMPARE(auroc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}), 0.75);
    // A tie between a positive and a negative counts half: (0.5 + 1) / 2.
    QCOMPARE(auroc({1, 1, 2}, {true, false, true}), 0.75);
    QCOMPARE(auroc({3, 2, 1}, {true, false, false}), 1.0);
    QCOMPARE(auroc({3, 2, 1}, {false, false, true}), 0.0);
    for (auto bad : {std::function<void()>([] { auroc({1, 2}, {true, true}); }),
                     std::function<void()>([] { auroc({1}, {true, false}); })}) {
        try {
            bad();
            QFAIL("accepted");
        } catch (const gateau::scoring::ScoringError&) {
        }
    }
}

void TestScoring::perplexityBasics() {
    // mean(-1, -3) = -2 -> exp(2); the log-probs are exact in float, so the only error is exp's.
    QCOMPARE_NEAR(perplexity({-1.0f, -3.0f}), std::exp(2.0));
    QCOMPARE_NEAR(perplexity({0.0f, 0.0f, 0.0f}), 1.0);
    QCOMPARE_NEAR(perplexity({-0.25f, -0.75f}), std::exp(0.5));  // 1.6487212707001282
}

void TestScoring::minMaxAndSoftmax() {
    // min 2, max 6: (2-2)/4 = 0, (4-2)/4 = 0.5, (6-2)/4 = 1, (3-2)/4 = 0.25.
    compareVec(minMaxNormalize({2, 4, 6, 3}), {0, 0.5, 1, 0.25});
    // Equal values: every value is 0 (our decision; a uniform softmax follows).
    compareVec(minMaxNormalize({7, 7, 7}), {0, 0, 0});
    compareVec(poolSoftmax({0, 0, 0, 0}), {0.25, 0.25, 0.25, 0.25});
    // softmax(0, 1) = (1, e)/(1 + e) = (0.2689414213699951, 0.7310585786300049).
    compareVec(poolSoftmax({0, 1}), {1 / (1 + std::exp(1.0)), std::exp(1.0) / (1 + std::exp(1.0))});
    // Shift-invariant and stable: 1000 would overflow exp without the max subtracted.
    compareVec(poolSoftmax({1000, 1001}), {1 / (1 + std::exp(1.0)), std::exp(1.0) / (1 + std::exp(1.0))});
}

void TestScoring::hmgPool() {
    // Pool of 4; log-probs per sample for model A and model B (all exact in float).
    //   A: s1 {-1,-3} mean -2 -> PPL e^2   = 7.38905609893065
    //      s2 {-0.5,-1.5} -1  -> e^1       = 2.718281828459045
    //      s3 {-3,-3,-3}  -3  -> e^3       = 20.085536923187668
    //      s4 {-0.25,-0.75} -0.5 -> e^0.5  = 1.6487212707001282
    //   B: s1 {-0.5,-0.5} -> e^0.5 = 1.6487212707001282
    //      s2 {-1}        -> e^1   = 2.718281828459045
    //      s3 {-2,-1}     -> e^1.5 = 4.4816890703380645
    //      s4 {-0.25,-0.25} -> e^0.25 = 1.2840254166877414
    const std::vector<double> pplA = {perplexity({-1, -3}), perplexity({-0.5f, -1.5f}), perplexity({-3, -3, -3}),
                                      perplexity({-0.25f, -0.75f})};
    const std::vector<double> pplB = {perplexity({-0.5f, -0.5f}), perplexity({-1}), perplexity({-2, -1}),
                                      perplexity({-0.25f, -0.25f})};
    const double e = std::exp(1.0);
    compareVec(pplA, {e * e, e, e * e * e, std::sqrt(e)});
    // N_A = (PPL - e^0.5) / (e^3 - e^0.5); range 18.43681565248754:
    //   (0.3113517505641503, 0.05801221739799786, 1, 0)
    // N_B = (PPL - e^0.25) / (e^1.5 - e^0.25); range 3.197663653650323:
    //   (0.1140507237514067, 0.4485326060275335, 1, 0)
    // d = N_A - N_B = (0.19730102681274364, -0.39052038862953564, 0, 0)
    // exp(d) = (1.2181263..., 0.6767038..., 1, 1); sum = 3.89482...
    // HMG = (0.31275184437372633, 0.1737449868150198, 0.2567515844056269, 0.2567515844056269)
    const auto hmg = hmgScores(pplA, pplB);
    compareVec(hmg, {0.31275184437372633, 0.1737449868150198, 0.2567515844056269, 0.2567515844056269});
    // Same thing written from the closed forms, to catch a typo in the constants above.
    const double nA1 = (e * e - std::sqrt(e)) / (e * e * e - std::sqrt(e));
    const double nA2 = (e - std::sqrt(e)) / (e * e * e - std::sqrt(e));
    const double nB1 = (std::exp(0.5) - std::exp(0.25)) / (std::exp(1.5) - std::exp(0.25));
    const double nB2 = (e - std::exp(0.25)) / (std::exp(1.5) - std::exp(0.25));
    const double sum = std::exp(nA1 - nB1) + std::exp(nA2 - nB2) + 2;
    compareVec(hmg, {std::exp(nA1 - nB1) / sum, std::exp(nA2 - nB2) / sum, 1 / sum, 1 / sum});
    // One-sample pool: min == max for both models, d = 0, HMG = 1.
    compareVec(hmgScores({3}, {5}), {1});
}

void TestScoring::importanceAndAttention() {
    // 1/2, 1/4, 1/4 sum to 1: I = (0.5, 0.25, 0.25).
    compareVec(segmentImportance({2, 4, 4}), {0.5, 0.25, 0.25});
    // 1/1, 1/3: sum 4/3 -> (0.75, 0.25).
    compareVec(segmentImportance({1, 3}), {0.75, 0.25});
    // Layer sums (1+0.2, 1+0.8, 2+1) = (1.2, 1.8, 3.0), total 6 -> (0.2, 0.3, 0.5).
    compareVec(attentionDistribution({{1, 1, 2}, {0.2, 0.8, 1.0}}), {0.2, 0.3, 0.5});
    compareVec(attentionDistribution({{0, 0}, {0, 0}}), {0, 0});
}

void TestScoring::casCamCombined() {
    // I = (0.5, 0.25, 0.25), A = (0.2, 0.3, 0.5):
    // I.A = 0.1 + 0.075 + 0.125 = 0.3; |I|^2 = 0.375; |A|^2 = 0.38;
    // cos = 0.3 / sqrt(0.1425) = 0.3 / 0.37749172176353746 = 0.7947194142390261.
    const double c = cas({0.5, 0.25, 0.25}, {0.2, 0.3, 0.5});
    QCOMPARE_NEAR(c, 0.3 / std::sqrt(0.375 * 0.38));
    QCOMPARE_NEAR(c, 0.7947194142390261);
    QCOMPARE_NEAR(camRaw(c), 1 - 0.7947194142390261);
    QCOMPARE_NEAR(cas({1, 2, 3}, {2, 4, 6}), 1.0);
    QCOMPARE_NEAR(cosine({0, 0}, {1, 2}), 0.0);
    QCOMPARE_NEAR(cosine({1, 0}, {0, 1}), 0.0);

    // cam_raw = (0.1, 0.5, 0.3, 0.1): min 0.1, max 0.5 -> N = (0, 1, 0.5, 0);
    // softmax = (1, e, e^0.5, 1) / (2 + e + e^0.5), sum 6.367003099159173:
    // CAM = (0.1570597633495828, 0.4269327006952488, 0.25894777260558555, 0.1570597633495828).
    const auto cam = camScores({0.1, 0.5, 0.3, 0.1});
    compareVec(cam, {0.1570597633495828, 0.4269327006952488, 0.25894777260558555, 0.1570597633495828});

    // alpha 0.7 with the HMG pool of hmgPool(): 0.7*HMG + 0.3*CAM =
    //   0.7*0.31275184437372633 + 0.3*0.1570597633495828  = 0.26604422006648326
    //   0.7*0.1737449868150198  + 0.3*0.4269327006952488  = 0.2497013009790885
    //   0.7*0.2567515844056269  + 0.3*0.25894777260558555 = 0.2574104408656145
    //   0.7*0.2567515844056269  + 0.3*0.1570597633495828  = 0.22684403808881365
    const std::vector<double> hmg = {0.31275184437372633, 0.1737449868150198, 0.2567515844056269,
                                     0.2567515844056269};
    compareVec(combined(hmg, cam, 0.7),
               {0.26604422006648326, 0.2497013009790885, 0.2574104408656145, 0.22684403808881365});
    compareVec(combined(hmg, cam, 1.0), hmg);
    compareVec(combined(hmg, cam, 0.0), cam);
    QCOMPARE_NEAR(combined(0.5, 0.1, 0.7), 0.38);  // 0.35 + 0.03
}

void TestScoring::ifdBaseline() {
    QCOMPARE_NEAR(ifd(6, 4), 1.5);
    // PPL(y|c,x) = e^2 (mean -2), PPL(y) = e^1 (mean -1): IFD = e.
    QCOMPARE_NEAR(ifd(perplexity({-2, -2}), perplexity({-1})), std::exp(1.0));
}

void TestScoring::badInput() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    expectError([] { perplexity({}); }, "no response tokens");
    expectError([] { perplexity({-1, std::numeric_limits<float>::quiet_NaN()}); }, "NaN");
    expectError([] { perplexity({-std::numeric_limits<float>::infinity()}); }, "not finite");
    expectError([] { minMaxNormalize({}); }, "empty");
    expectError([&] { minMaxNormalize({1, nan}); }, "not finite");
    expectError([] { poolSoftmax({}); }, "empty");
    expectError([] { hmgScores({1, 2}, {1}); }, "mismatched lengths 2 and 1");
    expectError([] { hmgScores({1, -2}, {1, 2}); }, "must be > 0");
    expectError([] { hmgScores({}, {}); }, "empty");
    expectError([&] { hmgScores({1, inf}, {1, 2}); }, "not finite");
    expectError([] { segmentImportance({2, 0}); }, "must be > 0");
    expectError([] { attentionDistribution({{1, 2}, {1}}); }, "mismatched lengths");
    expectError([] { attentionDistribution({{1, -2}}); }, ">= 0");
    expectError([] { attentionDistribution({}); }, "no layers");
    expectError([] { cosine({1}, {1, 2}); }, "mismatched");
    expectError([] { cas({}, {}); }, "no segments");
    expectError([] { cas({0.5, -0.5}, {0.5, 0.5}); }, "non-negative");
    expectError([] { combined(std::vector<double>{1}, std::vector<double>{1, 2}, 0.7); }, "mismatched");
    expectError([] { combined(0.1, 0.2, 1.5); }, "alpha");
    expectError([] { ifd(0, 1); }, "must be finite and > 0");
    expectError([&] { ifd(1, nan); }, "must be finite and > 0");
}

void TestScoring::rankTopPercent() {
    // Scores: 10:0.1 11:0.5 12:0.3 13:0.5 14:0.2. Descending, ties by id: 11, 13, 12, 14, 10.
    // top 50% of 5 = ceil(2.5) = 3: 11, 13, 12.
    const auto r = rankAndSelect({10, 11, 12, 13, 14}, {0.1, 0.5, 0.3, 0.5, 0.2}, Selection::topPercent(50));
    QCOMPARE(r.size(), size_t(5));
    const int64_t order[] = {11, 13, 12, 14, 10};
    const bool sel[] = {true, true, true, false, false};
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(r[size_t(i)].sampleId, order[i]);
        QCOMPARE(r[size_t(i)].rank, i + 1);
        QCOMPARE(r[size_t(i)].selected, sel[i]);
    }
    QCOMPARE(r[0].score, 0.5);
    // Tie order does not depend on input order.
    const auto swapped = rankAndSelect({13, 11}, {0.5, 0.5}, Selection::topPercent(50));
    QCOMPARE(swapped[0].sampleId, int64_t(11));
    QVERIFY(swapped[0].selected && !swapped[1].selected);  // ceil(1.0) = 1
    // Rounding: 10% of 30 is 3 (not 4), 10% of 31 is ceil(3.1) = 4, 100% is all, tiny k is 1.
    QCOMPARE(cutSize(30, Selection::topPercent(10)), int64_t(3));
    QCOMPARE(cutSize(31, Selection::topPercent(10)), int64_t(4));
    QCOMPARE(cutSize(7, Selection::topPercent(100)), int64_t(7));
    QCOMPARE(cutSize(7, Selection::topPercent(0.001)), int64_t(1));
}

void TestScoring::rankTopN() {
    const std::vector<int64_t> ids = {10, 11, 12, 13, 14};
    const std::vector<double> s = {0.1, 0.5, 0.3, 0.5, 0.2};
    auto selectedIds = [](const std::vector<RankedSample>& r) {
        std::vector<int64_t> out;
        for (const auto& x : r)
            if (x.selected) out.push_back(x.sampleId);
        return out;
    };
    QCOMPARE(selectedIds(rankAndSelect(ids, s, Selection::topN(2))), (std::vector<int64_t>{11, 13}));
    QCOMPARE(selectedIds(rankAndSelect(ids, s, Selection::topN(10))), (std::vector<int64_t>{11, 13, 12, 14, 10}));
    QCOMPARE(selectedIds(rankAndSelect(ids, s, Selection::topN(0))), std::vector<int64_t>{});
}

void TestScoring::rankOverrides() {
    // top 50% = {11, 13, 12}; force keep 10 (last), force drop 13 (inside the cut), None on 14.
    Selection sel = Selection::topPercent(50);
    sel.overrides = {{10, Override::Keep}, {13, Override::Drop}, {14, Override::None}, {99, Override::Keep}};
    const auto r = rankAndSelect({10, 11, 12, 13, 14}, {0.1, 0.5, 0.3, 0.5, 0.2}, sel);
    // Ranks are unchanged by overrides; only selection flips.
    const int64_t order[] = {11, 13, 12, 14, 10};
    const bool expected[] = {true, false, true, false, true};
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(r[size_t(i)].sampleId, order[i]);
        QCOMPARE(r[size_t(i)].rank, i + 1);
        QCOMPARE(r[size_t(i)].selected, expected[i]);
    }
    // Forced keep with top-0 and forced drop with everything selected.
    Selection none = Selection::topN(0);
    none.overrides = {{12, Override::Keep}};
    const auto r0 = rankAndSelect({11, 12}, {1, 2}, none);
    QVERIFY(r0[0].sampleId == 12 && r0[0].selected && !r0[1].selected);
    Selection all = Selection::topPercent(100);
    all.overrides = {{12, Override::Drop}};
    const auto r1 = rankAndSelect({11, 12}, {1, 2}, all);
    QVERIFY(r1[0].sampleId == 12 && !r1[0].selected && r1[1].selected);
}

void TestScoring::rankErrors() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    expectError([] { rankAndSelect({}, {}, Selection::topN(1)); }, "empty pool");
    expectError([] { rankAndSelect({1, 2}, {0.1}, Selection::topN(1)); }, "mismatched lengths 2 and 1");
    expectError([&] { rankAndSelect({1, 2}, {0.1, nan}, Selection::topN(1)); }, "sample 2 is NaN");
    expectError([] { rankAndSelect({1, 1}, {0.1, 0.2}, Selection::topN(1)); }, "appears twice");
    expectError([] { rankAndSelect({1}, {0.1}, Selection::topPercent(0)); }, "not in (0, 100]");
    expectError([] { rankAndSelect({1}, {0.1}, Selection::topPercent(100.5)); }, "not in (0, 100]");
    expectError([] { rankAndSelect({1}, {0.1}, Selection::topN(-1)); }, "< 0");
}

void TestScoring::templateValidation() {
    PromptConfig c;
    validate(c);
    c.templ = "{context} {response}";
    expectError([&] { validate(c); }, "lacks the placeholder {instruction}");
    c.templ = "{instruction} {context} {response}";
    expectError([&] { validate(c); }, "in this order");
    c.templ = "{context} {instruction} {response} {context}";
    expectError([&] { validate(c); }, "more than once");
    c = PromptConfig{};
    c.segmentLen = 0;
    expectError([&] { validate(c); }, "segment length");
    c = PromptConfig{};
    c.maxTokens = 0;
    expectError([&] { validate(c); }, "max_tokens");
}

void TestScoring::conversationSplit() {
    Conversation conv;
    conv.turns = {{Role::System, "Be brief."},
                  {Role::User, "Hi"},
                  {Role::Assistant, "Hello"},
                  {Role::User, "Doc para1\n\nDoc para2\n\nSummarise."},
                  {Role::Assistant, "Short."}};
    const auto p = splitConversation(conv, PromptConfig{});
    QCOMPARE(p.context, std::string("system: Be brief.\n\nuser: Hi\n\nassistant: Hello\n\nDoc para1\n\nDoc para2"));
    QCOMPARE(p.instruction, std::string("Summarise."));
    QCOMPARE(p.response, std::string("Short."));

    Conversation single;
    single.turns = {{Role::User, "Just a question"}, {Role::Assistant, "An answer"}};
    const auto q = splitConversation(single, PromptConfig{});
    QCOMPARE(q.context, std::string());
    QCOMPARE(q.instruction, std::string("Just a question"));

    Conversation earlierOnly;
    earlierOnly.turns = {{Role::System, "S"}, {Role::User, "Q"}, {Role::Assistant, "A"}};
    QCOMPARE(splitConversation(earlierOnly, PromptConfig{}).context, std::string("system: S"));

    Conversation noAnswer;
    noAnswer.turns = {{Role::User, "Q"}};
    expectError([&] { splitConversation(noAnswer, PromptConfig{}); }, "no assistant turn");
    Conversation noUser;
    noUser.turns = {{Role::System, "S"}, {Role::Assistant, "A"}};
    expectError([&] { splitConversation(noUser, PromptConfig{}); }, "no user turn");
}

// RUN.json's "instruction" and "response_turn" rules, on a conversation with two exchanges.
void TestScoring::conversationSplitRules() {
    Conversation conv;
    conv.turns = {{Role::System, "S"},
                  {Role::User, "Doc one\n\nFirst question?"},
                  {Role::Assistant, "First answer."},
                  {Role::User, "Doc two\r\n\r\nSecond question?"},
                  {Role::Assistant, "Second answer."}};
    PromptConfig cfg;  // defaults: last paragraph of the final user turn, last assistant turn
    auto p = splitConversation(conv, cfg);
    QCOMPARE(p.context, std::string("system: S\n\nuser: Doc one\n\nFirst question?\n\nassistant: First answer.\n\nDoc two"));
    QCOMPARE(p.instruction, std::string("Second question?"));  // CRLF blank line
    QCOMPARE(p.response, std::string("Second answer."));

    cfg.instruction = InstructionRule::WholeTurn;  // the context is the earlier turns only
    p = splitConversation(conv, cfg);
    QCOMPARE(p.context, std::string("system: S\n\nuser: Doc one\n\nFirst question?\n\nassistant: First answer."));
    QCOMPARE(p.instruction, std::string("Doc two\r\n\r\nSecond question?"));
    QCOMPARE(p.response, std::string("Second answer."));

    cfg.responseTurn = ResponseTurn::First;  // later turns are not part of the prompt
    p = splitConversation(conv, cfg);
    QCOMPARE(p.context, std::string("system: S"));
    QCOMPARE(p.instruction, std::string("Doc one\n\nFirst question?"));
    QCOMPARE(p.response, std::string("First answer."));

    cfg.instruction = InstructionRule::LastParagraph;
    p = splitConversation(conv, cfg);
    QCOMPARE(p.context, std::string("system: S\n\nDoc one"));
    QCOMPARE(p.instruction, std::string("First question?"));

    // The names RUN.json uses, both ways.
    QCOMPARE(std::string(instructionRuleName(InstructionRule::WholeTurn)), std::string("whole_turn"));
    QVERIFY(instructionRuleFromName("last_paragraph") == InstructionRule::LastParagraph);
    QVERIFY(responseTurnFromName("first") == ResponseTurn::First);
    QVERIFY(!responseTurnFromName("middle"));
}

void TestScoring::charPromptLayout() {
    const auto tok = charTokenizer(true);
    const PromptConfig cfg;
    const PromptParts parts{"The context.", "Do it.", "Done!"};
    const auto p = buildPrompt(*tok, parts, cfg);
    const std::string whole =
        "### Input: The context.\n\n ### Instruction: Do it.\n\n ### Response: Done!";
    // One token per char plus BOS.
    QCOMPARE(p.ids.size(), whole.size() + 1);
    QCOMPARE(p.ids[0], int64_t(*tok->bosId()));
    QCOMPARE(tok->decode(slice(p.ids, 0, int64_t(p.ids.size())), true), whole);
    QCOMPARE(p.contextBegin, int64_t(1 + std::string("### Input: ").size()));  // 12
    QCOMPARE(p.contextEnd, p.contextBegin + 12);
    QCOMPARE(p.spanFrom, int64_t(whole.size() + 1 - 5));
    QCOMPARE(p.spanEnd, int64_t(p.ids.size()));
    QCOMPARE(tok->decode(slice(p.ids, p.spanFrom, p.spanEnd), true), parts.response);
    QCOMPARE(tok->decode(slice(p.ids, p.contextBegin, p.contextEnd), true), parts.context);
    QVERIFY(!p.truncated);
    QCOMPARE(p.truncatedContextTokens, int64_t(0));

    // Text after {response} is encoded but is not part of the span.
    PromptConfig tail;
    tail.templ = "[{context}|{instruction}|{response}]";
    const auto t = buildPrompt(*tok, parts, tail);
    QCOMPARE(tok->decode(slice(t.ids, t.spanFrom, t.spanEnd), true), parts.response);
    QCOMPARE(t.spanEnd + 1, int64_t(t.ids.size()));

    // No BOS when addBos is off or the tokenizer has none.
    PromptConfig noBos;
    noBos.addBos = false;
    QCOMPARE(buildPrompt(*tok, parts, noBos).ids.size(), whole.size());
    QCOMPARE(buildPrompt(*charTokenizer(false), parts, cfg).ids.size(), whole.size());

    // Empty context: empty range, no segments.
    const auto e = buildPrompt(*tok, PromptParts{"", "Q", "A"}, cfg);
    QCOMPARE(e.contextBegin, e.contextEnd);
    QVERIFY(e.segments.empty());
    expectError([&] { buildPrompt(*tok, PromptParts{"c", "Q", ""}, cfg); }, "response is empty");

    // From a conversation: the same as from its parts.
    Conversation conv;
    conv.turns = {{Role::User, "Ctx\n\nQ?"}, {Role::Assistant, "A."}};
    QCOMPARE(buildPrompt(*tok, conv, cfg).ids, buildPrompt(*tok, PromptParts{"Ctx", "Q?", "A."}, cfg).ids);
}

void TestScoring::charSegmentsAndSegmentPrompt() {
    const auto tok = charTokenizer(true);
    PromptConfig cfg;
    cfg.segmentLen = 4;
    const auto p = buildPrompt(*tok, PromptParts{"abcdefghij", "Q", "Ans"}, cfg);
    // 10 context tokens, L = 4: [b, b+4), [b+4, b+8), [b+8, b+10).
    const int64_t b = p.contextBegin;
    QCOMPARE(p.segments.size(), size_t(3));
    QCOMPARE(p.segments[0], std::make_pair(b, b + 4));
    QCOMPARE(p.segments[1], std::make_pair(b + 4, b + 8));
    QCOMPARE(p.segments[2], std::make_pair(b + 8, b + 10));
    QCOMPARE(p.segments.back().second, p.contextEnd);

    const auto s1 = buildSegmentPrompt(p, 1);
    QCOMPARE(tok->decode(slice(s1.ids, 0, int64_t(s1.ids.size())), true),
             std::string("### Input: efgh\n\n ### Instruction: Q\n\n ### Response: Ans"));
    QCOMPARE(s1.ids[0], int64_t(*tok->bosId()));
    QCOMPARE(tok->decode(slice(s1.ids, s1.spanFrom, s1.spanEnd), true), std::string("Ans"));
    QCOMPARE(s1.spanFrom, p.spanFrom - 6);
    const auto s2 = buildSegmentPrompt(p, 2);
    QCOMPARE(tok->decode(slice(s2.ids, s2.spanFrom, s2.spanEnd), true), std::string("Ans"));
    QCOMPARE(s2.ids.size(), p.ids.size() - 8);
    expectError([&] { buildSegmentPrompt(p, 3); }, "out of range");

    // Exact multiple of L: no empty trailing segment.
    cfg.segmentLen = 5;
    const auto q = buildPrompt(*tok, PromptParts{"abcdefghij", "Q", "Ans"}, cfg);
    QCOMPARE(q.segments.size(), size_t(2));
    QCOMPARE(q.segments[1].second - q.segments[1].first, int64_t(5));
}

void TestScoring::charTruncation() {
    const auto tok = charTokenizer(true);
    PromptConfig cfg;
    cfg.segmentLen = 3;
    const PromptParts parts{"0123456789", "Why?", "Because."};
    const auto full = buildPrompt(*tok, parts, cfg);
    const int64_t withoutContext = int64_t(full.ids.size()) - 10;
    cfg.maxTokens = withoutContext + 4;  // room for 4 of the 10 context tokens
    const auto t = buildPrompt(*tok, parts, cfg);
    QVERIFY(t.truncated);
    QCOMPARE(t.truncatedContextTokens, int64_t(6));
    QCOMPARE(int64_t(t.ids.size()), cfg.maxTokens);
    // The left is dropped: the context keeps its last 4 characters.
    QCOMPARE(tok->decode(slice(t.ids, t.contextBegin, t.contextEnd), true), std::string("6789"));
    QCOMPARE(tok->decode(slice(t.ids, t.spanFrom, t.spanEnd), true), parts.response);
    QCOMPARE(tok->decode(slice(t.ids, t.contextEnd, t.spanFrom), true),
             std::string("\n\n ### Instruction: Why?\n\n ### Response: "));
    QCOMPARE(t.segments.size(), size_t(2));  // 4 tokens, L = 3: 3 + 1
    QCOMPARE(t.segments[1], std::make_pair(t.contextBegin + 3, t.contextEnd));

    // Exactly fitting: not truncated. Empty context fits: everything dropped, no segments.
    cfg.maxTokens = int64_t(full.ids.size());
    QVERIFY(!buildPrompt(*tok, parts, cfg).truncated);
    cfg.maxTokens = withoutContext;
    const auto z = buildPrompt(*tok, parts, cfg);
    QCOMPARE(z.truncatedContextTokens, int64_t(10));
    QVERIFY(z.segments.empty());
    cfg.maxTokens = withoutContext - 1;
    expectError([&] { buildPrompt(*tok, parts, cfg); },
                qPrintable(QString("sample needs %1 tokens without context, more than max_tokens %2")
                               .arg(withoutContext)
                               .arg(withoutContext - 1)));
}

void TestScoring::charResponseOnly() {
    const PromptConfig cfg;
    const PromptParts parts{"ctx", "Q", "Yes."};
    const auto bosTok = charTokenizer(true);
    const auto r = buildResponseOnly(buildPrompt(*bosTok, parts, cfg));
    QCOMPARE(r.ids.size(), size_t(5));
    QCOMPARE(r.ids[0], int64_t(*bosTok->bosId()));
    QCOMPARE(r.spanFrom, int64_t(1));
    QCOMPARE(r.spanEnd, int64_t(5));
    QCOMPARE(bosTok->decode(slice(r.ids, r.spanFrom, r.spanEnd), true), parts.response);

    // Without a BOS the first response token has no predecessor and is not scored.
    const auto plain = charTokenizer(false);
    const auto n = buildResponseOnly(buildPrompt(*plain, parts, cfg));
    QCOMPARE(n.ids.size(), size_t(4));
    QCOMPARE(n.spanFrom, int64_t(1));
    QCOMPARE(plain->decode(slice(n.ids, 0, n.spanEnd), true), parts.response);
}

void TestScoring::mistralSpans() {
    if (!QFileInfo(QString::fromStdString(sharedMistral())).isDir())
        QSKIP("../shared/testdata/tokenizers/mistral not found: real-tokenizer prompt tests skipped");
    const auto tok = Tokenizer::load(sharedMistral());
    Conversation conv;
    conv.turns = {{Role::System, "You answer questions about documents."},
                  {Role::User, "The licence grants freedoms.\n\nIt also imposes conditions on distribution.\n\n"
                               "What does the licence impose?"},
                  {Role::Assistant, "Conditions on distribution, as stated in the second paragraph."}};
    const auto parts = splitConversation(conv, PromptConfig{});
    PromptConfig cfg;
    cfg.segmentLen = 8;
    const auto p = buildPrompt(*tok, conv, cfg);
    QCOMPARE(p.ids[0], int64_t(*tok->bosId()));
    QCOMPARE(tok->decode(slice(p.ids, p.spanFrom, p.spanEnd), true), parts.response);
    QCOMPARE(p.spanEnd, int64_t(p.ids.size()));
    QCOMPARE(tok->decode(slice(p.ids, p.contextBegin, p.contextEnd), true), parts.context);
    // The response tokens are exactly encode(response): no token straddles the boundary.
    const auto respIds = tok->encode(parts.response, false);
    QCOMPARE(slice(p.ids, p.spanFrom, p.spanEnd), respIds);
    // Segments tile the context range with L-sized pieces.
    QVERIFY(!p.segments.empty());
    QCOMPARE(p.segments.front().first, p.contextBegin);
    QCOMPARE(p.segments.back().second, p.contextEnd);
    for (size_t k = 0; k < p.segments.size(); ++k) {
        if (k) QCOMPARE(p.segments[k].first, p.segments[k - 1].second);
        const int64_t len = p.segments[k].second - p.segments[k].first;
        if (k + 1 < p.segments.size()) QCOMPARE(len, int64_t(8));
        else QVERIFY(len >= 1 && len <= 8);
        const auto s = buildSegmentPrompt(p, k);
        QCOMPARE(slice(s.ids, s.spanFrom, s.spanEnd), respIds);
    }
    const auto r = buildResponseOnly(p);
    QCOMPARE(tok->decode(slice(r.ids, r.spanFrom, r.spanEnd), true), parts.response);
    // An empty context must not leave a stray token (the normalizer's prepended "▁").
    const auto e = buildPrompt(*tok, PromptParts{"", "Q?", "A."}, cfg);
    QCOMPARE(e.contextBegin, e.contextEnd);
    QVERIFY(e.segments.empty());
}

void TestScoring::mistralTruncation() {
    if (!QFileInfo(QString::fromStdString(sharedMistral())).isDir())
        QSKIP("../shared/testdata/tokenizers/mistral not found: real-tokenizer prompt tests skipped");
    const auto tok = Tokenizer::load(sharedMistral());
    std::string context;
    for (int i = 0; i < 60; ++i) context += "Paragraph " + std::to_string(i) + " of the long document. ";
    const PromptParts parts{context, "Which paragraph comes last?", "Paragraph 59."};
    PromptConfig cfg;
    cfg.segmentLen = 32;
    const auto full = buildPrompt(*tok, parts, cfg);
    const int64_t contextTokens = full.contextEnd - full.contextBegin;
    QVERIFY(contextTokens > 200);
    const int64_t withoutContext = int64_t(full.ids.size()) - contextTokens;
    cfg.maxTokens = withoutContext + 100;
    const auto t = buildPrompt(*tok, parts, cfg);
    QVERIFY(t.truncated);
    QCOMPARE(int64_t(t.ids.size()), cfg.maxTokens);
    QCOMPARE(t.truncatedContextTokens, contextTokens - 100);
    QCOMPARE(t.contextEnd - t.contextBegin, int64_t(100));
    // Kept: the last 100 context tokens and everything after them, unchanged.
    QCOMPARE(slice(t.ids, t.contextBegin, int64_t(t.ids.size())),
             slice(full.ids, full.contextEnd - 100, int64_t(full.ids.size())));
    QCOMPARE(slice(t.ids, 0, t.contextBegin), slice(full.ids, 0, full.contextBegin));
    QCOMPARE(tok->decode(slice(t.ids, t.spanFrom, t.spanEnd), true), parts.response);
    QVERIFY(QString::fromStdString(tok->decode(slice(t.ids, t.contextEnd, t.spanFrom), true))
                .contains("Which paragraph comes last?"));
    // 100 = 32 + 32 + 32 + 4.
    QCOMPARE(t.segments.size(), size_t(4));
    QCOMPARE(t.segments[3].second - t.segments[3].first, int64_t(4));
    cfg.maxTokens = withoutContext - 1;
    expectError([&] { buildPrompt(*tok, parts, cfg); }, "tokens without context, more than max_tokens");
}

QTEST_APPLESS_MAIN(TestScoring)
#include "test_scoring.moc"
