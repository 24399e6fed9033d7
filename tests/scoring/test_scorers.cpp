// The scorer registry (core/scoring/scorers/) and the long-context key-token scorer: the
// key-token counts against a naive recount on hand-made and random log-prob arrays and on
// the tiny scoring models' direct engine log-probs; the registry's pool normalisations
// against formulas.h; and end to end through the CLI: stored values, values computed for
// rows scored before the scorer existed, rank / evaluate / scores CSV, run identity.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/engine.h"
#include "core/scoring/formulas.h"
#include "core/scoring/run_config.h"
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/key_tokens.h"
#include "core/scoring/scorers/scorer.h"
#include "core/tokenizer/tokenizer.h"
#include "db/importer.h"
#include "db/project_store.h"
#include "db/run_store.h"
#include "db/score_columns.h"
#include "tests/scoring/run_fixture.h"
#include "tests/scoring/tiny_scoring_models.h"

using namespace gateau;
using gateau::test::runCli;
using gateau::test::q;
namespace fs = std::filesystem;

namespace {

// The definition, spelled out: tokens with log p_B - log p_A strictly above the threshold.
struct Naive {
    double share = 0, gain = 0;
};
Naive naiveKeyTokens(const std::vector<float>& a, const std::vector<float>& b, double threshold) {
    int n = 0;
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = double(b[i]) - double(a[i]);
        if (d > threshold) ++n, sum += d;
    }
    return {double(n) / double(a.size()), n ? sum / n : 0.0};
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

}  // namespace

class TestScorers : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string dir_, modelA_, modelB_;  // the tiny pair, when the tokenizer is there

private slots:
    void initTestCase();
    void keyTokensHandChecked();
    void keyTokensAgainstNaive();
    void registryDeclarations();
    void registryPoolValuesAreTheFormulas();
    void runConfigKeys();
    void keyTokensOnTinyModels();
    void endToEndThroughTheCli();
};

void TestScorers::initTestCase() {
    QVERIFY(tmp_.isValid());
    dir_ = tmp_.path().toStdString();
    if (fs::is_directory(test::kTokenizerDir)) {
        modelA_ = test::writeTinyScoringModel(dir_, 1);
        modelB_ = test::writeTinyScoringModel(dir_, 2);
    }
}

void TestScorers::keyTokensHandChecked() {
    // LSD per token: 2.5, 0.1, 2.1, 0 -> two key tokens above 2, mean gain 2.3.
    const auto k = scoring::keyTokenStats({-3.f, -1.f, -5.f, -0.5f}, {-0.5f, -0.9f, -2.9f, -0.5f}, 2.0);
    QCOMPARE(k.keyTokens, int64_t(2));
    QCOMPARE(k.share, 0.5);
    QVERIFY(std::fabs(k.gain - 2.3) < 1e-6);
    // Exactly at the threshold is not above it; none -> gain 0.
    const auto none = scoring::keyTokenStats({-3.f}, {-1.f}, 2.0);
    QCOMPARE(none.keyTokens, int64_t(0));
    QCOMPARE(none.share, 0.0);
    QCOMPARE(none.gain, 0.0);
    QVERIFY(errorOf([] { scoring::keyTokenStats({}, {}, 2.0); }).find("at least one") != std::string::npos);
    QVERIFY(errorOf([] { scoring::keyTokenStats({-1.f}, {-1.f, -2.f}, 2.0); }).find("model B 2") != std::string::npos);
    QVERIFY(errorOf([] { scoring::keyTokenStats({-1.f, NAN}, {-1.f, -2.f}, 2.0); }).find("token 1") != std::string::npos);
}

void TestScorers::keyTokensAgainstNaive() {
    std::mt19937 rng(7);
    std::normal_distribution<float> lp(-3.f, 2.f);
    for (int trial = 0; trial < 50; ++trial) {
        const size_t n = 1 + rng() % 200;
        std::vector<float> a(n), b(n);
        for (size_t i = 0; i < n; ++i) a[i] = std::min(0.f, lp(rng)), b[i] = std::min(0.f, lp(rng));
        for (double threshold : {-1.0, 0.0, 0.5, 2.0, 4.0}) {
            const auto k = scoring::keyTokenStats(a, b, threshold);
            const Naive want = naiveKeyTokens(a, b, threshold);
            QCOMPARE(k.share, want.share);
            QVERIFY(std::fabs(k.gain - want.gain) < 1e-12);
        }
    }
}

