// Scoring runs end to end: migration 2, the run store, RUN.json, `gateau score` (resume,
// --limit, failures) and `gateau rank` against formulas computed by hand. Two tiny random
// Llama checkpoints (seeds 1 and 2) with the real Mistral tokenizer; skips when ../shared is
// missing. Torch-free TU: only engine.h's plain API.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/engine.h"
#include "core/scoring/formulas.h"
#include "core/scoring/run_config.h"
#include "core/scoring/sample_scorer.h"
#include "core/tokenizer/tokenizer.h"
#include "db/importer.h"
#include "db/project_store.h"
#include "db/run_store.h"
#include "db/schema.h"
#include "core/util/sha256.h"
#include "tests/scoring/run_fixture.h"
#include "tests/common/naive_spearman.h"
#include "tests/scoring/tiny_scoring_models.h"

using namespace gateau;
namespace fs = std::filesystem;

namespace {

using gateau::test::kTokenizerDir;
constexpr int kSamples = 7;
constexpr int64_t kLongSampleLine = 4;  // 1-based line of the long-instruction sample

using gateau::test::runCli;
using gateau::test::words;

}  // namespace

class TestRuns : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string dir_, modelA_, modelB_, dataset_, configMain_, projectMain_;
    std::unique_ptr<model::Engine> a_, b_;
    std::unique_ptr<tok::Tokenizer> tok_;

    std::string writeConfig(const std::string& name, int64_t segmentLen, const std::string& extra = {}) {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path) << "{\"model_a\": \"m1\", \"model_b\": \"m2\", \"segment_len\": " << segmentLen
                            << ", \"max_tokens\": 400, \"device\": \"cpu\", \"dtype\": \"float32\"" << extra << "}\n";
        return path;
    }
    std::string makeProject(const std::string& name) {
        const std::string path = dir_ + "/" + name;
        auto store = db::ProjectStore::open(path, true);
        auto r = db::importDataset(store, dataset_);
        if (r.samples != kSamples) throw std::runtime_error("import gave " + std::to_string(r.samples) + " samples");
        return path;
    }

private slots:
    void initTestCase();
    void blobCodec();
    void runConfigParsing();
    void runConfigRejectsDuplicatesAndAbsurdValues();
    void scoreEverySample();
    void storedEqualsDirect();
    void resumeAndLimit();
    void runIdentity();
    void sameModelElsewhereIsSameRun();
    void rankJson();
    void rankTokenBudget();
    void compareJson();
    void evaluateSpearman();
    void scoreRefusesBadPairs();
    void failingRunsStopAndRetry();
    void migrationFromVersion1();
};

void TestRuns::initTestCase() {
    if (!fs::is_directory(kTokenizerDir))
        QSKIP("Mistral tokenizer not found in " GATEAU_SHARED_DIR "/testdata/tokenizers/mistral; skipping");
    QVERIFY(tmp_.isValid());
    dir_ = tmp_.path().toStdString();
    model::EngineOptions opt;
    opt.dtype = model::ComputeDtype::Float32;
    opt.device = "cpu";
    for (uint64_t seed : {uint64_t(1), uint64_t(2)}) {
        const std::string d = gateau::test::writeTinyScoringModel(dir_, seed);
        (seed == 1 ? modelA_ : modelB_) = d;
        (seed == 1 ? a_ : b_) = model::loadEngine(model::Checkpoint::open(d), opt);
    }
    tok_ = tok::Tokenizer::load(modelB_);

    // 7 samples, contexts of ~100-300 tokens; line 4 has a ~500-token instruction (no "\n\n"
    // in it), which cannot fit max_tokens = 400 even without context: it must fail.
    dataset_ = dir_ + "/data.jsonl";
    std::ofstream out(dataset_);
    for (int i = 1; i <= kSamples; ++i) {
        nlohmann::json rec;
        rec["id"] = "s" + std::to_string(i);
        std::string user = words(80 + 20 * i, i) + "\n\nWhich words in the notes above name a place?";
        if (i == kLongSampleLine) user = words(60, i) + "\n\nAnswer this: " + words(420, i + 1);
        const std::string answer = "The notes mention " + words(6 + i, i * 5) + "and little else.";
        rec["messages"] = {{{"role", "user"}, {"content", user}}, {{"role", "assistant"}, {"content", answer}}};
        out << rec.dump() << "\n";
    }
    out.close();
    configMain_ = writeConfig("run.json", 64);
    projectMain_ = makeProject("main.gateau");
}

void TestRuns::blobCodec() {
    for (float f : {0.0f, 1.0f, -2.5f, 0.333333f, 65504.0f, 6.1e-5f, 3.0e-6f, 1e-9f})
        QVERIFY2(std::fabs(db::halfToFloat(db::floatToHalf(f)) - f) <= std::max(1e-3f * std::fabs(f), 6e-8f),
                 qPrintable(QString::number(double(f))));
    QVERIFY(std::isinf(db::halfToFloat(db::floatToHalf(1e6f))));
    QCOMPARE(db::floatToHalf(1.0f), uint16_t(0x3c00));
    QCOMPARE(db::floatToHalf(-2.0f), uint16_t(0xc000));
    QCOMPARE(db::floatToHalf(5.960464477539063e-08f), uint16_t(0x0001));  // smallest subnormal

    scoring::SampleRawScores s;
    s.logprobsA = {-1.5f, -0.25f, -3.0f};
    s.logprobsB = {-1.0f, -0.5f, -2.0f};
    s.segmentPpl = {10.0, 20.0};
    s.importance = {2.0 / 3, 1.0 / 3};
    s.attention = {0.75, 0.25};
    s.layers = 2;
    s.segments = 2;
    s.layerSegmentAttention = {0.5f, 0.125f, 0.25f, 0.0625f};
    s.tokenSegmentAttention = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    const auto d = db::decodeScoreArrays(db::encodeScoreArrays(s));
    QCOMPARE(d.logprobsA, s.logprobsA);
    QCOMPARE(d.logprobsB, s.logprobsB);
    QCOMPARE(d.segments, int64_t(2));
    QCOMPARE(d.layers, int64_t(2));
    QCOMPARE(d.responseTokens, int64_t(3));
    QCOMPARE(d.segmentPpl, (std::vector<float>{10.0f, 20.0f}));
    QCOMPARE(d.layerSegmentAttention, s.layerSegmentAttention);  // exact in fp16
    QCOMPARE(d.tokenSegmentAttention.size(), size_t(6));
    for (size_t i = 0; i < 6; ++i) QVERIFY(std::fabs(d.tokenSegmentAttention[i] - s.tokenSegmentAttention[i]) < 1e-3f);
    try {
        db::decodeScoreArrays("GSA1\x05");
        QFAIL("truncated blob accepted");
    } catch (const db::DbError&) {
    }
}

