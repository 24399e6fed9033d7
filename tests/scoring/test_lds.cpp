// ProLong's long dependency score (core/scoring/scorers/lds.*): the score against a hand-checked
// case and a naive reference written like the authors' code (dense matrices, inf for pairs not
// sampled); the pair sampling deterministic, bounded and uniform enough; the pass on the tiny
// scoring models against the same perplexities taken from the engine one sequence at a time;
// RUN.json's lds keys and lds_model; and end to end through the CLI.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/engine.h"
#include "core/scoring/formulas.h"
#include "core/scoring/run_config.h"
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/lds.h"
#include "core/scoring/scorers/scorer.h"
#include "core/tokenizer/tokenizer.h"
#include "db/importer.h"
#include "db/project_store.h"
#include "db/run_store.h"
#include "tests/scoring/run_fixture.h"
#include "tests/scoring/tiny_scoring_models.h"

using namespace gateau;
using gateau::test::q;
using gateau::test::runCli;
namespace fs = std::filesystem;

namespace {

// The definition as the authors' compute_lds spells it: an n x n matrix of pair PPLs with inf
// where no pair was sampled, the specificity of row i from the softmax entropy of its sampled
// absolute drops, then one pass over the lower triangle.
double naiveLds(const std::vector<double>& single, const std::vector<scoring::LdsPair>& pairs, double threshold,
                int64_t window) {
    const size_t n = single.size();
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<std::vector<double>> pair(n, std::vector<double>(n, inf));
    for (const auto& p : pairs) pair[size_t(p.later)][size_t(p.earlier)] = p.ppl;
    std::vector<double> de(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
        std::vector<double> logits;
        for (size_t j = 0; j < i; ++j)
            if (pair[i][j] != inf) logits.push_back(single[i] - pair[i][j]);
        if (logits.empty()) continue;
        if (logits.size() == 1) {
            de[i] = 1;
            continue;
        }
        double m = -inf, z = 0, h = 0;
        for (double x : logits) m = std::max(m, x);
        for (double x : logits) z += std::exp(x - m);
        for (double x : logits) h -= std::exp(x - m) / z * std::log(std::exp(x - m) / z);
        const double hmax = std::log(double(logits.size()));
        de[i] = std::min(1.0, std::max(0.0, (hmax - h) / hmax));
    }
    double lds = 0;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < i; ++j) {
            if (pair[i][j] == inf) continue;
            const double rel = (single[i] - pair[i][j]) / single[i];
            if (rel > threshold) lds += (rel + std::min(1.0, std::max(0.0, double(i - j) / double(window - 1)))) * de[i];
        }
    return lds;
}

template <typename Fn>
std::string errorOf(Fn fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

double pplOfLogprobs(const std::vector<float>& lp) {
    double s = 0;
    for (float x : lp) s += double(x);
    return std::exp(-s / double(lp.size()));
}

}  // namespace

class TestLds : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string dir_, modelA_, modelB_;

private slots:
    void initTestCase();
    void handChecked();
    void againstNaive();
    void segments();
    void samplingDeterministicAndBounded();
    void samplingIsUniform();
    void runConfigKeys();
    void passOnTinyModels();
    void endToEndThroughTheCli();
};

void TestLds::initTestCase() {
    QVERIFY(tmp_.isValid());
    dir_ = tmp_.path().toStdString();
    if (fs::is_directory(test::kTokenizerDir)) {
        modelA_ = test::writeTinyScoringModel(dir_, 1);
        modelB_ = test::writeTinyScoringModel(dir_, 2);
    }
}

