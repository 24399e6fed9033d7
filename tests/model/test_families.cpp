// The architecture table against published configs: each family's config.json (in
// tests/model/configs) parses to the settings its Hugging Face modeling code uses, with the
// per-layer windows and RoPE written out by hand from transformers' rules; configs the
// engine cannot run are refused naming the key; a checkpoint that does not match its
// family's tensors names the tensor and both shapes.
#include <QtTest>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include <QProcess>
#include <QTemporaryDir>

#include "core/model/arch.h"
#include "core/model/checkpoint.h"
#include "core/model/config.h"
#include "core/model/tensor_names.h"
#include "core/model/tiny_model.h"
#include "tests/common/expect_model_error.h"

using namespace gateau::model;
using nlohmann::json;

namespace {

std::string configPath(const char* name) {
    return std::string(GATEAU_SOURCE_DIR) + "/tests/model/configs/" + name;
}

json readJson(const char* name) {
    std::ifstream in(configPath(name));
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

ModelConfig parse(const json& j) { return ModelConfig::fromJson(j.dump(), "dir/config.json"); }


// Windows of every layer, as one string: "." full attention, "w" windowed.
std::string windowMap(const ModelConfig& c) {
    std::string s;
    for (int64_t l = 0; l < c.numLayers; ++l) s += layerWindow(c, l) > 0 ? 'w' : '.';
    return s;
}

int64_t countTensors(const ModelConfig& c, TensorRole role) {
    int64_t n = 0;
    for (const auto& t : expectedTensors(c)) n += t.role == role;
    return n;
}

}  // namespace

class TestFamilies : public QObject {
    Q_OBJECT

private slots:
    void qwen2() {
        auto j = readJson("qwen2.5-7b-instruct.json");
        ModelConfig c = parse(j);
        QCOMPARE(c.arch, Arch::Qwen2);
        QVERIFY(c.attentionBias);
        QVERIFY(hasQkvBias(c));
        QVERIFY(!hasOutBias(c));
        QVERIFY(!c.slidingWindow);  // use_sliding_window false: full attention everywhere
        QCOMPARE(windowMap(c), std::string(28, '.'));
        QCOMPARE(c.headDim, int64_t(128));
        QCOMPARE(countTensors(c, TensorRole::AttnQBias), int64_t(28));
        QCOMPARE(countTensors(c, TensorRole::AttnOutBias), int64_t(0));

        // HF: layers from max_window_layers on get the window (Qwen2Config.layer_types /
        // Qwen2Attention's layer_idx >= max_window_layers).
        j["use_sliding_window"] = true;
        j["max_window_layers"] = 20;
        c = parse(j);
        QCOMPARE(windowMap(c), std::string(20, '.') + std::string(8, 'w'));
        QCOMPARE(layerWindow(c, 27), int64_t(131072));
        j["max_window_layers"] = 28;  // as published: no layer reaches it
        QCOMPARE(windowMap(parse(j)), std::string(28, '.'));
        // An explicit layer_types list (newer transformers writes one) wins.
        json types = json::array();
        for (int l = 0; l < 28; ++l) types.push_back(l % 3 == 0 ? "sliding_attention" : "full_attention");
        j["layer_types"] = types;
        QCOMPARE(windowMap(parse(j)).substr(0, 7), std::string("w..w..w"));
        j["layer_types"] = json::array({"full_attention"});
        EXPECT_ERROR(parse(j), "layer_types", "28");
    }