void TestRuns::runConfigParsing() {
    auto c = scoring::parseRunConfig(R"({"model_a": "./a", "model_b": "/x/b"})", "RUN.json", "/base");
    QCOMPARE(c.modelA, std::string("/base/a"));
    QCOMPARE(c.modelB, std::string("/x/b"));
    const scoring::PromptConfig defaults;
    QCOMPARE(c.prompt.segmentLen, defaults.segmentLen);
    QCOMPARE(c.prompt.maxTokens, defaults.maxTokens);
    QCOMPARE(c.prompt.templ, defaults.templ);
    QCOMPARE(c.device, std::string("cpu"));
    QCOMPARE(c.dtype, std::string("auto"));
    auto expectError = [](const std::string& json, const char* needle) {
        try {
            scoring::parseRunConfig(json, "RUN.json");
        } catch (const scoring::ScoringError& e) {
            QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
            return;
        }
        QFAIL(qPrintable(QString("accepted: ") + json.c_str()));
    };
    expectError(R"({"model_a": "a", "model_b": "b", "segmnet_len": 64})", "segmnet_len");
    expectError(R"({"model_a": "a"})", "model_b");
    expectError(R"({"model_a": "a", "model_b": "b", "segment_len": "64"})", "segment_len");
    expectError(R"({"model_a": "a", "model_b": "b", "segment_len": 0})", "RUN.json");
    expectError(R"({"model_a": "a", "model_b": "b", "dtype": "int8"})", "dtype");
    expectError(R"({"model_a": "a", "model_b": "b", "template": "{response}"})", "RUN.json");

    // The canonical JSON names the models' weight hashes and the engine version.
    auto cfg = scoring::loadRunConfig(configMain_);
    QCOMPARE(cfg.modelA, modelA_);
    const auto canon = nlohmann::json::parse(scoring::canonicalRunConfigJson(cfg));
    QCOMPARE(canon["engine_version"].get<std::string>(), std::string(scoring::kScoringEngineVersion));
    QCOMPARE(canon["model_a"]["path"].get<std::string>(), modelA_);
    QCOMPARE(canon["model_a"]["weights"].size(), size_t(1));
    QCOMPARE(canon["model_a"]["weights"][0]["sha256"].get<std::string>().size(), size_t(64));
    QVERIFY(canon["model_a"]["weights"][0]["sha256"] != canon["model_b"]["weights"][0]["sha256"]);
    // The split rules are part of the identity, spelled out for a default run too.
    QCOMPARE(canon["instruction"].get<std::string>(), std::string("last_paragraph"));
    QCOMPARE(canon["response_turn"].get<std::string>(), std::string("last"));
    QCOMPARE(canon["dtype"].get<std::string>(), std::string("float32"));
    auto whole = cfg;
    whole.prompt.instruction = scoring::InstructionRule::WholeTurn;
    const std::string wholeCanon = scoring::canonicalRunConfigJson(whole);
    QVERIFY(wholeCanon != canon.dump());
    QVERIFY(scoring::runConfigFromCanonical(wholeCanon).prompt.instruction == scoring::InstructionRule::WholeTurn);

    // The CLI reports an unknown key as a usage error naming it.
    const std::string badPath = writeConfig("bad.json", 64, ", \"colour\": 1");
    auto r = runCli({"score", QString::fromStdString(projectMain_), "--config", QString::fromStdString(badPath)});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("colour") != std::string::npos, r.err.c_str());
}

void TestRuns::runConfigRejectsDuplicatesAndAbsurdValues() {
    auto expectError = [](const std::string& body, const char* needle) {
        const std::string json = R"({"model_a": "a", "model_b": "b", )" + body + "}";
        try {
            scoring::parseRunConfig(json, "RUN.json");
        } catch (const scoring::ScoringError& e) {
            const std::string m = e.what();
            QVERIFY2(m.find(needle) != std::string::npos && m.find("RUN.json") != std::string::npos, e.what());
            return;
        }
        QFAIL(qPrintable(QString("accepted: ") + json.c_str()));
    };
    expectError(R"("segment_len": 64, "segment_len": 128)", "\"segment_len\" appears more than once");
    expectError(R"("add_bos": true, "model_a": "c")", "\"model_a\" appears more than once");
    expectError(R"("stretch_a": 1e308)", "stretch_a");
    expectError(R"("stretch_a": 65)", "stretch_a");
    expectError(R"("segment_len": -5)", "segment_len");
    expectError(R"("segment_len": 1000000000000)", "segment_len");
    expectError(R"("segment_len": 18446744073709551615)", "segment_len");
    expectError(R"("max_tokens": 9223372036854775807)", "max_tokens");
    expectError(R"("max_tokens": 100, "segment_len": 101)", "segment_len");
    expectError(R"("max_tokens": 0)", "max_tokens");
    // The bounds themselves are accepted.
    auto c = scoring::parseRunConfig(R"({"model_a": "/a", "model_b": "/b", "stretch_a": 64, "max_tokens": 16777216, "segment_len": 16777216})", "RUN.json");
    QCOMPARE(c.stretchA, 64.0);
    QCOMPARE(c.prompt.segmentLen, int64_t(16777216));
}