void TestLds::handChecked() {
    // Three segments alone: PPL 10, 8, 5; pairs (1|0) 6, (2|0) 4, (2|1) 4.5; N = 3 (distance
    // (i - j) / 2); threshold 0.1.
    // Segment 1, one pair: specificity 1; strength (8 - 6) / 8 = 0.25, distance 0.5 -> 0.75.
    // Segment 2: drops 1 and 0.5, softmax 0.622459 / 0.377541, entropy 0.662847, so
    // specificity (ln 2 - 0.662847) / ln 2 = 0.0437135. (2|0): strength 1 / 5 = 0.2, distance
    // 1 -> 1.2 * 0.0437135 = 0.0524562. (2|1): strength 0.5 / 5 = 0.1, not above 0.1: left out.
    // LDS = 0.802456; mean strength (0.25 + 0.2 + 0.1) / 3 = 0.183333.
    const std::vector<scoring::LdsPair> pairs{{1, 0, 6.0}, {2, 0, 4.0}, {2, 1, 4.5}};
    const scoring::LdsResult r = scoring::longDependencyScore({10, 8, 5}, pairs, 0.1, 3);
    QVERIFY(std::fabs(r.lds - 0.802456) < 1e-6);
    QVERIFY(std::fabs(r.strength - 0.183333) < 1e-6);
    // A lower threshold lets (2|1) in: + (0.1 + 0.5) * 0.0437135.
    QVERIFY(std::fabs(scoring::longDependencyScore({10, 8, 5}, pairs, 0.05, 3).lds - (0.802456 + 0.6 * 0.0437135)) < 1e-6);
    // A pair that raises the PPL counts in the strength (negative) but never in the score.
    const auto up = scoring::longDependencyScore({10, 8}, {{1, 0, 12.0}}, 0.1, 3);
    QCOMPARE(up.lds, 0.0);
    QVERIFY(std::fabs(up.strength + 0.5) < 1e-12);
    // No pairs (fewer than two segments): 0 and 0.
    QCOMPARE(scoring::longDependencyScore({7}, {}, 0.1, 64).lds, 0.0);
    QCOMPARE(scoring::longDependencyScore({}, {}, 0.1, 64).strength, 0.0);
    // Bad input is named.
    QVERIFY(errorOf([] { scoring::longDependencyScore({10, 8}, {{0, 1, 5.0}}, 0.1, 3); }).find("pair (0, 1)") !=
            std::string::npos);
    QVERIFY(errorOf([] { scoring::longDependencyScore({10, 8}, {{1, 0, NAN}}, 0.1, 3); }).find("perplexity") !=
            std::string::npos);
    QVERIFY(errorOf([] { scoring::longDependencyScore({10, 0}, {}, 0.1, 3); }).find("segment 1") != std::string::npos);
}

void TestLds::againstNaive() {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> ppl(1.5, 40.0), drop(-0.3, 0.9);
    for (int trial = 0; trial < 200; ++trial) {
        const int64_t n = 1 + int64_t(rng() % 30);
        std::vector<double> single(static_cast<size_t>(n));
        for (double& s : single) s = ppl(rng);
        const int64_t cap = 1 + int64_t(rng() % 60);
        std::vector<scoring::LdsPair> pairs;
        for (const auto& [i, j] : scoring::ldsSamplePairs(n, cap, rng()))
            pairs.push_back({i, j, single[size_t(i)] * (1 - drop(rng))});
        const int64_t window = std::max<int64_t>(n, 2) + int64_t(rng() % 40);
        for (double threshold : {-0.5, 0.0, 0.1, 0.3}) {
            const double got = scoring::longDependencyScore(single, pairs, threshold, window).lds;
            const double want = naiveLds(single, pairs, threshold, window);
            QVERIFY2(std::fabs(got - want) <= 1e-9 * std::max(1.0, std::fabs(want)),
                     qPrintable(QString("trial %1: %2 vs %3").arg(trial).arg(got, 0, 'g', 17).arg(want, 0, 'g', 17)));
        }
    }
}

void TestLds::segments() {
    // 300 tokens in 128s: two segments ending at the last token, 44 head tokens left out.
    const auto s = scoring::ldsSegments(300, 128);
    QCOMPARE(s.count, int64_t(2));
    QCOMPARE(s.first, int64_t(44));
    QCOMPARE(scoring::ldsSegments(127, 128).count, int64_t(0));
    QCOMPARE(scoring::ldsSegments(256, 128).first, int64_t(0));
    QVERIFY(!errorOf([] { scoring::ldsSegments(10, 0); }).empty());
}