void TestScorers::registryDeclarations() {
    std::set<std::string> scorerKeys, scoreKeys, configKeys;
    scoring::Passes all = 0;
    for (const scoring::Scorer* s : scoring::registeredScorers()) {
        QVERIFY2(scorerKeys.insert(s->key()).second, s->key().c_str());
        QVERIFY(!s->description().empty());
        QVERIFY(s->passes() != 0);
        if (s->optIn()) {
            // Turned on by a config key of its own name, off by default.
            const scoring::ScorerConfigKey* on = scoring::findConfigKey(s->key());
            QVERIFY2(on && on->defaultValue == 0 && on->min == 0 && on->max == 1, s->key().c_str());
            QVERIFY(!scoring::scorerEnabled(*s, scoring::defaultScorerSettings()));
            QVERIFY(scoring::scorerEnabled(*s, {{s->key(), 1.0}}));
        } else {
            QVERIFY(scoring::scorerEnabled(*s, {}));
            all |= s->passes();
        }
        for (const auto& d : s->scores()) {
            QVERIFY2(scoreKeys.insert(d.key).second, d.key.c_str());
            QVERIFY(!d.displayName.empty() && !d.description.empty());
        }
        for (const auto& c : s->configKeys()) QVERIFY2(configKeys.insert(c.key).second, c.key.c_str());
    }
    QCOMPARE(scoring::requiredPasses(scoring::defaultScorerSettings()), all);
    QCOMPARE(all, scoring::Passes(scoring::kPassFullB | scoring::kPassFullA | scoring::kPassSegments |
                                  scoring::kPassResponseOnly));
    for (const char* k : {"hmg", "cam", "cas", "ppl_a", "ppl_b", "ifd", "key_token_share", "key_token_gain"})
        QVERIFY2(scoreKeys.count(k), k);
    // The key-token scorer reads only the two full-prompt passes HMG runs anyway.
    QCOMPARE(scoring::findScorer("key_tokens")->passes(), scoring::Passes(scoring::kPassFullA | scoring::kPassFullB));
    QCOMPARE(scoring::findConfigKey("key_token_threshold")->defaultValue, 2.0);
    QCOMPARE(scoring::defaultScorerSettings().at("key_token_threshold"), 2.0);
    // db::scoreDefs: combined first, then the registry's order.
    const auto defs = db::scoreDefs();
    QCOMPARE(defs.front().key, std::string("combined"));
    QCOMPARE(defs.size(), scoreKeys.size() + 1);
    for (const auto& d : defs) QCOMPARE(d.higherSelected, d.key != "cas");
}

void TestScorers::registryPoolValuesAreTheFormulas() {
    const std::vector<double> pa = {10, 12, 30, 7}, pb = {8, 12, 11, 7.5}, camRaw = {0.1, 0.4, 0.0, 0.2};
    std::vector<scoring::RawValues> pool;
    for (size_t i = 0; i < pa.size(); ++i)
        pool.push_back({{"ppl_a", pa[i]}, {"ppl_b", pb[i]}, {"cam_raw", camRaw[i]}, {"cas", 1 - camRaw[i]}});
    QCOMPARE(scoring::findScorer("hmg")->poolValues("hmg", pool), scoring::hmgScores(pa, pb));
    QCOMPARE(scoring::findScorer("cam")->poolValues("cam", pool), scoring::camScores(camRaw));
    QCOMPARE(scoring::findScorer("ppl")->poolValues("ppl_a", pool), pa);
    pool[2].erase("ppl_a");
    QVERIFY(errorOf([&] { scoring::findScorer("hmg")->poolValues("hmg", pool); }).find("ppl_a") != std::string::npos);
}

void TestScorers::runConfigKeys() {
    if (modelA_.empty()) QSKIP("Mistral tokenizer not found; skipping");
    const std::string m = modelA_;
    const std::string base = R"({"model_a": ")" + m + R"(", "model_b": ")" + m + R"(", "dtype": "float32")";
    QCOMPARE(scoring::parseRunConfig(base + "}", "RUN.json").scorers.at("key_token_threshold"), 2.0);
    const auto c = scoring::parseRunConfig(base + R"(, "key_token_threshold": 0.5})", "RUN.json");
    QCOMPARE(c.scorers.at("key_token_threshold"), 0.5);
    for (const char* bad : {R"("x")", "1000", "true"}) {
        const std::string e = errorOf([&] { scoring::parseRunConfig(base + R"(, "key_token_threshold": )" + bad + "}", "RUN.json"); });
        QVERIFY2(e.find("RUN.json") != std::string::npos && e.find("key_token_threshold") != std::string::npos, e.c_str());
    }
    // The default leaves the canonical JSON (the run identity) as it was before the key existed.
    scoring::RunConfig d = scoring::parseRunConfig(base + "}", "RUN.json");
    const std::string canonical = scoring::canonicalRunConfigJson(d);
    QVERIFY(canonical.find("key_token") == std::string::npos);
    d.scorers["key_token_threshold"] = 0.5;
    const std::string other = scoring::canonicalRunConfigJson(d);
    QVERIFY(other.find("\"key_token_threshold\":0.5") != std::string::npos);
    QCOMPARE(scoring::runConfigFromCanonical(other).scorers.at("key_token_threshold"), 0.5);
    QCOMPARE(scoring::scorerSettingsFromCanonical(canonical).at("key_token_threshold"), 2.0);
}