void TestRuns::scoreEverySample() {
    auto r = runCli({"score", QString::fromStdString(projectMain_), "--config", QString::fromStdString(configMain_)});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    QVERIFY2(r.out.find("complete") != std::string::npos, r.out.c_str());
    auto store = db::ProjectStore::open(projectMain_, false);
    const auto runs = db::listRuns(store);
    QCOMPARE(runs.size(), size_t(1));
    QCOMPARE(runs[0].status, std::string("complete"));
    QCOMPARE(runs[0].done, int64_t(kSamples - 1));
    QCOMPARE(runs[0].failed, int64_t(1));
    const auto rows = db::loadRawScores(store, runs[0].id);
    QCOMPARE(rows.size(), size_t(kSamples));  // (a) every sample has a row
    for (const auto& row : rows) {
        if (row.externalId == "s" + std::to_string(kLongSampleLine)) {  // (f) failed, with its reason
            QCOMPARE(row.status, std::string("failed"));
            QVERIFY2(row.error.find("max_tokens") != std::string::npos, row.error.c_str());
            QVERIFY(row.arraysBlob.empty());
        } else {
            QCOMPARE(row.status, std::string("done"));
            QVERIFY(row.error.empty());
            QVERIFY(row.pplA > 0 && row.pplB > 0 && row.contextTokens > 0);
            QVERIFY(!row.arraysBlob.empty());
        }
    }
    QVERIFY(db::pendingSamples(store, runs[0].id).empty());
}

void TestRuns::storedEqualsDirect() {
    auto store = db::ProjectStore::open(projectMain_, false);
    const auto cfg = scoring::loadRunConfig(configMain_);
    const scoring::ScorerModels models{a_.get(), b_.get(), tok_.get()};
    int checked = 0;
    bool sawTruncated = false;
    for (const auto& row : db::loadRawScores(store, 1)) {
        if (row.status != "done") continue;
        auto text = store.sampleText(row.sampleId);
        QVERIFY(text.has_value());
        const auto s = scoring::scoreSample({text->conversation}, models, cfg.prompt);
        QCOMPARE(row.promptTokens, s.promptTokens);
        QCOMPARE(row.responseTokens, s.responseTokens);
        QCOMPARE(row.contextTokens, s.contextTokens);
        QCOMPARE(row.truncated, s.truncated);
        sawTruncated = sawTruncated || s.truncated;
        QVERIFY_NEAR(row.pplA, s.pplA, 1e-6);
        QVERIFY_NEAR(row.pplB, s.pplB, 1e-6);
        QVERIFY_NEAR(row.pplResponseOnly, s.pplResponseOnly, 1e-6);
        QVERIFY_NEAR(row.ifd, s.ifd, 1e-6);
        QVERIFY_NEAR(row.cas, s.cas, 1e-6);
        QVERIFY_NEAR(row.camRaw, s.camRaw, 1e-5);
        const auto arr = db::decodeScoreArrays(row.arraysBlob);
        QCOMPARE(arr.responseTokens, s.responseTokens);
        QCOMPARE(arr.segments, s.segments);
        QCOMPARE(arr.layers, s.layers);
        for (size_t i = 0; i < s.logprobsA.size(); ++i) {
            QVERIFY_NEAR(arr.logprobsA[i], s.logprobsA[i], 1e-6);
            QVERIFY_NEAR(arr.logprobsB[i], s.logprobsB[i], 1e-6);
        }
        QCOMPARE(arr.importance.size(), s.importance.size());
        for (size_t k = 0; k < s.importance.size(); ++k) {
            QVERIFY_NEAR(arr.importance[k], s.importance[k], 1e-6);
            QVERIFY_NEAR(arr.attention[k], s.attention[k], 1e-6);
            QVERIFY_NEAR(arr.segmentPpl[k], s.segmentPpl[k], 1e-6);
        }
        QCOMPARE(arr.layerSegmentAttention.size(), s.layerSegmentAttention.size());
        for (size_t i = 0; i < s.layerSegmentAttention.size(); ++i)
            QVERIFY(std::fabs(arr.layerSegmentAttention[i] - s.layerSegmentAttention[i]) <=
                    1e-3f * std::fabs(s.layerSegmentAttention[i]) + 1e-6f);
        QCOMPARE(arr.tokenSegmentAttention.size(), s.tokenSegmentAttention.size());
        for (size_t i = 0; i < s.tokenSegmentAttention.size(); ++i)
            QVERIFY(std::fabs(arr.tokenSegmentAttention[i] - s.tokenSegmentAttention[i]) <=
                    1e-3f * std::fabs(s.tokenSegmentAttention[i]) + 1e-6f);
        ++checked;
    }
    QCOMPARE(checked, kSamples - 1);
    Q_UNUSED(sawTruncated);
}