void TestLds::samplingDeterministicAndBounded() {
    for (int64_t n : {0, 1, 2, 3, 10, 64, 700}) {
        const int64_t total = n * (n - 1) / 2;
        for (int64_t cap : {1, 5, 64, 500}) {
            const auto a = scoring::ldsSamplePairs(n, cap, 42);
            QCOMPARE(int64_t(a.size()), std::min(total > 0 ? total : 0, cap));
            QVERIFY(a == scoring::ldsSamplePairs(n, cap, 42));  // same seed, same pairs
            std::set<std::pair<int64_t, int64_t>> seen;
            for (const auto& p : a) {
                QVERIFY(p.first < n && p.second >= 0 && p.second < p.first);
                QVERIFY(seen.insert(p).second);  // distinct
            }
            QVERIFY(std::is_sorted(a.begin(), a.end()));
            if (cap >= 5 && 4 * cap < total) QVERIFY(a != scoring::ldsSamplePairs(n, cap, 43));
        }
    }
    // Under the cap every pair, in the authors' order (i over j < i).
    std::vector<std::pair<int64_t, int64_t>> all;
    for (int64_t i = 0; i < 40; ++i)
        for (int64_t j = 0; j < i; ++j) all.emplace_back(i, j);
    QVERIFY(scoring::ldsSamplePairs(40, 780, 1) == all);
    QVERIFY(scoring::ldsSamplePairs(40, 100000, 9) == all);
    // Per-sample seeds: the tokens decide, the run's seed shifts all of them.
    const std::vector<int64_t> ids{1, 5, 9, 300}, other{1, 5, 9, 301};
    QCOMPARE(scoring::ldsSampleSeed(ids, 0), scoring::ldsSampleSeed(ids, 0));
    QVERIFY(scoring::ldsSampleSeed(ids, 0) != scoring::ldsSampleSeed(other, 0));
    QVERIFY(scoring::ldsSampleSeed(ids, 0) != scoring::ldsSampleSeed(ids, 1));
}

void TestLds::samplingIsUniform() {
    // 3 of the 10 pairs of 5 segments, 20,000 draws: each pair expected 6,000 times; the
    // standard deviation is about 65, so 5% (300) is over 4 sigma.
    std::map<std::pair<int64_t, int64_t>, int> count;
    for (uint64_t seed = 0; seed < 20000; ++seed)
        for (const auto& p : scoring::ldsSamplePairs(5, 3, scoring::ldsSampleSeed({int64_t(seed)}, 0))) ++count[p];
    QCOMPARE(count.size(), size_t(10));
    for (const auto& [p, c] : count) QVERIFY2(std::abs(c - 6000) < 300, qPrintable(QString::number(c)));
}

void TestLds::runConfigKeys() {
    if (modelA_.empty()) QSKIP("Mistral tokenizer not found; skipping");
    const std::string base = R"({"model_a": "m1", "model_b": "m2")";
    const auto c = scoring::parseRunConfig(base + "}", "run.json", dir_);
    QVERIFY(c.modelLds.empty());
    QCOMPARE(c.scorers.at("lds_segment_len"), 128.0);
    QCOMPARE(c.scorers.at("lds_pairs"), 64.0);
    const auto withModel = scoring::parseRunConfig(base + R"(, "lds": 1, "lds_model": "m2", "lds_pairs": 8})", "run.json", dir_);
    QCOMPARE(withModel.modelLds, modelB_);
    QCOMPARE(withModel.scorers.at("lds_pairs"), 8.0);
    const std::string bad = errorOf([&] { scoring::parseRunConfig(base + R"(, "lds_model": "nope"})", "run.json", dir_); });
    QVERIFY2(bad.find("run.json") != std::string::npos && bad.find("lds_model") != std::string::npos, bad.c_str());
    const std::string bound = errorOf([&] { scoring::parseRunConfig(base + R"(, "lds_segment_len": 1})", "run.json", dir_); });
    QVERIFY2(bound.find("lds_segment_len") != std::string::npos, bound.c_str());
    // The LDS model is part of the identity only when set, and comes back from the stored run.
    const auto dtype = [](scoring::RunConfig r) {
        r.dtype = "float32";
        return r;
    };
    const std::string plain = scoring::canonicalRunConfigJson(dtype(c));
    QVERIFY(plain.find("lds_model") == std::string::npos);
    const std::string named = scoring::canonicalRunConfigJson(dtype(withModel));
    QVERIFY(named.find("lds_model") != std::string::npos);
    QCOMPARE(scoring::runConfigFromCanonical(named).modelLds, modelB_);
    auto off = withModel;  // named but LDS off: neither loaded nor part of the identity
    off.scorers["lds"] = 0;
    QVERIFY(!off.ldsModelInUse());
    QVERIFY(scoring::canonicalRunConfigJson(dtype(off)).find("lds_model") == std::string::npos);
    QVERIFY(scoring::runIdentityJson(named).find(modelB_) == std::string::npos);  // paths stay out
}