    void qwen3() {
        ModelConfig c = parse(readJson("qwen3-0.6b.json"));
        QCOMPARE(c.arch, Arch::Qwen3);
        QCOMPARE(c.headDim, int64_t(128));  // not hidden / heads = 64
        QCOMPARE(c.numKvHeads, int64_t(8));
        QVERIFY(!c.attentionBias);
        QVERIFY(c.tieWordEmbeddings);
        QVERIFY(!c.slidingWindow);
        QCOMPARE(c.maxPositionEmbeddings, int64_t(40960));
        QCOMPARE(c.ropeTheta, 1000000.0);
        QCOMPARE(attentionScale(c), 1.0 / std::sqrt(128.0));
        QCOMPARE(hfTensorName(c, TensorRole::AttnQNorm, 3), std::string("model.layers.3.self_attn.q_norm.weight"));
        for (const auto& t : expectedTensors(c)) {
            if (t.role == TensorRole::AttnQNorm || t.role == TensorRole::AttnKNorm)
                QCOMPARE(t.shape, std::vector<int64_t>{128});
            if (t.role == TensorRole::AttnQ) QCOMPARE(t.shape, (std::vector<int64_t>{16 * 128, 1024}));
            if (t.role == TensorRole::AttnOut) QCOMPARE(t.shape, (std::vector<int64_t>{1024, 16 * 128}));
        }
        QCOMPARE(countTensors(c, TensorRole::Output), int64_t(0));
    }

    void gemma2() {
        ModelConfig c = parse(readJson("gemma-2-2b.json"));
        QCOMPARE(c.arch, Arch::Gemma2);
        const ArchInfo& a = archInfo(c.arch);
        QCOMPARE(a.norm, NormKind::RmsOnePlus);
        QCOMPARE(a.activation, Activation::GeluTanh);
        QVERIFY(a.sandwichNorms && a.embedScale && !a.qkNorm);
        QCOMPARE(c.headDim, int64_t(256));
        QCOMPARE(c.queryPreAttnScalar.value_or(0), 256.0);
        QCOMPARE(c.attnLogitSoftcapping.value_or(0), 50.0);
        QCOMPARE(c.finalLogitSoftcapping.value_or(0), 30.0);
        QVERIFY(c.tieWordEmbeddings);  // HF's default; the published config leaves it out
        QCOMPARE(c.slidingWindow.value_or(0), int64_t(4096));
        // HF: sliding on layers where (i + 1) % 2 != 0, i.e. the even ones.
        std::string want;
        for (int l = 0; l < 26; ++l) want += l % 2 == 0 ? 'w' : '.';
        QCOMPARE(windowMap(c), want);
        QVERIFY(!layerUsesLocalRope(c, 0));  // one RoPE base in Gemma 2
        QCOMPARE(hfTensorName(c, TensorRole::FfnNorm, 0), std::string("model.layers.0.pre_feedforward_layernorm.weight"));
        QCOMPARE(hfTensorName(c, TensorRole::AttnPostNorm, 0), std::string("model.layers.0.post_attention_layernorm.weight"));
        QCOMPARE(hfTensorName(c, TensorRole::FfnPostNorm, 0), std::string("model.layers.0.post_feedforward_layernorm.weight"));
        QCOMPARE(countTensors(c, TensorRole::FfnPostNorm), int64_t(26));
    }

    void gemma3Text() {
        ModelConfig c = parse(readJson("gemma-3-1b-it.json"));
        QCOMPARE(c.arch, Arch::Gemma3);
        QVERIFY(archInfo(c.arch).qkNorm);
        QCOMPARE(c.numKvHeads, int64_t(1));
        QCOMPARE(c.headDim, int64_t(256));
        QVERIFY(!c.attnLogitSoftcapping && !c.finalLogitSoftcapping);  // null in Gemma 3
        QCOMPARE(c.ropeTheta, 1000000.0);
        QCOMPARE(c.ropeLocalTheta.value_or(0), 10000.0);
        QCOMPARE(c.slidingWindow.value_or(0), int64_t(512));
        QVERIFY(c.tensorPrefix.empty());
        // HF: layer i is global when (i + 1) % sliding_window_pattern == 0: 5, 11, 17, 23.
        QCOMPARE(windowMap(c), std::string("wwwww.wwwww.wwwww.wwwww.ww"));
        QVERIFY(layerUsesLocalRope(c, 0));
        QVERIFY(!layerUsesLocalRope(c, 5));
        QCOMPARE(c.eosTokenId.value_or(0), int64_t(1));
    }