void TestRuns::resumeAndLimit() {
    std::vector<db::StoredScore> before;
    {
        auto store = db::ProjectStore::open(projectMain_, false);
        before = db::loadRawScores(store, 1);
    }
    auto r = runCli({"score", QString::fromStdString(projectMain_), "--config", QString::fromStdString(configMain_)});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    QVERIFY2(r.out.find("scored 0, failed 0") != std::string::npos, r.out.c_str());
    {
        auto store = db::ProjectStore::open(projectMain_, false);
        const auto after = db::loadRawScores(store, 1);
        QCOMPARE(after.size(), before.size());
        for (size_t i = 0; i < after.size(); ++i) QCOMPARE(after[i].finishedAt, before[i].finishedAt);  // untouched
    }

    // --limit 2, then the rest: the same rows as one full run.
    const std::string project = makeProject("limit.gateau");
    r = runCli({"score", QString::fromStdString(project), "--config", QString::fromStdString(configMain_), "--limit", "2"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    {
        auto store = db::ProjectStore::open(project, false);
        QCOMPARE(db::loadRawScores(store, 1).size(), size_t(2));
        QCOMPARE(db::listRuns(store)[0].status, std::string("partial"));
        QCOMPARE(db::pendingSamples(store, 1).size(), size_t(kSamples - 2));
    }
    r = runCli({"score", QString::fromStdString(project), "--config", QString::fromStdString(configMain_)});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    auto store = db::ProjectStore::open(project, false);
    const auto rows = db::loadRawScores(store, 1);
    QCOMPARE(rows.size(), before.size());
    QCOMPARE(db::listRuns(store)[0].configHash, db::configHash(db::listRuns(store)[0].configJson));
    for (size_t i = 0; i < rows.size(); ++i) {
        QCOMPARE(rows[i].sampleId, before[i].sampleId);
        QCOMPARE(rows[i].externalId, before[i].externalId);
        QCOMPARE(rows[i].status, before[i].status);
        QCOMPARE(rows[i].error, before[i].error);
        QCOMPARE(rows[i].responseTokens, before[i].responseTokens);
        QVERIFY_NEAR(rows[i].pplA, before[i].pplA, 1e-9);
        QVERIFY_NEAR(rows[i].pplB, before[i].pplB, 1e-9);
        QVERIFY_NEAR(rows[i].cas, before[i].cas, 1e-9);
        QVERIFY_NEAR(rows[i].ifd, before[i].ifd, 1e-9);
    }
}

void TestRuns::runIdentity() {
    auto store = db::ProjectStore::open(projectMain_, false);
    const auto runs = db::listRuns(store);
    QCOMPARE(runs.size(), size_t(1));
    const std::string canon = scoring::canonicalRunConfigJson(scoring::loadRunConfig(configMain_));
    QCOMPARE(runs[0].configJson, canon);
    QCOMPARE(db::createOrFindRun(store, canon).id, runs[0].id);  // same config, same run
    QCOMPARE(db::listRuns(store).size(), size_t(1));

    // A changed segment_len is a new run; --limit 0 creates it without scoring.
    const std::string other = writeConfig("run32.json", 32);
    auto r = runCli({"score", QString::fromStdString(projectMain_), "--config", QString::fromStdString(other), "--limit", "0"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    const auto runs2 = db::listRuns(store);
    QCOMPARE(runs2.size(), size_t(2));
    QVERIFY(runs2[1].configHash != runs2[0].configHash);
    QCOMPARE(runs2[1].done + runs2[1].failed, int64_t(0));
    QCOMPARE(db::pendingSamples(store, runs2[1].id).size(), size_t(kSamples));
    QCOMPARE(db::pendingSamples(store, runs2[1].id, 3).size(), size_t(3));
    // Same config text with different key order and spacing: still the same run.
    const std::string reordered = dir_ + "/reordered.json";
    std::ofstream(reordered) << "{ \"dtype\":\"float32\", \"device\":\"cpu\", \"max_tokens\":400, \"segment_len\":32, "
                                "\"model_b\":\"" << modelB_ << "\", \"model_a\":\"./m1\" }";
    QCOMPARE(db::createOrFindRun(store, scoring::canonicalRunConfigJson(scoring::loadRunConfig(reordered))).id, runs2[1].id);
}

void TestRuns::sameModelElsewhereIsSameRun() {
    auto store = db::ProjectStore::open(projectMain_, false);
    const db::RunInfo main = db::listRuns(store)[0];
    QVERIFY(main.done + main.failed == kSamples);
    // The same two model folders copied elsewhere, and reached through a symlink.
    const std::string copy = dir_ + "/copy";
    fs::create_directories(copy);
    for (const char* m : {"m1", "m2"}) fs::copy(dir_ + "/" + m, copy + "/" + m, fs::copy_options::recursive);
    fs::create_directory_symlink(dir_, dir_ + "/link");
    const std::string body = ", \"segment_len\": 64, \"max_tokens\": 400, \"device\": \"cpu\", \"dtype\": \"float32\"}";
    const std::string copied = copy + "/run.json", linked = dir_ + "/linked.json";
    std::ofstream(copied) << "{\"model_a\": \"m1\", \"model_b\": \"m2\"" << body;
    std::ofstream(linked) << "{\"model_a\": \"link/m1\", \"model_b\": \"link/m2\"" << body;
    for (const std::string& cfg : {copied, linked}) {
        const std::string canon = scoring::canonicalRunConfigJson(scoring::loadRunConfig(cfg));
        QVERIFY(canon != main.configJson);  // another path...
        const auto run = db::createOrFindRun(store, canon);
        QCOMPARE(run.id, main.id);  // ...same run, nothing pending
        QCOMPARE(db::pendingSamples(store, run.id).size(), size_t(0));
    }
    auto r = runCli({"score", QString::fromStdString(projectMain_), "--config", QString::fromStdString(copied)});
    QVERIFY2(r.code == 0 && r.err.find("0 pending") != std::string::npos, (r.out + r.err).c_str());
    QCOMPARE(db::listRuns(store).size(), size_t(2));  // main and runIdentity's segment_len 32 run

    // Another tokenizer or config.json beside the same weights changes the numbers: a new run.
    std::ofstream(copy + "/m2/config.json", std::ios::app) << "\n";
    const auto changed = db::createOrFindRun(store, scoring::canonicalRunConfigJson(scoring::loadRunConfig(copied)));
    QVERIFY(changed.id != main.id);

    // A run stored by an older Gateau (hash of the full text, no config_files) is found again
    // from a copied folder and keeps its rows.
    const std::string legacyProject = makeProject("legacy.gateau");
    auto legacyStore = db::ProjectStore::open(legacyProject, false);
    auto old = nlohmann::json::parse(main.configJson);
    for (const char* m : {"model_a", "model_b"}) old[m].erase("config_files");
    const std::string oldText = old.dump();
    util::Sha256 h;
    h.update(oldText.data(), oldText.size());
    legacyStore.db().prepare("INSERT INTO runs(id, created_at, config_json, config_hash) VALUES (5, 't', ?1, ?2)")
        .bind(1, oldText).bind(2, h.hexDigest()).run();
    db::saveFailure(legacyStore, 5, legacyStore.samplesAfter(0, 1)[0].id, "kept");
    fs::copy_file(modelB_ + "/config.json", copy + "/m2/config.json", fs::copy_options::overwrite_existing);
    const auto adopted = db::createOrFindRun(legacyStore, scoring::canonicalRunConfigJson(scoring::loadRunConfig(copied)));
    QCOMPARE(adopted.id, int64_t(5));
    QCOMPARE(adopted.failed, int64_t(1));
    QCOMPARE(adopted.configJson, oldText);  // the stored text (and its path) is kept
    QCOMPARE(db::listRuns(legacyStore).size(), size_t(1));
}

void TestRuns::rankJson() {
    auto rank = [&](const QStringList& extra) {
        QStringList args{"rank", QString::fromStdString(projectMain_), "--run", "1", "--json"};
        args += extra;
        auto r = runCli(args);
        if (r.code != 0) throw std::runtime_error("rank failed: " + r.out + r.err);
        return nlohmann::json::parse(r.out);
    };
    std::vector<db::StoredScore> rows;
    {
        auto store = db::ProjectStore::open(projectMain_, false);
        for (auto& row : db::loadRawScores(store, 1))
            if (row.status == "done") rows.push_back(row);
    }
    const size_t pool = rows.size();
    QCOMPARE(pool, size_t(kSamples - 1));
    std::vector<double> pa, pb, cr;
    for (const auto& row : rows) pa.push_back(row.pplA), pb.push_back(row.pplB), cr.push_back(row.camRaw);
    const auto hmg = scoring::hmgScores(pa, pb);
    const auto cam = scoring::camScores(cr);
    std::map<int64_t, size_t> at;
    for (size_t i = 0; i < rows.size(); ++i) at[rows[i].sampleId] = i;

    const double alpha = 0.6;
    auto j = rank({"--alpha", "0.6", "--top", "40%"});
    QCOMPARE(j["run"].get<int64_t>(), int64_t(1));
    QCOMPARE(j["alpha"].get<double>(), alpha);
    QCOMPARE(j["pool"].get<size_t>(), pool);
    QCOMPARE(j["selected"].get<int64_t>(), int64_t(std::ceil(0.4 * double(pool))));  // ceil(2.4) = 3
    QCOMPARE(j["samples"].size(), pool);
    double prev = 1e300;
    int64_t selected = 0;
    for (const auto& s : j["samples"]) {
        const size_t i = at.at(s["sample_id"].get<int64_t>());
        QVERIFY_NEAR(s["hmg"].get<double>(), hmg[i], 1e-12);
        QVERIFY_NEAR(s["cam"].get<double>(), cam[i], 1e-12);
        QVERIFY_NEAR(s["score"].get<double>(), scoring::combined(hmg[i], cam[i], alpha), 1e-12);
        QVERIFY_NEAR(s["ppl_a"].get<double>(), rows[i].pplA, 1e-12);
        QVERIFY_NEAR(s["ppl_b"].get<double>(), rows[i].pplB, 1e-12);
        QVERIFY_NEAR(s["ifd"].get<double>(), rows[i].ifd, 1e-12);
        QVERIFY_NEAR(s["cas"].get<double>(), rows[i].cas, 1e-12);
        QCOMPARE(s["external_id"].get<std::string>(), rows[i].externalId);
        QCOMPARE(s["override"].get<std::string>(), std::string("none"));
        QVERIFY(s["score"].get<double>() <= prev);
        prev = s["score"].get<double>();
        const bool sel = s["selected"].get<bool>();
        QCOMPARE(sel, s["rank"].get<int>() <= 3);
        selected += sel ? 1 : 0;
    }
    QCOMPARE(selected, int64_t(3));
    QCOMPARE(rank({"--top-n", "2"})["selected"].get<int64_t>(), int64_t(2));
    QCOMPARE(rank({"--top", "10%"})["selected"].get<int64_t>(), int64_t(1));  // ceil(0.6)

    // Dropping the top sample removes it from the selection; the cut does not move.
    const int64_t top = j["samples"][0]["sample_id"].get<int64_t>();
    {
        auto store = db::ProjectStore::open(projectMain_, false);
        store.addOverride(top, db::Decision::Drop, "test");
    }
    auto k = rank({"--alpha", "0.6", "--top", "40%"});
    QCOMPARE(k["selected"].get<int64_t>(), int64_t(2));
    QCOMPARE(k["samples"][0]["sample_id"].get<int64_t>(), top);
    QCOMPARE(k["samples"][0]["selected"].get<bool>(), false);
    QCOMPARE(k["samples"][0]["override"].get<std::string>(), std::string("drop"));
    {
        auto store = db::ProjectStore::open(projectMain_, false);
        store.addOverride(top, db::Decision::None, "undo");
    }

    // The table form runs too; an unknown run is an error.
    auto t = runCli({"rank", QString::fromStdString(projectMain_), "--run", "1"});
    QVERIFY2(t.code == 0 && t.out.find("rank") != std::string::npos, (t.out + t.err).c_str());
    auto bad = runCli({"rank", QString::fromStdString(projectMain_), "--run", "99"});
    QVERIFY(bad.code != 0);
    QVERIFY2(bad.err.find("99") != std::string::npos, bad.err.c_str());

    // The project's alpha (`gateau alpha`, 0.7 until set) is every ranking command's default;
    // --alpha overrides it for one command and stores nothing.
    const QString project = QString::fromStdString(projectMain_);
    auto shown = [&] {
        auto r = runCli({"alpha", project});
        return r.code == 0 ? std::stod(r.out) : -1.0;
    };
    QCOMPARE(shown(), 0.7);
    QCOMPARE(rank({})["alpha"].get<double>(), 0.7);
    QCOMPARE(runCli({"alpha", project, "0.85"}).code, 0);
    QCOMPARE(shown(), 0.85);
    auto d = rank({"--top", "40%"});
    QCOMPARE(d["alpha"].get<double>(), 0.85);
    for (const auto& s : d["samples"]) {
        const size_t i = at.at(s["sample_id"].get<int64_t>());
        QVERIFY_NEAR(s["score"].get<double>(), scoring::combined(hmg[i], cam[i], 0.85), 1e-12);
    }
    QCOMPARE(rank({"--alpha", "0.6"})["alpha"].get<double>(), 0.6);
    auto cmp = runCli({"compare", project, "--run", "1", "--json"});
    QCOMPARE(cmp.code, 0);
    QCOMPARE(nlohmann::json::parse(cmp.out)["alpha"].get<double>(), 0.85);
    for (const char* v : {"1.5", "-0.1", "abc", "nan", "0.5x"}) {
        auto r = runCli({"alpha", project, v});
        QVERIFY2(r.code == 2 && r.err.find("alpha") != std::string::npos, (std::string(v) + ": " + r.err).c_str());
    }
    QCOMPARE(shown(), 0.85);
    QCOMPARE(runCli({"alpha", project, "0.7"}).code, 0);
}

// `gateau rank / export --budget-tokens`: the selection is the LADM walk over the ranking
// `gateau rank` prints, with each sample's prompt + response tokens as stored.
void TestRuns::rankTokenBudget() {
    const QString project = QString::fromStdString(projectMain_);
    std::map<int64_t, int64_t> tokens;
    {
        auto store = db::ProjectStore::open(projectMain_, false);
        for (auto& row : db::loadRawScores(store, 1))
            if (row.status == "done") tokens[row.sampleId] = row.promptTokens + row.responseTokens;
    }
    auto rank = [&](const QStringList& extra) {
        auto r = runCli(QStringList{"rank", project, "--run", "1", "--alpha", "0.6", "--json"} + extra);
        if (r.code != 0) throw std::runtime_error("rank failed: " + r.out + r.err);
        return nlohmann::json::parse(r.out);
    };
    const auto all = rank({"--top", "100%"});
    // A budget that fits the first two ranked samples and not the third.
    std::vector<int64_t> order;
    for (const auto& s : all["samples"]) order.push_back(s["sample_id"].get<int64_t>());
    QVERIFY(order.size() >= 3);
    const int64_t budget = tokens[order[0]] + tokens[order[1]] + tokens[order[2]] - 1;
    const auto j = rank({"--budget-tokens", QString::number(budget)});
    QCOMPARE(j["budget_tokens"].get<int64_t>(), budget);
    int64_t want = 0, spent = 0;
    for (int64_t id : order) {  // the reference walk
        if (spent + tokens[id] > budget) break;
        spent += tokens[id];
        ++want;
    }
    QCOMPARE(j["selected"].get<int64_t>(), want);
    QCOMPARE(j["cut"].get<int64_t>(), want);
    QCOMPARE(j["selected_tokens"].get<int64_t>(), spent);
    QVERIFY(spent <= budget);
    for (const auto& s : j["samples"]) {
        QCOMPARE(s["tokens"].get<int64_t>(), tokens[s["sample_id"].get<int64_t>()]);
        QCOMPARE(s["selected"].get<bool>(), s["rank"].get<int64_t>() <= want);
    }
    // Suffixes; exclusive with the count rules; bad values are usage errors naming the option.
    QCOMPARE(rank({"--budget-tokens", "1k"})["budget_tokens"].get<int64_t>(), int64_t(1000));
    auto both = runCli({"rank", project, "--run", "1", "--top-n", "2", "--budget-tokens", "5M"});
    QCOMPARE(both.code, 2);
    auto bad = runCli({"rank", project, "--run", "1", "--budget-tokens", "1.5"});
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.find("--budget-tokens") != std::string::npos, bad.err.c_str());
    // Export writes the same selection.
    QTemporaryDir dir;
    const QString out = dir.filePath("sel.jsonl");
    auto e = runCli({"export", project, out, "--run", "1", "--alpha", "0.6", "--budget-tokens", QString::number(budget)});
    QVERIFY2(e.code == 0, (e.out + e.err).c_str());
    std::ifstream in(out.toStdString());
    int64_t lines = 0;
    for (std::string line; std::getline(in, line);) lines += line.empty() ? 0 : 1;
    QCOMPARE(lines, want);
}

// `gateau compare --json`: the matrix over every score and a pair's most-disagreeing
// samples, checked against `gateau rank`'s order and the naive Spearman.
void TestRuns::compareJson() {
    const QString project = QString::fromStdString(projectMain_);
    auto c = runCli({"compare", project, "--run", "1", "--alpha", "0.6", "--scores", "combined,ifd", "--top", "3", "--json"});
    QVERIFY2(c.code == 0, (c.out + c.err).c_str());
    const auto j = nlohmann::json::parse(c.out);
    const size_t k = j["scores"].size();
    QVERIFY(k >= 7);
    std::map<std::string, size_t> at;
    for (size_t i = 0; i < k; ++i) at[j["scores"][i]["key"].get<std::string>()] = i;
    for (const char* key : {"combined", "hmg", "cam", "ifd", "cas"}) QVERIFY2(at.count(key), key);
    auto r = runCli({"rank", project, "--run", "1", "--alpha", "0.6", "--top", "100%", "--json"});
    const auto rj = nlohmann::json::parse(r.out);
    // A score that is constant over the pool orders nothing: its row and column are null
    // (NaN), every other entry a number. Here the tiny models' log-prob gains never clear the
    // key-token threshold, so the key-token share is such a score.
    auto constant = [&](const std::string& key) {
        const std::string field = key == "combined" ? "score" : key;
        std::set<double> values;
        for (const auto& s : rj["samples"]) values.insert(s[field].get<double>());
        return values.size() == 1;
    };
    for (const char* m : {"spearman", "kendall"}) {
        QCOMPARE(j[m].size(), k);
        for (size_t a = 0; a < k; ++a) {
            const std::string key = j["scores"][a]["key"].get<std::string>();
            if (constant(key)) {
                for (size_t b = 0; b < k; ++b) QVERIFY2(j[m][a][b].is_null() && j[m][b][a].is_null(), key.c_str());
                continue;
            }
            QVERIFY(std::fabs(j[m][a][a].get<double>() - 1.0) < 1e-12);
            for (size_t b = 0; b < k; ++b)
                if (!constant(j["scores"][b]["key"].get<std::string>()))
                    QCOMPARE(j[m][a][b].get<double>(), j[m][b][a].get<double>());
        }
    }
    // Spearman of combined and IFD from `gateau rank`'s values.
    std::vector<double> score, ifd;
    std::vector<int64_t> ids;
    std::map<int64_t, int64_t> rankCombined;
    for (const auto& s : rj["samples"]) {
        ids.push_back(s["sample_id"].get<int64_t>());
        score.push_back(s["score"].get<double>());
        ifd.push_back(s["ifd"].get<double>());
        rankCombined[ids.back()] = s["rank"].get<int64_t>();
    }
    QVERIFY(std::fabs(j["spearman"][at["combined"]][at["ifd"]].get<double>() - gateau::test::naiveSpearman(score, ifd)) <
            1e-9);
    QCOMPARE(j["pair"]["a"].get<std::string>(), std::string("combined"));
    // Ranks under IFD: high first, ties by id; then the naive top 3 of |difference|.
    std::vector<size_t> byIfd(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) byIfd[i] = i;
    std::sort(byIfd.begin(), byIfd.end(),
              [&](size_t x, size_t y) { return ifd[x] != ifd[y] ? ifd[x] > ifd[y] : ids[x] < ids[y]; });
    std::map<int64_t, int64_t> rankIfd;
    for (size_t p = 0; p < byIfd.size(); ++p) rankIfd[ids[byIfd[p]]] = int64_t(p + 1);
    std::vector<std::pair<int64_t, int64_t>> diffs;  // (-|d|, id)
    for (int64_t id : ids) diffs.push_back({-std::abs(rankCombined[id] - rankIfd[id]), id});
    std::sort(diffs.begin(), diffs.end());
    const auto& samples = j["pair"]["samples"];
    QCOMPARE(samples.size(), size_t(3));
    for (size_t i = 0; i < 3; ++i) {
        const int64_t id = samples[i]["sample_id"].get<int64_t>();
        QCOMPARE(id, diffs[i].second);
        QCOMPARE(samples[i]["rank_a"].get<int64_t>(), rankCombined[id]);
        QCOMPARE(samples[i]["rank_b"].get<int64_t>(), rankIfd[id]);
        QCOMPARE(samples[i]["rank_difference"].get<int64_t>(), -diffs[i].first);
    }
    // Unknown score names: a usage error listing the known keys.
    auto bad = runCli({"compare", project, "--run", "1", "--scores", "hmg,nope"});
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.find("nope") != std::string::npos && bad.err.find("ifd") != std::string::npos, bad.err.c_str());
    auto text = runCli({"compare", project, "--run", "1", "--scores", "hmg,cam"});
    QVERIFY2(text.code == 0 && text.out.find("Kendall tau-b") != std::string::npos, (text.out + text.err).c_str());
}

// `gateau evaluate` prints each score's Spearman correlation with the context tokens as
// scored, against the definition on the stored raw values (CAM is increasing in cam_raw,
// so it has cam_raw's ranks).
void TestRuns::evaluateSpearman() {
    std::vector<double> pa, pb, ifd, camRaw, ctx;
    {
        auto store = db::ProjectStore::open(projectMain_, false);
        for (auto& row : db::loadRawScores(store, 1))
            if (row.status == "done") {
                pa.push_back(row.pplA), pb.push_back(row.pplB), ifd.push_back(row.ifd), camRaw.push_back(row.camRaw);
                ctx.push_back(double(row.contextTokens));
            }
    }
    QCOMPARE(ctx.size(), size_t(kSamples - 1));
    auto r = runCli({"evaluate", QString::fromStdString(projectMain_), "--run", "1", "--label", "id=s3", "--json"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    const auto j = nlohmann::json::parse(r.out)["spearman_context_tokens"];
    QVERIFY_NEAR(j["ppl_a"].get<double>(), test::naiveSpearman(pa, ctx), 1e-12);
    QVERIFY_NEAR(j["ppl_b"].get<double>(), test::naiveSpearman(pb, ctx), 1e-12);
    QVERIFY_NEAR(j["ifd"].get<double>(), test::naiveSpearman(ifd, ctx), 1e-12);
    QVERIFY_NEAR(j["cam"].get<double>(), test::naiveSpearman(camRaw, ctx), 1e-12);
    for (const char* k : {"combined", "hmg"}) QVERIFY2(j[k].is_number(), k);
    auto text = runCli({"evaluate", QString::fromStdString(projectMain_), "--run", "1", "--label", "id=s3"});
    QVERIFY2(text.code == 0, text.err.c_str());
    QVERIFY2(text.out.find("Spearman correlation with context length (context tokens") != std::string::npos, text.out.c_str());
}

// Refused before anything is hashed or scored: a max_tokens beyond B's window (2048, no
// rope scaling), and an A whose tokenizer is not B's. dtype auto names the real precision.
void TestRuns::scoreRefusesBadPairs() {
    const std::string project = makeProject("pairs.gateau");
    auto score = [&](const std::string& config) {
        return runCli({"score", QString::fromStdString(project), "--config", QString::fromStdString(config), "--limit", "0"});
    };
    const std::string longConfig = dir_ + "/long.json";
    std::ofstream(longConfig) << R"({"model_a": "m1", "model_b": "m2", "max_tokens": 4096, "dtype": "float32"})";
    const auto tooLong = score(longConfig);
    QCOMPARE(tooLong.code, 2);
    QVERIFY2(tooLong.err.find("max_tokens 4096 exceeds model B's 2048-token window") != std::string::npos, tooLong.err.c_str());

    // A = m1's weights with Qwen3's tokenizer.
    const std::string mixed = dir_ + "/mq";
    fs::create_directories(mixed);
    for (const auto& e : fs::directory_iterator(modelA_))
        if (e.path().filename().string().rfind("tokenizer", 0) != 0) fs::copy_file(e.path(), mixed + "/" + e.path().filename().string(), fs::copy_options::overwrite_existing);
    fs::copy_file(std::string(GATEAU_SHARED_DIR) + "/testdata/tokenizers/qwen3/tokenizer.json", mixed + "/tokenizer.json",
                  fs::copy_options::overwrite_existing);
    const std::string mixedConfig = dir_ + "/mixed.json";
    std::ofstream(mixedConfig) << R"({"model_a": "mq", "model_b": "m2", "max_tokens": 400, "dtype": "float32"})";
    const auto mismatch = score(mixedConfig);
    QCOMPARE(mismatch.code, 2);
    QVERIFY2(mismatch.err.find("model A's tokenizer is not model B's (vocabulary size") != std::string::npos,
             mismatch.err.c_str());

    auto store = db::ProjectStore::open(project, false);
    QCOMPARE(db::listRuns(store).size(), size_t(0));  // nothing was created
    const std::string autoConfig = dir_ + "/auto.json";
    std::ofstream(autoConfig) << R"({"model_a": "m1", "model_b": "m2", "max_tokens": 400, "device": "cpu"})";
    const auto made = score(autoConfig);
    QVERIFY2(made.code == 0, made.err.c_str());
    const auto runs = db::listRuns(store);
    QCOMPARE(runs.size(), size_t(1));
    QCOMPARE(nlohmann::json::parse(runs[0].configJson)["dtype"].get<std::string>(),
             std::string(model::cpuHasBf16() ? "bfloat16" : "float32"));
}

void TestRuns::failingRunsStopAndRetry() {
    const std::string project = makeProject("failing.gateau");
    const QString P = QString::fromStdString(project);
    // max_tokens 10: every sample is too long, each with its own numbers in the message.
    const std::string tooShort = dir_ + "/short.json";
    std::ofstream(tooShort) << "{\"model_a\": \"m1\", \"model_b\": \"m2\", \"segment_len\": 8, \"max_tokens\": 10, "
                               "\"dtype\": \"float32\"}";
    auto r = runCli({"score", P, "--config", QString::fromStdString(tooShort), "--fail-fast", "3"});
    QVERIFY2(r.code == 1, (r.out + r.err).c_str());
    QVERIFY2(r.err.find("the first 3 samples all failed with the same reason") != std::string::npos, r.err.c_str());
    QVERIFY2(r.err.find("max_tokens") != std::string::npos, r.err.c_str());
    auto store = db::ProjectStore::open(project, false);
    auto run = db::listRuns(store)[0];
    QVERIFY2(run.failed >= 3 && run.failed < kSamples, qPrintable(QString::number(run.failed)));  // + those in flight
    QCOMPARE(run.done, int64_t(0));
    QCOMPARE(run.status, std::string("partial"));
    // Without the early stop every sample fails: exit 1, nothing was scored.
    r = runCli({"score", P, "--config", QString::fromStdString(tooShort), "--fail-fast", "0"});
    QVERIFY2(r.code == 1 && r.err.find("no sample was scored") != std::string::npos, (r.out + r.err).c_str());
    QCOMPARE(db::findRun(store, run.id)->failed, int64_t(kSamples));

    // --retry-failed scores the run's failed samples again: here a failure that no longer happens.
    const auto main = db::createOrFindRun(store, scoring::canonicalRunConfigJson(scoring::loadRunConfig(configMain_)));
    const int64_t first = store.samplesAfter(0, 1)[0].id;
    db::saveFailure(store, main.id, first, "out of memory (transient)");
    r = runCli({"score", P, "--config", QString::fromStdString(configMain_), "--retry-failed", "--limit", "1"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    QVERIFY2(r.err.find("1 failed samples pending again") != std::string::npos, r.err.c_str());
    const auto row = db::loadSampleScore(store, main.id, first);
    QVERIFY(row);
    QCOMPARE(row->status, std::string("done"));

    // A model A whose embedding is smaller than model B's tokenizer: refused at load, naming both.
    model::TinyModelSpec spec;
    spec.vocabSize = 1000;
    spec.intermediate = 128;
    spec.seed = 3;
    model::makeTinyModel(dir_ + "/small-vocab", spec);
    const std::string smallVocab = dir_ + "/small-vocab.json";
    std::ofstream(smallVocab) << "{\"model_a\": \"small-vocab\", \"model_b\": \"m2\", \"max_tokens\": 400, \"dtype\": \"float32\"}";
    r = runCli({"score", P, "--config", QString::fromStdString(smallVocab)});
    QVERIFY2(r.code == 1, (r.out + r.err).c_str());
    QVERIFY2(r.err.find("small-vocab: model A has 1000 embedding rows but the tokenizer") != std::string::npos, r.err.c_str());
}

void TestRuns::migrationFromVersion1() {
    // A version-1 project (migration 1 only, with its placeholder run tables). Opening it must
    // run the later migrations.
    const std::string path = dir_ + "/v1.gateau";
    {
        db::Database d(path, true);
        db::migrate(d, 1);
    }
    auto store = db::ProjectStore::open(path, false);
    auto version = store.db().prepare("PRAGMA user_version");
    QVERIFY(version.step());
    QCOMPARE(int(version.int64(0)), db::schemaVersion());
    QVERIFY(db::schemaVersion() >= 3);
    auto old = store.db().prepare("SELECT count(*) FROM sqlite_master WHERE name = 'scores'");
    QVERIFY(old.step());
    QCOMPARE(old.int64(0), int64_t(0));
    const auto run = db::createOrFindRun(store, "{\"x\":1}");
    QCOMPARE(run.id, int64_t(1));
    QCOMPARE(run.status, std::string("open"));
    QCOMPARE(run.configHash, db::configHash("{\"x\":1}"));
}

QTEST_GUILESS_MAIN(TestRuns)
#include "test_runs.moc"