void TestLds::passOnTinyModels() {
    if (modelA_.empty()) QSKIP("Mistral tokenizer not found; skipping");
    model::EngineOptions opt;
    opt.dtype = model::ComputeDtype::Float32;
    opt.device = "cpu";
    opt.threads = 1;
    auto a = model::loadEngine(model::Checkpoint::open(modelA_), opt);
    auto b = model::loadEngine(model::Checkpoint::open(modelB_), opt);
    auto tok = tok::Tokenizer::load(test::kTokenizerDir);
    datasets::Conversation conv;
    conv.turns.push_back({datasets::Role::User, test::words(120, 3) + "\n\nWhich words name a place?"});
    conv.turns.push_back({datasets::Role::Assistant, "The notes mention " + test::words(20, 4) + "and little else."});
    scoring::PromptConfig cfg;
    cfg.segmentLen = 64;
    scoring::ScorerSettings settings = scoring::defaultScorerSettings();
    settings["lds_segment_len"] = 16;
    settings["lds_pairs"] = 7;
    settings["lds"] = 1;
    scoring::ScorerModels models;
    models.shortModel = a.get();
    models.longModel = b.get();
    models.tokenizer = tok.get();
    scoring::ScorePhaseTimes times;
    scoring::ScoreHooks hooks;
    hooks.times = &times;
    hooks.scorers = &settings;
    const scoring::SampleRawScores s = scoring::scoreSample({conv}, models, cfg, 8192, true, hooks);
    QVERIFY(s.ldsRan);
    QVERIFY(times.segmentPairs > 0);

    // The same numbers from the engine, one sequence at a time, segments cut here.
    const scoring::BuiltPrompt p = scoring::buildPrompt(*tok, conv, cfg);
    const std::vector<int64_t> ids(p.ids.begin(), p.ids.begin() + p.spanEnd);
    const int64_t n = int64_t(ids.size()) / 16, first = int64_t(ids.size()) - n * 16;
    QVERIFY(n >= 5);
    QCOMPARE(int64_t(s.ldsSegmentPpl.size()), n);
    QCOMPARE(s.ldsPairs.size(), size_t(7));
    QCOMPARE(s.ldsWindowSegments, cfg.maxTokens / 16);
    auto seg = [&](int64_t k) { return std::vector<int64_t>(ids.begin() + first + k * 16, ids.begin() + first + (k + 1) * 16); };
    for (int64_t k = 0; k < n; ++k) {
        model::SpanRequest req;
        req.spanFrom = 1;
        const double want = pplOfLogprobs(a->scoreSpan(seg(k), req).logprobs);
        QVERIFY2(std::fabs(s.ldsSegmentPpl[size_t(k)] - want) < 1e-4 * want, qPrintable(QString::number(k)));
    }
    std::set<std::pair<int64_t, int64_t>> seen;
    for (const auto& pr : s.ldsPairs) {
        QVERIFY(seen.insert({pr.later, pr.earlier}).second);
        std::vector<int64_t> seq = seg(pr.earlier);
        const auto later = seg(pr.later);
        seq.insert(seq.end(), later.begin(), later.end());
        model::SpanRequest req;
        req.spanFrom = 17;
        const double want = pplOfLogprobs(a->scoreSpan(seq, req).logprobs);
        QVERIFY(std::isfinite(pr.ppl));
        QVERIFY(std::fabs(pr.ppl - want) < 1e-4 * want);
    }
    const auto values = scoring::findScorer("lds")->compute(s, settings);
    QVERIFY(std::isfinite(values.at("lds")) && std::isfinite(values.at("lds_strength")));
    QVERIFY(std::fabs(values.at("lds") - naiveLds(s.ldsSegmentPpl, s.ldsPairs, 0.1, cfg.maxTokens / 16)) < 1e-12);

    // Deterministic: the same sample draws the same pairs and the same numbers again; a named
    // LDS model (here B) is the one the pass runs on.
    const scoring::SampleRawScores again = scoring::scoreSample({conv}, models, cfg, 8192, false, hooks);
    QCOMPARE(again.ldsPairs.size(), s.ldsPairs.size());
    for (size_t k = 0; k < s.ldsPairs.size(); ++k) {
        QCOMPARE(again.ldsPairs[k].later, s.ldsPairs[k].later);
        QCOMPARE(again.ldsPairs[k].earlier, s.ldsPairs[k].earlier);
        QVERIFY(std::fabs(again.ldsPairs[k].ppl - s.ldsPairs[k].ppl) < 1e-4 * s.ldsPairs[k].ppl);
    }
    models.ldsModel = b.get();
    const scoring::SampleRawScores onB = scoring::scoreSample({conv}, models, cfg, 8192, true, hooks);
    model::SpanRequest req;
    req.spanFrom = 1;
    QVERIFY(std::fabs(onB.ldsSegmentPpl[0] - pplOfLogprobs(b->scoreSpan(seg(0), req).logprobs)) <
            1e-4 * onB.ldsSegmentPpl[0]);
    QVERIFY(std::fabs(onB.ldsSegmentPpl[0] - s.ldsSegmentPpl[0]) > 1e-6);  // A and B differ

    // Opt-in: without "lds": 1 the pass does not run and the scorer stores nothing.
    settings["lds"] = 0;
    scoring::ScorePhaseTimes offTimes;
    hooks.times = &offTimes;
    const scoring::SampleRawScores off = scoring::scoreSample({conv}, models, cfg, 8192, true, hooks);
    QVERIFY(!off.ldsRan && off.ldsPairs.empty());
    QCOMPARE(offTimes.segmentPairs, 0.0);
    QVERIFY(scoring::findScorer("lds")->compute(off, settings).empty());
}