    void gemma3Multimodal() {
        // The language model of the 4B: most keys are HF's defaults, the rest under
        // text_config; tensors under language_model.; the vision tower is not ours.
        ModelConfig c = parse(readJson("gemma-3-4b-it.json"));
        QCOMPARE(c.arch, Arch::Gemma3);
        QCOMPARE(c.modelType, std::string("gemma3"));
        QCOMPARE(c.hiddenSize, int64_t(2560));
        QCOMPARE(c.numLayers, int64_t(34));
        QCOMPARE(c.numHeads, int64_t(8));
        QCOMPARE(c.numKvHeads, int64_t(4));
        QCOMPARE(c.headDim, int64_t(256));
        QCOMPARE(c.vocabSize, int64_t(262208));
        QCOMPARE(c.queryPreAttnScalar.value_or(0), 256.0);
        QCOMPARE(c.slidingWindow.value_or(0), int64_t(1024));
        QCOMPARE(c.slidingWindowPattern, int64_t(6));
        QCOMPARE(c.ropeScaling.type, RopeScaling::Type::Linear);  // global layers only
        QCOMPARE(c.ropeScaling.factor, 8.0);
        QCOMPARE(c.ropeLocalTheta.value_or(0), 10000.0);
        QVERIFY(c.tieWordEmbeddings);
        QCOMPARE(c.torchDtype, std::string("bfloat16"));
        QCOMPARE(c.tensorPrefix, std::string("language_model."));
        QCOMPARE(hfTensorName(c, TensorRole::AttnKNorm, 2),
                 std::string("language_model.model.layers.2.self_attn.k_norm.weight"));
        QCOMPARE(hfTensorName(c, TensorRole::TokenEmbedding), std::string("language_model.model.embed_tokens.weight"));

        auto j = readJson("gemma-3-4b-it.json");
        j.erase("text_config");
        EXPECT_ERROR(parse(j), "vision_config", "text_config", "dir/config.json");
        j.erase("vision_config");
        EXPECT_ERROR(parse(j), "text_config", "no language model");
    }

    void phi3() {
        ModelConfig c = parse(readJson("phi-3-mini-4k-instruct.json"));
        QCOMPARE(c.arch, Arch::Phi3);
        QCOMPARE(c.rotaryDim(), int64_t(96));
        QCOMPARE(c.ropeScaling.type, RopeScaling::Type::None);
        QCOMPARE(c.slidingWindow.value_or(0), int64_t(2047));  // every layer
        QCOMPARE(windowMap(c), std::string(32, 'w'));
        QCOMPARE(c.rmsNormEps, 1e-5);
        QCOMPARE(hfTensorName(c, TensorRole::AttnQkv, 0), std::string("model.layers.0.self_attn.qkv_proj.weight"));
        QCOMPARE(countTensors(c, TensorRole::AttnQ), int64_t(0));
        for (const auto& t : expectedTensors(c)) {
            if (t.role == TensorRole::AttnQkv) QCOMPARE(t.shape, (std::vector<int64_t>{3 * 3072, 3072}));
            if (t.role == TensorRole::FfnGateUp) QCOMPARE(t.shape, (std::vector<int64_t>{2 * 8192, 3072}));
        }

        c = parse(readJson("phi-4.json"));
        QCOMPARE(c.arch, Arch::Phi3);
        QCOMPARE(c.numKvHeads, int64_t(10));
        QCOMPARE(c.ropeTheta, 250000.0);
        QVERIFY(!c.slidingWindow);
        QCOMPARE(c.maxPositionEmbeddings, int64_t(16384));
        for (const auto& t : expectedTensors(c))
            if (t.role == TensorRole::AttnQkv) QCOMPARE(t.shape, (std::vector<int64_t>{(40 + 2 * 10) * 128, 5120}));
    }