void TestScorers::keyTokensOnTinyModels() {
    if (modelA_.empty()) QSKIP("Mistral tokenizer not found; skipping");
    model::EngineOptions opt;
    opt.dtype = model::ComputeDtype::Float32;
    opt.device = "cpu";
    opt.threads = 1;
    auto a = model::loadEngine(model::Checkpoint::open(modelA_), opt);
    auto b = model::loadEngine(model::Checkpoint::open(modelB_), opt);
    auto tok = tok::Tokenizer::load(test::kTokenizerDir);
    datasets::Conversation conv;
    conv.turns.push_back({datasets::Role::User, test::words(200, 3) + "\n\nWhich words name a place?"});
    conv.turns.push_back({datasets::Role::Assistant, "The notes mention " + test::words(30, 4) + "and little else."});
    scoring::PromptConfig cfg;
    cfg.segmentLen = 64;
    const scoring::SampleRawScores s = scoring::scoreSample({conv}, scoring::ScorerModels{a.get(), b.get(), tok.get()}, cfg);

    // The log-probs straight from the engines, not through scoreSample.
    const scoring::BuiltPrompt p = scoring::buildPrompt(*tok, conv, cfg);
    model::SpanRequest req;
    req.spanFrom = p.spanFrom;
    const std::vector<int64_t> ids(p.ids.begin(), p.ids.begin() + p.spanEnd);
    const model::SpanResult ra = a->scoreSpan(ids, req);
    const model::SpanResult rb = b->scoreSpan(ids, req);
    std::vector<double> lsd;
    for (size_t i = 0; i < ra.logprobs.size(); ++i) lsd.push_back(double(rb.logprobs[i]) - double(ra.logprobs[i]));
    std::sort(lsd.begin(), lsd.end());
    // A threshold between two observed differences, so that the share is strictly inside (0, 1)
    // whatever the random models say, and float noise cannot move a token across it.
    const size_t mid = lsd.size() / 2;
    QVERIFY(lsd[mid + 1] - lsd[mid] > 1e-4 || lsd[mid] - lsd[mid - 1] > 1e-4);
    const double threshold = lsd[mid + 1] - lsd[mid] > 1e-4 ? (lsd[mid] + lsd[mid + 1]) / 2 : (lsd[mid - 1] + lsd[mid]) / 2;
    const auto values = scoring::findScorer("key_tokens")->compute(s, {{"key_token_threshold", threshold}});
    const Naive want = naiveKeyTokens(ra.logprobs, rb.logprobs, threshold);
    QVERIFY(want.share > 0 && want.share < 1);
    QCOMPARE(values.at("key_token_share"), want.share);
    QVERIFY(std::fabs(values.at("key_token_gain") - want.gain) < 1e-5);
}

