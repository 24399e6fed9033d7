// What defines a run and what refuses one before any weights load: RUN.json presets and
// split rules in the run identity, dtype auto resolved per device, model B's window against
// max_tokens, model A's tokenizer against B's; and the Spearman correlation `gateau
// evaluate` prints. Torch-free; the tokenizers are trained here (no ../shared needed).
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/jobs/scoring_job.h"
#include "core/model/engine.h"
#include "core/model/tiny_model.h"
#include "core/scoring/model_pair.h"
#include "core/scoring/run_config.h"
#include "core/scoring/spearman.h"
#include "core/tokenizer/bpe_trainer.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/common/naive_spearman.h"

using namespace gateau;
using scoring::PairCheck;
namespace fs = std::filesystem;

namespace {

void expectError(const std::function<void()>& f, const std::string& needle) {
    try {
        f();
    } catch (const std::exception& e) {
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
        return;
    }
    QFAIL(qPrintable(QString::fromStdString("no error; expected one naming " + needle)));
}

scoring::RunConfig parse(const std::string& extra) {
    return scoring::parseRunConfig(R"({"model_a": "/a", "model_b": "/b")" + extra + "}", "RUN.json");
}

model::ModelConfig window(int64_t maxPos, model::RopeScaling::Type type = model::RopeScaling::Type::None,
                          double factor = 1.0, int64_t original = 0) {
    model::ModelConfig c;
    c.maxPositionEmbeddings = maxPos;
    c.ropeScaling.type = type;
    c.ropeScaling.factor = factor;
    c.ropeScaling.originalMaxPositionEmbeddings = original;
    return c;
}

// tokenizer.json trained on `text` with `merges` merges, written to DIR/tokenizer.json.
std::string trainedTokenizer(const std::string& dir, const std::string& text, int merges) {
    fs::create_directories(dir);
    tok::BpeTrainOptions o;
    o.merges = merges;
    o.minCount = 1;
    const std::string json = tok::trainByteLevelBpe({text}, o);
    std::ofstream(dir + "/tokenizer.json") << json;
    return json;
}

// id -> token string straight from a tokenizer.json's model.vocab.
std::vector<std::string> vocabById(const std::string& json) {
    const auto j = nlohmann::json::parse(json);
    std::vector<std::string> out(j["model"]["vocab"].size());
    for (const auto& [token, id] : j["model"]["vocab"].items()) out.at(id.get<size_t>()) = token;
    return out;
}


}  // namespace

class TestRunChecks : public QObject {
    Q_OBJECT
private slots:
    // An empty model path once escaped as std::filesystem_error (fuzz_run_json,
    // corpus/fuzz_run_json/empty-model-filesystem-error.json).
    void emptyModelPathIsNamed() {
        expectError([] { scoring::parseRunConfig(R"({"model_a": "", "model_b": "/b"})", "RUN.json"); },
                    "RUN.json: \"model_a\" is empty");
        try {
            scoring::parseRunConfig(R"({"model_a": "/a", "model_b": ""})", "RUN.json");
            QFAIL("an empty model_b was accepted");
        } catch (const scoring::ScoringError&) {
        }
    }
    void splitRulesInRunConfig() {
        const auto d = parse("");
        QVERIFY(d.prompt.instruction == scoring::InstructionRule::LastParagraph);
        QVERIFY(d.prompt.responseTurn == scoring::ResponseTurn::Last);
        const auto c = parse(R"(, "instruction": "whole_turn", "response_turn": "first")");
        QVERIFY(c.prompt.instruction == scoring::InstructionRule::WholeTurn);
        QVERIFY(c.prompt.responseTurn == scoring::ResponseTurn::First);
        expectError([] { parse(R"(, "instruction": "last_line")"); }, "\"instruction\" must be one of last_paragraph, whole_turn");
        expectError([] { parse(R"(, "response_turn": 2)"); }, "\"response_turn\" must be a string");
        expectError([] { parse(R"(, "response_turn": "middle")"); }, "\"response_turn\"");
    }