    void phi3LongRope() {
        // "su" (renamed longrope): factor = 131072 / 4096 = 32 from the top-level keys, and
        // the attention factor sqrt(1 + ln 32 / ln 4096) (transformers'
        // _compute_longrope_parameters).
        auto j = readJson("phi-3-vision-128k-instruct-lm.json");
        ModelConfig c = parse(j);
        const RopeScaling& rs = c.ropeScaling;
        QCOMPARE(rs.type, RopeScaling::Type::LongRope);
        QCOMPARE(rs.originalMaxPositionEmbeddings, int64_t(4096));
        QCOMPARE(rs.factor, 32.0);
        QVERIFY(std::abs(rs.attentionFactor.value_or(0) - std::sqrt(1 + std::log(32.0) / std::log(4096.0))) < 1e-12);
        QCOMPARE(rs.shortFactor.size(), size_t(48));
        QCOMPARE(rs.longFactor.back(), 64.81001281738281);
        QCOMPARE(rs.shortFactor.front(), 1.05);
        j["rope_scaling"]["attention_factor"] = 1.5;
        QCOMPARE(parse(j).ropeScaling.attentionFactor.value_or(0), 1.5);
        // Partial rotary: the factors cover the rotated channels only.
        j["partial_rotary_factor"] = 0.75;
        EXPECT_ERROR(parse(j), "short_factor", "36");
        j = readJson("phi-3-vision-128k-instruct-lm.json");
        j["rope_scaling"]["long_factor"] = json::array({1.0, 2.0});
        EXPECT_ERROR(parse(j), "long_factor", "48");
    }

    // transformers 5 moves RoPE into rope_parameters, per layer type for Gemma 3.
    void ropeParametersForm() {
        auto j = readJson("gemma-3-4b-it.json");
        json& t = j["text_config"];
        t.erase("rope_scaling");
        t["rope_parameters"] = {{"full_attention", {{"rope_type", "linear"}, {"factor", 8.0}, {"rope_theta", 1000000.0}}},
                                {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 20000.0}}}};
        ModelConfig c = parse(j);
        QCOMPARE(c.ropeScaling.type, RopeScaling::Type::Linear);
        QCOMPARE(c.ropeScaling.factor, 8.0);
        QCOMPARE(c.ropeTheta, 1000000.0);
        QCOMPARE(c.ropeLocalTheta.value_or(0), 20000.0);
        t["rope_parameters"]["sliding_attention"]["rope_type"] = "yarn";
        EXPECT_ERROR(parse(j), "sliding_attention", "'yarn'");

        auto q = readJson("qwen3-0.6b.json");
        q.erase("rope_theta");
        q.erase("rope_scaling");
        q["rope_parameters"] = {{"rope_type", "yarn"}, {"factor", 4.0}, {"rope_theta", 1000000.0},
                                {"original_max_position_embeddings", 32768}};
        c = parse(q);
        QCOMPARE(c.ropeTheta, 1000000.0);
        QCOMPARE(c.ropeScaling.type, RopeScaling::Type::Yarn);
        QCOMPARE(c.ropeScaling.originalMaxPositionEmbeddings, int64_t(32768));
        q["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 5000000.0}};
        c = parse(q);
        QCOMPARE(c.ropeTheta, 5000000.0);
        QCOMPARE(c.ropeScaling.type, RopeScaling::Type::None);
    }

    void refusals() {
        auto j = readJson("qwen3-0.6b.json");
        j["model_type"] = "qwen3_moe";
        EXPECT_ERROR(parse(j), "'qwen3_moe'", "model_type", "dir/config.json");
        j = readJson("qwen3-0.6b.json");
        j["num_experts"] = 128;
        EXPECT_ERROR(parse(j), "'num_experts'", "mixture-of-experts");
        j = readJson("phi-4.json");
        j["num_local_experts"] = 16;
        EXPECT_ERROR(parse(j), "'num_local_experts'");
        j = readJson("gemma-2-2b.json");
        j["rope_scaling"] = {{"rope_type", "mrope"}, {"factor", 2.0}};
        EXPECT_ERROR(parse(j), "'mrope'", "rope_type");
        j = readJson("gemma-2-2b.json");
        j["hidden_activation"] = "silu";  // Gemma reads hidden_activation (hidden_act is ignored)
        EXPECT_ERROR(parse(j), "'silu'", "gemma2");
        EXPECT_ERROR(parse(json{{"model_type", "siglip_vision_model"}}), "'siglip_vision_model'", "model_type");
        EXPECT_ERROR(parse(json{{"architectures", {"Phi3VForCausalLM"}}}), "'Phi3VForCausalLM'", "architectures");
        // Each family's class name alone finds its row.
        for (const auto& a : architectures()) {
            auto k = readJson("qwen3-0.6b.json");
            k.erase("model_type");
            k["architectures"] = {a.className};
            if (a.arch == Arch::Gemma3) continue;  // its defaults differ; covered above
            QCOMPARE(parse(k).arch, a.arch);
        }
    }