void TestScorers::endToEndThroughTheCli() {
    if (modelA_.empty()) QSKIP("Mistral tokenizer not found; skipping");
    const std::string data = dir_ + "/data.jsonl", project = dir_ + "/p.gateau", config = dir_ + "/run.json";
    test::writeWordDataset(data, 6);
    {
        auto store = db::ProjectStore::open(project, true);
        db::importDataset(store, data);
    }
    std::ofstream(config) << R"({"model_a": "m1", "model_b": "m2", "segment_len": 64, "max_tokens": 400, "dtype": "float32"})";
    auto r = runCli({"score", q(project), "--config", q(config)});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());

    // Stored with each sample, equal to the definition on the stored log-probs.
    std::map<int64_t, Naive> want;
    {
        auto store = db::ProjectStore::open(project, false);
        for (const auto& row : db::loadRawScores(store, 1)) {
            QCOMPARE(row.status, std::string("done"));
            const db::ScoreArrays arr = db::decodeScoreArrays(row.arraysBlob);
            want[row.sampleId] = naiveKeyTokens(arr.logprobsA, arr.logprobsB, 2.0);
            QCOMPARE(row.values.at("key_token_share"), want[row.sampleId].share);
        }
        auto st = store.db().prepare("SELECT count(*) FROM sample_score_values WHERE run_id = 1");
        QVERIFY(st.step());
        QCOMPARE(st.int64(0), int64_t(2 * want.size()));
    }
    QCOMPARE(want.size(), size_t(6));

    auto rank = runCli({"rank", q(project), "--run", "1", "--json"});
    QVERIFY2(rank.code == 0, rank.err.c_str());
    // Kept in a variable: a range-for over parse(...)["samples"] reads the parsed document
    // after it is destroyed (C++17 extends only the last temporary's life; ASan saw it).
    const nlohmann::json ranked = nlohmann::json::parse(rank.out);
    for (const auto& s : ranked["samples"]) {
        const Naive& w = want.at(s["sample_id"].get<int64_t>());
        QCOMPARE(s["key_token_share"].get<double>(), w.share);
        QVERIFY(std::fabs(s["key_token_gain"].get<double>() - w.gain) < 1e-12);
        for (const char* k : {"score", "hmg", "cam", "ppl_a", "ppl_b", "ifd", "cas", "selected", "override"})
            QVERIFY2(s.contains(k), k);  // the keys from before plug-ins are all still there
    }
    auto text = runCli({"rank", q(project), "--run", "1"});
    QVERIFY2(text.code == 0 && text.out.find("Key share") != std::string::npos, text.out.c_str());

    auto eval = runCli({"evaluate", q(project), "--run", "1", "--label", "id=s2", "--json"});
    QVERIFY2(eval.code == 0, eval.err.c_str());
    const auto ej = nlohmann::json::parse(eval.out);
    for (const char* k : {"combined", "hmg", "cam", "ppl_b", "ifd", "ppl_a", "key_token_share", "key_token_gain"})
        QVERIFY2(ej["auroc"][k].is_number(), k);

    const std::string csv = dir_ + "/scores.csv";
    auto exp = runCli({"export", q(project), q(dir_ + "/sel.jsonl"), "--run", "1", "--top-n", "2", "--scores-csv", q(csv)});
    QVERIFY2(exp.code == 0, exp.err.c_str());
    const auto lines = test::fileLines(csv);
    QCOMPARE(lines.size(), size_t(7));
    QVERIFY2(lines[0].rfind("rank,sample_id,external_id,dataset,selected,decision,note,score,hmg,cam,", 0) == 0, lines[0].c_str());
    const std::string tail = ",decisions,key_token_share,key_token_gain";
    QVERIFY2(lines[0].size() > tail.size() && lines[0].substr(lines[0].size() - tail.size()) == tail, lines[0].c_str());

    // A run scored before the scorer existed has no rows in sample_score_values: its values
    // are computed from the stored arrays when read, the same numbers.
    {
        auto store = db::ProjectStore::open(project, false);
        store.db().exec("DELETE FROM sample_score_values");
        for (const auto& row : db::loadRawScores(store, 1, false)) {
            QCOMPARE(row.values.at("key_token_share"), want.at(row.sampleId).share);
            QVERIFY(std::fabs(row.values.at("key_token_gain") - want.at(row.sampleId).gain) < 1e-12);
        }
    }

    // The default threshold is the same run; another threshold is another run.
    std::ofstream(dir_ + "/same.json") << R"({"model_a": "m1", "model_b": "m2", "segment_len": 64, "max_tokens": 400, "dtype": "float32", "key_token_threshold": 2})";
    r = runCli({"score", q(project), "--config", q(dir_ + "/same.json"), "--limit", "0"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    std::ofstream(dir_ + "/other.json") << R"({"model_a": "m1", "model_b": "m2", "segment_len": 64, "max_tokens": 400, "dtype": "float32", "key_token_threshold": 0.5})";
    r = runCli({"score", q(project), "--config", q(dir_ + "/other.json"), "--limit", "1"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    {
        auto store = db::ProjectStore::open(project, false);
        const auto runs = db::listRuns(store);
        QCOMPARE(runs.size(), size_t(2));
        const auto rows = db::loadRawScores(store, runs[1].id);
        QCOMPARE(rows.size(), size_t(1));
        const db::ScoreArrays arr = db::decodeScoreArrays(rows[0].arraysBlob);
        QCOMPARE(rows[0].values.at("key_token_share"), naiveKeyTokens(arr.logprobsA, arr.logprobsB, 0.5).share);
    }
}

QTEST_GUILESS_MAIN(TestScorers)
#include "test_scorers.moc"