    void presets() {
        const auto paper = parse(R"(, "preset": "paper")");
        const auto none = parse("");
        QCOMPARE(paper.prompt.maxTokens, int64_t(65536));
        QCOMPARE(paper.prompt.maxTokens, none.prompt.maxTokens);  // paper = the defaults
        QCOMPARE(paper.prompt.segmentLen, none.prompt.segmentLen);
        QCOMPARE(paper.stretchA, none.stretchA);
        const auto ref = parse(R"(, "preset": "reference-code", "stretch_a": 16)");
        QCOMPARE(ref.prompt.maxTokens, int64_t(64000));
        QCOMPARE(ref.prompt.segmentLen, int64_t(128));
        QCOMPARE(ref.stretchA, 16.0);  // an explicit key wins over the preset
        QCOMPARE(parse(R"(, "preset": "reference-code")").stretchA, 1.0);  // A without NTK
        QCOMPARE(parse(R"(, "max_tokens": 8000, "preset": "reference-code")").prompt.maxTokens, int64_t(8000));
        expectError([] { parse(R"(, "preset": "gateau")"); }, "\"preset\" must be one of paper, reference-code");
        expectError([] { parse(R"(, "preset": 1)"); }, "\"preset\" must be a string");
    }

    void dtypeAutoIsResolvedPerDevice() {
        const std::string cpu = model::cpuHasBf16() ? "bfloat16" : "float32";
        QCOMPARE(std::string(model::computeDtypeName(model::resolveComputeDtype(model::ComputeDtype::Auto, "cpu"))), cpu);
        QVERIFY(model::resolveComputeDtype(model::ComputeDtype::Auto, "cuda:1") == model::ComputeDtype::BFloat16);
        QVERIFY(model::resolveComputeDtype(model::ComputeDtype::Float32, "cuda:0") == model::ComputeDtype::Float32);

        jobs::JobOptions o;
        o.config = parse("");
        o.devices = {"cpu"};
        jobs::resolveAutoDtype(o);
        QCOMPARE(o.config.dtype, cpu);
        // Explicit dtypes are left alone.
        o.config.dtype = "float16";
        o.devices = {"cpu", "cuda:0"};
        jobs::resolveAutoDtype(o);
        QCOMPARE(o.config.dtype, std::string("float16"));
        // auto on devices that disagree cannot name one precision.
        o.config.dtype = "auto";
        if (cpu == "float32") {
            expectError([&] { jobs::resolveAutoDtype(o); }, "dtype auto is float32 on cpu but bfloat16 on cuda:0");
        } else {
            jobs::resolveAutoDtype(o);
            QCOMPARE(o.config.dtype, std::string("bfloat16"));
        }
        // An unresolved dtype never identifies a run.
        expectError([] { scoring::canonicalRunConfigJson(parse("")); }, "dtype \"auto\" must be resolved");
    }

    void contextBudget() {
        using T = model::RopeScaling::Type;
        QVERIFY(scoring::checkContextBudget(window(4096), 4096).verdict == PairCheck::Verdict::Ok);
        const auto plain = scoring::checkContextBudget(window(4096), 4097);
        QVERIFY(plain.verdict == PairCheck::Verdict::Refuse);
        QVERIFY2(plain.message.find("max_tokens 4097 exceeds model B's 4096-token window") != std::string::npos,
                 plain.message.c_str());
        QVERIFY2(plain.message.find("at most 4096") != std::string::npos, plain.message.c_str());
        // Static scaling covers original x factor.
        const auto linear = window(4096, T::Linear, 4.0, 4096);
        QCOMPARE(scoring::coveredPositions(linear), int64_t(16384));
        QVERIFY(scoring::checkContextBudget(linear, 16384).verdict == PairCheck::Verdict::Ok);
        QVERIFY(scoring::checkContextBudget(linear, 16385).verdict == PairCheck::Verdict::Refuse);
        // Llama 3.1: the config's window is already the scaled one.
        QCOMPARE(scoring::coveredPositions(window(131072, T::Llama3, 8.0, 8192)), int64_t(131072));
        QCOMPARE(scoring::coveredPositions(window(32768, T::Yarn, 4.0, 32768)), int64_t(131072));
        // Dynamic NTK extrapolates on the fly: a warning, not a refusal.
        const auto dynamic = scoring::checkContextBudget(window(4096, T::Dynamic, 2.0), 65536);
        QVERIFY(dynamic.verdict == PairCheck::Verdict::Warn);
        QVERIFY2(dynamic.message.find("dynamic NTK") != std::string::npos, dynamic.message.c_str());
        QVERIFY(scoring::checkContextBudget(window(4096, T::Dynamic, 2.0), 4096).verdict == PairCheck::Verdict::Ok);
    }