    // make-tiny-model and model-info through the CLI: the family's flags, and the
    // per-layer windows model-info reports.
    void cliMakeTinyModelAndModelInfo() {
        QTemporaryDir dir;
        auto run = [](const QStringList& args, QByteArray* out = nullptr) {
            QProcess p;
            p.start(GATEAU_CLI_PATH, args);
            p.waitForFinished(120000);
            if (out) *out = p.readAllStandardOutput();
            return p.exitCode() + (p.exitStatus() == QProcess::NormalExit ? 0 : 100);
        };
        const QString g3 = dir.filePath("g3"), q3 = dir.filePath("q3");
        QCOMPARE(run({"make-tiny-model", g3, "--arch", "gemma3", "--vocab", "50", "--layers", "4", "--hidden", "32",
                      "--heads", "2", "--kv-heads", "1", "--sliding-window", "8"}),
                 0);
        QByteArray text;
        QCOMPARE(run({"model-info", g3, "--json", "--no-hash"}, &text), 0);
        json info = json::parse(text.toStdString());
        QCOMPARE(info["architecture"].get<std::string>(), std::string("gemma3_text"));
        QCOMPARE(info["config"]["layer_windows"], json::array({8, 0, 8, 0}));
        QCOMPARE(info["config"]["query_pre_attn_scalar"].get<double>(), 16.0);
        QVERIFY(info["valid"].get<bool>());
        QCOMPARE(run({"make-tiny-model", q3, "--arch", "qwen3", "--vocab", "50", "--layers", "3", "--sliding-window",
                      "8", "--max-window-layers", "2"}),
                 0);
        QCOMPARE(run({"model-info", q3, "--json", "--no-hash"}, &text), 0);
        QCOMPARE(json::parse(text.toStdString())["config"]["layer_windows"], json::array({0, 0, 8}));
        // Flags that do not apply to the family are refused.
        QVERIFY(run({"make-tiny-model", dir.filePath("x"), "--arch", "llama", "--vocab", "50", "--sliding-window", "8"}) != 0);
        QVERIFY(run({"make-tiny-model", dir.filePath("y"), "--arch", "gemma2", "--vocab", "50", "--partial-rotary", "0.5"}) != 0);
        QVERIFY(run({"make-tiny-model", dir.filePath("z"), "--arch", "qwen3_moe", "--vocab", "50"}) != 0);
    }

    // A checkpoint whose tensors do not match its family's table: the tensor, the shape
    // expected and the shape found.
    void mismatchedCheckpointNamesTensorAndShapes() {
        QTemporaryDir dir;
        TinyModelSpec spec;
        spec.arch = Arch::Phi3;
        spec.vocabSize = 50;
        spec.hidden = 32;
        spec.heads = 4;
        spec.kvHeads = 2;
        spec.intermediate = 48;
        auto r = makeTinyModel(dir.filePath("m").toStdString(), spec);
        auto ck = Checkpoint::open(dir.filePath("m").toStdString());
        ck.validate();
        ModelConfig other = ck.config();
        other.numKvHeads = 4;
        EXPECT_ERROR(ck.validateFor(other), "model.layers.0.self_attn.qkv_proj.weight", "[64, 32]", "[96, 32]");
        other = ck.config();
        other.arch = Arch::Gemma2;  // expects the Gemma tensors
        EXPECT_ERROR(ck.validateFor(other), "missing tensor 'model.layers.0.self_attn.q_proj.weight'");
    }
};

QTEST_APPLESS_MAIN(TestFamilies)
#include "test_families.moc"