void TestLds::endToEndThroughTheCli() {
    if (modelA_.empty()) QSKIP("Mistral tokenizer not found; skipping");
    const std::string data = dir_ + "/data.jsonl", project = dir_ + "/p.gateau";
    test::writeWordDataset(data, 5);
    {
        auto store = db::ProjectStore::open(project, true);
        db::importDataset(store, data);
    }
    const std::string base =
        R"({"model_a": "m1", "model_b": "m2", "segment_len": 64, "max_tokens": 400, "dtype": "float32")";
    std::ofstream(dir_ + "/with.json") << base << R"(, "lds": 1, "lds_segment_len": 16, "lds_pairs": 6})";
    std::ofstream(dir_ + "/without.json") << base << "}";
    std::ofstream(dir_ + "/bad.json") << base << R"(, "lds": 1, "lds_model": "missing-model"})";

    auto bad = runCli({"score", q(project), "--config", q(dir_ + "/bad.json")});
    QVERIFY(bad.code != 0);
    QVERIFY2(bad.err.find("lds_model") != std::string::npos && bad.err.find("bad.json") != std::string::npos,
             bad.err.c_str());

    auto r = runCli({"score", q(project), "--config", q(dir_ + "/with.json")});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    auto r2 = runCli({"score", q(project), "--config", q(dir_ + "/without.json")});
    QVERIFY2(r2.code == 0, (r2.out + r2.err).c_str());

    std::map<int64_t, double> stored;
    {
        auto store = db::ProjectStore::open(project, false);
        auto st = store.db().prepare("SELECT sample_id, value FROM sample_score_values WHERE run_id = 1 AND key = 'lds'");
        while (st.step()) stored[st.int64(0)] = st.real(1);
        auto none = store.db().prepare("SELECT count(*) FROM sample_score_values WHERE run_id = 2 AND key LIKE 'lds%'");
        QVERIFY(none.step());
        QCOMPARE(none.int64(0), int64_t(0));
    }
    QCOMPARE(stored.size(), size_t(5));
    for (const auto& [id, v] : stored) QVERIFY(std::isfinite(v) && v >= 0);

    auto rank = runCli({"rank", q(project), "--run", "1", "--json"});
    QVERIFY2(rank.code == 0, rank.err.c_str());
    // The document in a variable: a range-for over parse(...)["samples"] reads a destroyed
    // temporary (only the last temporary's life is extended; ASan found it).
    const auto ranked = nlohmann::json::parse(rank.out);
    QCOMPARE(ranked["samples"].size(), stored.size());
    for (const auto& s : ranked["samples"]) {
        QCOMPARE(s["lds"].get<double>(), stored.at(s["sample_id"].get<int64_t>()));
        QVERIFY(s["lds_strength"].is_number());
    }
    auto eval = runCli({"evaluate", q(project), "--run", "1", "--label", "id=s2", "--json"});
    QVERIFY2(eval.code == 0, eval.err.c_str());
    QVERIFY(nlohmann::json::parse(eval.out)["auroc"]["lds"].is_number());

    auto rank2 = runCli({"rank", q(project), "--run", "2", "--json"});
    QVERIFY2(rank2.code == 0, rank2.err.c_str());
    const auto ranked2 = nlohmann::json::parse(rank2.out);
    QCOMPARE(ranked2["samples"].size(), stored.size());
    for (const auto& s : ranked2["samples"]) QVERIFY(!s.contains("lds"));
    auto eval2 = runCli({"evaluate", q(project), "--run", "2", "--label", "id=s2", "--json"});
    QVERIFY2(eval2.code == 0, eval2.err.c_str());
    QVERIFY(!nlohmann::json::parse(eval2.out)["auroc"].contains("lds"));
}

QTEST_GUILESS_MAIN(TestLds)
#include "test_lds.moc"