    void tokenizerPair() {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const std::string textA = "the river runs past the mill and the miller sings of the river",
                          textB = "copper wires carry signals; the signal carries the copper's song";
        const auto jsonA = trainedTokenizer(root + "/a", textA, 20);
        const auto jsonB = trainedTokenizer(root + "/b", textB, 20);
        trainedTokenizer(root + "/b2", textB, 20);
        trainedTokenizer(root + "/small", textB, 10);
        fs::create_directories(root + "/bare");

        // Same training: no difference.
        QVERIFY(scoring::checkTokenizerPair(root + "/b2", root + "/b").verdict == PairCheck::Verdict::Ok);
        QVERIFY(scoring::checkTokenizerPair(root + "/b2", root + "/b").message.empty());
        // A without tokenizer files: B's is used, and said so.
        const auto bare = scoring::checkTokenizerPair(root + "/bare", root + "/b");
        QVERIFY(bare.verdict == PairCheck::Verdict::Ok);
        QVERIFY2(bare.message.find("B's tokenizer is used") != std::string::npos, bare.message.c_str());
        // Different vocabulary sizes.
        const auto sizes = scoring::checkTokenizerPair(root + "/small", root + "/b");
        QVERIFY(sizes.verdict == PairCheck::Verdict::Refuse);
        const std::string sizesWant = "vocabulary size " + std::to_string(tok::Tokenizer::load(root + "/small")->vocabSize()) +
                                      " in A, " + std::to_string(vocabById(jsonB).size()) + " in B";
        QVERIFY2(sizes.message.find(sizesWant) != std::string::npos, sizes.message.c_str());
        // Same size, different merges: the first id whose token differs, found here from the files.
        const auto va = vocabById(jsonA), vb = vocabById(jsonB);
        QCOMPARE(va.size(), vb.size());
        size_t first = 0;
        while (first < va.size() && va[first] == vb[first]) ++first;
        QVERIFY(first >= 256 && first < va.size());
        const auto merged = scoring::checkTokenizerPair(root + "/a", root + "/b");
        QVERIFY(merged.verdict == PairCheck::Verdict::Refuse);
        QVERIFY2(merged.message.find("token " + std::to_string(first) + " is \"") != std::string::npos,
                 merged.message.c_str());

        // The whole check on a run: the refusal names the source.
        model::TinyModelSpec spec;
        spec.tokenizerPath = root + "/b";
        spec.maxPositionEmbeddings = 4096;
        model::makeTinyModel(root + "/mb", spec);  // B: a 4k window, b's tokenizer
        scoring::RunConfig run;
        run.modelA = root + "/a";
        run.modelB = root + "/mb";
        run.prompt.maxTokens = 4096;
        expectError([&] { scoring::checkRunModels(run, "run.json"); }, "run.json: model A's tokenizer is not model B's");
        run.modelA = root + "/bare";
        const auto notes = scoring::checkRunModels(run, "run.json");
        QCOMPARE(notes.size(), size_t(1));
        QVERIFY(notes[0].find("B's tokenizer is used") != std::string::npos);
        run.prompt.maxTokens = 4097;
        expectError([&] { scoring::checkRunModels(run, "run.json"); }, "run.json: max_tokens 4097 exceeds");
    }

    void spearmanHandChecked() {
        // x = 1..5, y = 5 6 7 8 7: ranks of y 1 2 3.5 5 3.5; sum dx*dy = 8, sum dx^2 = 10,
        // sum dy^2 = 9.5, rho = 8 / sqrt(95).
        const std::vector<double> x{1, 2, 3, 4, 5}, y{5, 6, 7, 8, 7};
        QVERIFY(std::fabs(scoring::spearman(x, y) - 8.0 / std::sqrt(95.0)) < 1e-12);
        QVERIFY(std::fabs(scoring::spearman(x, {1, 4, 9, 16, 25}) - 1.0) < 1e-12);   // monotone
        QVERIFY(std::fabs(scoring::spearman(x, {9, 7, 5, 3, 1}) + 1.0) < 1e-12);     // reversed
        QVERIFY(std::isnan(scoring::spearman(x, {2, 2, 2, 2, 2})));                 // constant
        QVERIFY(std::isnan(scoring::spearman({1}, {2})));
        QVERIFY(std::isnan(scoring::spearman(x, {1, 2})));
        // Against the definition on data with many ties.
        std::vector<double> a, b;
        for (int i = 0; i < 40; ++i) {
            a.push_back(double((i * 7) % 11));
            b.push_back(double((i * 5) % 13 / 3));
        }
        QVERIFY(std::fabs(scoring::spearman(a, b) - test::naiveSpearman(a, b)) < 1e-12);
        QCOMPARE(scoring::averageRanks({3, 1, 3, 2}), (std::vector<double>{3.5, 1, 3.5, 2}));
    }
};

QTEST_GUILESS_MAIN(TestRunChecks)
#include "test_run_checks.moc"
