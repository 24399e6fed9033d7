// Checkpoint loading: safetensors round trips, tiny models per architecture, config parsing,
// and a clear error for every kind of broken checkpoint.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/engine.h"
#include "core/model/config_json.h"
#include "core/model/safetensors_writer.h"
#include "core/model/tensor_names.h"
#include "core/model/tiny_model.h"
#include "core/model/tokenizer_probe.h"
#include "core/util/sha256.h"
#include "tests/common/expect_model_error.h"

using namespace gateau::model;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {


std::string readFile(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeFile(const std::string& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::string le64(uint64_t n) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
    return s;
}

// A safetensors file with a hand-written header, for the inputs the writer refuses to make.
std::string rawSafetensors(const std::string& header, const std::string& data) {
    return le64(header.size()) + header + data;
}

// 100 plain tokens plus <s>=100 and </s>=101, like a minimal Hugging Face tokenizer.json.
std::string makeInlineTokenizer(const std::string& dir) {
    json vocab = json::object();
    for (int i = 0; i < 100; ++i) vocab["t" + std::to_string(i)] = i;
    json tok = {{"version", "1.0"},
                {"added_tokens", {{{"id", 100}, {"content", "<s>"}, {"special", true}},
                                  {{"id", 101}, {"content", "</s>"}, {"special", true}}}},
                {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}}};
    writeFile(dir + "/tokenizer.json", tok.dump());
    writeFile(dir + "/tokenizer_config.json", json({{"bos_token", "<s>"}, {"eos_token", {{"content", "</s>"}}}}).dump());
    return dir;
}

TinyModelSpec smallSpec(Arch arch, const std::string& tokenizer) {
    TinyModelSpec s;
    s.arch = arch;
    s.tokenizerPath = tokenizer;
    s.layers = 2;
    s.hidden = 64;
    s.heads = 4;
    s.kvHeads = 2;
    s.intermediate = 96;
    s.seed = 7;
    return s;
}

std::string shared(const char* rel) { return std::string(GATEAU_SHARED_DIR) + "/testdata/tokenizers/" + rel; }

// Rewrites dir/model.safetensors through `edit`, which may drop or change tensors.
void rewriteWeights(const std::string& dir, const std::function<void(std::vector<TensorData>&)>& edit) {
    std::vector<TensorData> tensors;
    {
        auto f = SafetensorsFile::open(dir + "/model.safetensors");
        for (const auto& t : f.tensors()) {
            const uint8_t* p = f.data(t);
            tensors.push_back({t.name, t.dtype, t.shape, std::vector<uint8_t>(p, p + t.nbytes())});
        }
    }
    edit(tensors);
    writeSafetensors(dir + "/model.safetensors", tensors);
}

}  // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT

private slots:
    void dtypeConversions();
    void roundTripHandChecked();
    void readerMatchesReferenceLayout();
    void tinyModelPerArch_data();
    void tinyModelPerArch();
    void tinyModelTiedAndBf16();
    void tinyModelDeterministic();
    void shardedMatchesSingle();
    void realTokenizers();
    void configParsing();
    void configErrors();
    void errorMissingTensor();
    void errorWrongShape();
    void errorTruncatedFile();
    void errorHeaderLies_data();
    void errorHeaderLies();
    void unsupportedDtypeIsListedButNotLoaded();
    void errorCheckpointFolder();
    void errorIndexProblems();
    void corruptedBytesNeverCrash();
    void cliCommands();
    void nonFiniteWeightsAndShortVocabulary();
};

void TestCheckpoint::dtypeConversions() {
    QCOMPARE(floatToBf16(1.0f), uint16_t(0x3F80));
    QCOMPARE(floatToBf16(-2.0f), uint16_t(0xC000));
    float tieDown, tieUp;
    uint32_t a = 0x3F808000u, b = 0x3F818000u;  // exactly halfway between two bf16 values
    std::memcpy(&tieDown, &a, 4);
    std::memcpy(&tieUp, &b, 4);
    QCOMPARE(floatToBf16(tieDown), uint16_t(0x3F80));  // ties go to the even mantissa
    QCOMPARE(floatToBf16(tieUp), uint16_t(0x3F82));
    QVERIFY(std::isnan(bf16ToFloat(floatToBf16(std::nanf("")))));
    QCOMPARE(bf16ToFloat(0x4049), 3.140625f);

    QCOMPARE(floatToHalf(1.0f), uint16_t(0x3C00));
    QCOMPARE(floatToHalf(-2.0f), uint16_t(0xC000));
    QCOMPARE(floatToHalf(65504.0f), uint16_t(0x7BFF));
    QCOMPARE(floatToHalf(65520.0f), uint16_t(0x7C00));       // rounds up to infinity
    QCOMPARE(floatToHalf(5.9604644775390625e-08f), uint16_t(0x0001));  // smallest subnormal
    QCOMPARE(floatToHalf(2.98023223876953125e-08f), uint16_t(0x0000));  // half of it: tie to even
    QCOMPARE(floatToHalf(1.0009765625f), uint16_t(0x3C01));
    for (uint32_t h = 0; h < 0x7C00; ++h)  // every finite half survives a round trip
        QCOMPARE(floatToHalf(halfToFloat(static_cast<uint16_t>(h))), static_cast<uint16_t>(h));
}

void TestCheckpoint::roundTripHandChecked() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/t.safetensors";
    writeSafetensors(path,
                     {{"b.f16", DType::F16, {3}, encodeFloats({1.0f, -2.0f, 0.5f}, DType::F16)},
                      {"a.f32", DType::F32, {2, 3}, encodeFloats({1, -2, 0.5f, 3.25f, -0.0f, 100}, DType::F32)},
                      {"c.bf16", DType::BF16, {2, 2}, encodeFloats({1.0f, -2.0f, 0.5f, 3.0f}, DType::BF16)}});
    const std::string bytes = readFile(path);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
    QCOMPARE(n % 8, uint64_t(0));
    const std::string header = bytes.substr(8, n);
    QCOMPARE(header.substr(0, header.find_last_not_of(' ') + 1),
             std::string("{\"__metadata__\":{\"format\":\"pt\"},"
                         "\"a.f32\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                         "\"b.f16\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[24,30]},"
                         "\"c.bf16\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[30,38]}}"));
    const std::string data = bytes.substr(8 + n);
    QCOMPARE(data.size(), size_t(38));
    QCOMPARE(data.substr(0, 4), std::string("\x00\x00\x80\x3f", 4));       // 1.0f
    QCOMPARE(data.substr(24, 6), std::string("\x00\x3c\x00\xc0\x00\x38", 6));  // 1, -2, 0.5 as f16
    QCOMPARE(data.substr(30, 8), std::string("\x80\x3f\x00\xc0\x00\x3f\x40\x40", 8));  // bf16

    auto f = SafetensorsFile::open(path);
    QCOMPARE(f.metadata().at("format"), std::string("pt"));
    QCOMPARE(f.tensors().size(), size_t(3));
    const TensorInfo* a = f.find("a.f32");
    QVERIFY(a);
    QCOMPARE(a->shape, (std::vector<int64_t>{2, 3}));
    QCOMPARE(a->dtype, DType::F32);
    std::vector<float> out(6);
    convertToFloat(a->dtype, f.data(*a), 6, out.data());
    QCOMPARE(out, (std::vector<float>{1, -2, 0.5f, 3.25f, -0.0f, 100}));
    const TensorInfo* b = f.find("b.f16");
    convertToFloat(b->dtype, f.data(*b), 3, out.data());
    QCOMPARE(out[0], 1.0f);
    QCOMPARE(out[1], -2.0f);
    QCOMPARE(out[2], 0.5f);
    const TensorInfo* c = f.find("c.bf16");
    QCOMPARE(c->begin, uint64_t(30));
    QCOMPARE(c->end, uint64_t(38));
    convertToFloat(c->dtype, f.data(*c), 4, out.data());
    QCOMPARE(out[3], 3.0f);
    QVERIFY(!f.find("missing"));
}

void TestCheckpoint::readerMatchesReferenceLayout() {
    // As written by the Python reference: no metadata, unpadded header, empty tensor.
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/ref.safetensors";
    writeFile(path, rawSafetensors("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                   "\"e\":{\"dtype\":\"BF16\",\"shape\":[0,5],\"data_offsets\":[4,4]}}",
                                   std::string("\x00\x00\x40\x40", 4)));
    auto f = SafetensorsFile::open(path);
    QCOMPARE(f.tensors().size(), size_t(2));
    QCOMPARE(f.find("e")->numel(), uint64_t(0));
    float v = 0;
    convertToFloat(DType::F32, f.data(*f.find("x")), 1, &v);
    QCOMPARE(v, 3.0f);
}

void TestCheckpoint::tinyModelPerArch_data() {
    QTest::addColumn<int>("arch");
    QTest::newRow("llama") << int(Arch::Llama);
    QTest::newRow("mistral") << int(Arch::Mistral);
    QTest::newRow("qwen2") << int(Arch::Qwen2);
}

void TestCheckpoint::tinyModelPerArch() {
    QFETCH(int, arch);
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    const std::string out = root + "/model";
    auto result = makeTinyModel(out, smallSpec(Arch(arch), makeInlineTokenizer(root + "/tok")));

    auto ck = Checkpoint::open(out);
    ck.validate();
    const ModelConfig& c = ck.config();
    QCOMPARE(int(c.arch), arch);
    QCOMPARE(c.vocabSize, int64_t(102));
    QCOMPARE(c.headDim, int64_t(16));
    QCOMPARE(c.numKvHeads, int64_t(2));
    QCOMPARE(c.bosTokenId.value_or(-1), int64_t(100));
    QCOMPARE(c.eosTokenId.value_or(-1), int64_t(101));
    QCOMPARE(c.attentionBias, Arch(arch) == Arch::Qwen2);
    QCOMPARE(c.torchDtype, std::string("float32"));

    auto shape = [&](const std::string& n) { return ck.find(n).value().shape; };
    using S = std::vector<int64_t>;
    QCOMPARE(shape("model.embed_tokens.weight"), (S{102, 64}));
    QCOMPARE(shape("model.layers.0.self_attn.q_proj.weight"), (S{64, 64}));
    QCOMPARE(shape("model.layers.1.self_attn.k_proj.weight"), (S{32, 64}));
    QCOMPARE(shape("model.layers.1.self_attn.v_proj.weight"), (S{32, 64}));
    QCOMPARE(shape("model.layers.1.self_attn.o_proj.weight"), (S{64, 64}));
    QCOMPARE(shape("model.layers.0.mlp.gate_proj.weight"), (S{96, 64}));
    QCOMPARE(shape("model.layers.0.mlp.up_proj.weight"), (S{96, 64}));
    QCOMPARE(shape("model.layers.0.mlp.down_proj.weight"), (S{64, 96}));
    QCOMPARE(shape("model.layers.0.input_layernorm.weight"), (S{64}));
    QCOMPARE(shape("model.layers.0.post_attention_layernorm.weight"), (S{64}));
    QCOMPARE(shape("model.norm.weight"), (S{64}));
    QCOMPARE(shape("lm_head.weight"), (S{102, 64}));
    const size_t perLayer = Arch(arch) == Arch::Qwen2 ? 12 : 9;
    QCOMPARE(ck.tensorNames().size(), 3 + 2 * perLayer);
    if (Arch(arch) == Arch::Qwen2) {
        QCOMPARE(shape("model.layers.0.self_attn.q_proj.bias"), (S{64}));
        QCOMPARE(shape("model.layers.0.self_attn.k_proj.bias"), (S{32}));
    }

    // The config.json is what transformers expects to find.
    json cfg = json::parse(readFile(out + "/config.json"));
    QCOMPARE(cfg["architectures"][0].get<std::string>(), std::string(archClassName(Arch(arch))));
    QCOMPARE(cfg["model_type"].get<std::string>(), std::string(archName(Arch(arch))));
    QCOMPARE(cfg["hidden_act"].get<std::string>(), std::string("silu"));
    QCOMPARE(cfg["num_key_value_heads"].get<int>(), 2);
    QVERIFY(fs::exists(out + "/tokenizer.json") && fs::exists(out + "/tokenizer_config.json"));

    // Norms are near one, matrices near N(0, 0.02).
    auto norm = ck.find("model.norm.weight")->toFloats();
    for (float v : norm) QVERIFY(v > 0.8f && v < 1.2f);
    auto q = ck.find("model.layers.0.self_attn.q_proj.weight")->toFloats();
    double sum = 0, sq = 0;
    for (float v : q) sum += v, sq += double(v) * v;
    const double mean = sum / q.size(), sd = std::sqrt(sq / q.size() - mean * mean);
    QVERIFY2(std::abs(mean) < 0.002 && std::abs(sd - 0.02) < 0.002, qPrintable(QString::number(sd)));
    QCOMPARE(result.parameterCount, uint64_t(102 * 64 * 2 + 64 + 2 * (64 * 64 * 2 + 32 * 64 * 2 + 96 * 64 * 3 + 128) +
                                              (Arch(arch) == Arch::Qwen2 ? 2 * (64 + 32 + 32) : 0)));
}

void TestCheckpoint::tinyModelTiedAndBf16() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    auto spec = smallSpec(Arch::Llama, makeInlineTokenizer(root + "/tok"));
    spec.tieEmbeddings = true;
    spec.dtype = DType::BF16;
    spec.ropeTheta = 500000;
    spec.maxPositionEmbeddings = 8192;
    spec.ropeScaling.type = RopeScaling::Type::Llama3;
    spec.ropeScaling.factor = 8;
    spec.ropeScaling.originalMaxPositionEmbeddings = 1024;
    makeTinyModel(root + "/m", spec);
    auto ck = Checkpoint::open(root + "/m");
    ck.validate();
    QVERIFY(!ck.find("lm_head.weight"));
    QCOMPARE(ck.config().torchDtype, std::string("bfloat16"));
    QCOMPARE(ck.config().ropeScaling.type, RopeScaling::Type::Llama3);
    QCOMPARE(ck.config().ropeScaling.originalMaxPositionEmbeddings, int64_t(1024));
    QCOMPARE(ck.config().ropeTheta, 500000.0);
    auto v = *ck.find("model.layers.1.mlp.down_proj.weight");
    QCOMPARE(v.dtype, DType::BF16);
    auto expected = tinyModelTensorValues(v.name, false, v.numel(), spec.seed);
    auto got = v.toFloats();
    for (size_t i = 0; i < got.size(); ++i) QCOMPARE(got[i], bf16ToFloat(floatToBf16(expected[i])));
    // A lm_head in a tied checkpoint is harmless; one missing in an untied config is not.
    ModelConfig untied = ck.config();
    untied.tieWordEmbeddings = false;
    EXPECT_ERROR(ck.validateFor(untied), "lm_head.weight", "missing");
}

void TestCheckpoint::tinyModelDeterministic() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    auto spec = smallSpec(Arch::Mistral, makeInlineTokenizer(root + "/tok"));
    makeTinyModel(root + "/a", spec);
    makeTinyModel(root + "/b", spec);
    spec.seed = 8;
    makeTinyModel(root + "/c", spec);
    const auto ha = gateau::util::sha256File(root + "/a/model.safetensors");
    QCOMPARE(gateau::util::sha256File(root + "/b/model.safetensors"), ha);
    QVERIFY(gateau::util::sha256File(root + "/c/model.safetensors") != ha);
    // Integer-only generation: these bits must be the same on every machine and compiler.
    auto v = tinyModelTensorValues("model.norm.weight", true, 3, 0);
    auto w = tinyModelTensorValues("model.embed_tokens.weight", false, 2, 42);
    std::string bits;
    for (float f : {v[0], v[1], v[2], w[0], w[1]}) {
        uint32_t u;
        std::memcpy(&u, &f, 4);
        bits += QString::asprintf("%08x ", u).toStdString();
    }
    QCOMPARE(bits, std::string("3f82dcf6 3f81fdb3 3f7613fb 3bdc4000 3d4f07ae "));
    EXPECT_ERROR(makeTinyModel(root + "/a", spec), "already holds a config.json");
}

void TestCheckpoint::shardedMatchesSingle() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    auto spec = smallSpec(Arch::Qwen2, makeInlineTokenizer(root + "/tok"));
    makeTinyModel(root + "/single", spec);
    spec.shards = 3;
    auto res = makeTinyModel(root + "/sharded", spec);
    QVERIFY(fs::exists(root + "/sharded/model-00001-of-00003.safetensors"));
    QVERIFY(fs::exists(root + "/sharded/model-00003-of-00003.safetensors"));
    QVERIFY(!fs::exists(root + "/sharded/model.safetensors"));
    auto a = Checkpoint::open(root + "/single");
    auto b = Checkpoint::open(root + "/sharded");
    b.validate();
    QVERIFY(!a.sharded());
    QVERIFY(b.sharded());
    QCOMPARE(a.weightFiles().size(), size_t(1));
    QCOMPARE(b.weightFiles().size(), size_t(3));
    QCOMPARE(a.tensorNames(), b.tensorNames());
    for (const auto& n : a.tensorNames()) {
        auto x = *a.find(n), y = *b.find(n);
        QCOMPARE(x.shape, y.shape);
        QCOMPARE(x.nbytes, y.nbytes);
        QVERIFY2(std::memcmp(x.data, y.data, x.nbytes) == 0, n.c_str());
    }
    json index = json::parse(readFile(root + "/sharded/model.safetensors.index.json"));
    QCOMPARE(index["weight_map"].size(), a.tensorNames().size());
    uint64_t total = 0;
    for (const auto& n : a.tensorNames()) total += a.find(n)->nbytes;
    QCOMPARE(index["metadata"]["total_size"].get<uint64_t>(), total);
}

void TestCheckpoint::realTokenizers() {
    if (!fs::is_directory(shared("")))
        QSKIP("real tokenizer files not found in " GATEAU_SHARED_DIR "/testdata/tokenizers; skipping");
    struct Case {
        const char* path;
        Arch arch;
        int64_t vocab;
        int64_t bos;
    };
    const Case cases[] = {{"llama3", Arch::Llama, 128256, 128000},
                          {"mistral", Arch::Mistral, 32000, 1},
                          {"qwen3", Arch::Qwen2, 151669, -1},
                          {"llama2/tokenizer.model", Arch::Llama, 32000, 1}};
    for (const Case& c : cases) {
        auto probe = probeTokenizer(shared(c.path));
        QCOMPARE(probe.vocabSize, c.vocab);
        QCOMPARE(probe.bosId.value_or(-1), c.bos);
        QVERIFY(probe.eosId.has_value());
    }
    QTemporaryDir tmp;
    auto spec = smallSpec(Arch::Llama, shared("llama2/tokenizer.model"));
    spec.hidden = 16;
    spec.heads = 2;
    spec.kvHeads = 1;
    spec.layers = 1;
    spec.shards = 2;
    const std::string out = tmp.path().toStdString() + "/l2";
    makeTinyModel(out, spec);
    auto ck = Checkpoint::open(out);
    ck.validate();
    QCOMPARE(ck.config().vocabSize, int64_t(32000));
    QCOMPARE(ck.config().eosTokenId.value_or(-1), int64_t(2));
    QCOMPARE(gateau::util::sha256File(out + "/tokenizer.model"),
             gateau::util::sha256File(shared("llama2/tokenizer.model")));
    QVERIFY(fs::status(out + "/tokenizer.model").permissions() != fs::perms::none);
    QCOMPARE(tokenizerFilesIn(out), (std::vector<std::string>{"tokenizer.model"}));
}

void TestCheckpoint::configParsing() {
    auto parse = [](json j) { return ModelConfig::fromJson(j.dump(), "cfg.json"); };
    json base = {{"model_type", "llama"}, {"vocab_size", 1000}, {"hidden_size", 256}, {"intermediate_size", 512},
                 {"num_hidden_layers", 2}, {"num_attention_heads", 8}};
    ModelConfig c = parse(base);
    QCOMPARE(c.numKvHeads, int64_t(8));
    QCOMPARE(c.headDim, int64_t(32));
    QCOMPARE(c.maxPositionEmbeddings, int64_t(2048));
    QVERIFY(!c.attentionBias);
    QVERIFY(!c.slidingWindow);

    json j = base;
    j["num_key_value_heads"] = 2;
    j["head_dim"] = 64;  // allowed to differ from hidden / heads when given
    j["eos_token_id"] = {128001, 128008, 128009};
    j["bos_token_id"] = 128000;
    j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                         {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 8192}};
    j["attention_bias"] = true;
    j["torch_dtype"] = "bfloat16";
    c = parse(j);
    QCOMPARE(c.headDim, int64_t(64));
    QCOMPARE(c.eosTokenId.value_or(-1), int64_t(128001));
    QCOMPARE(c.ropeScaling.type, RopeScaling::Type::Llama3);
    QCOMPARE(c.ropeScaling.factor, 8.0);
    QCOMPARE(c.ropeScaling.originalMaxPositionEmbeddings, int64_t(8192));
    QVERIFY(c.attentionBias);
    QCOMPARE(c.torchDtype, std::string("bfloat16"));
    // Round trip through the HF form.
    ModelConfig back = parse(toHfConfigJson(c));
    QCOMPARE(back.headDim, c.headDim);
    QCOMPARE(back.eosTokenId, c.eosTokenId);
    QCOMPARE(back.ropeScaling.highFreqFactor, c.ropeScaling.highFreqFactor);
    QCOMPARE(back.attentionBias, true);

    j = base;
    j["rope_scaling"] = {{"type", "yarn"}, {"factor", 4.0}, {"original_max_position_embeddings", 32768},
                         {"beta_fast", 16}, {"mscale", 0.707}};
    c = parse(j);
    QCOMPARE(c.ropeScaling.type, RopeScaling::Type::Yarn);
    QCOMPARE(c.ropeScaling.betaFast, 16.0);
    QCOMPARE(c.ropeScaling.betaSlow, 1.0);
    QCOMPARE(c.ropeScaling.mscale.value_or(0), 0.707);
    QVERIFY(!c.ropeScaling.attentionFactor);
    j["rope_scaling"] = {{"type", "linear"}, {"factor", 2}};
    QCOMPARE(parse(j).ropeScaling.type, RopeScaling::Type::Linear);
    j["rope_scaling"] = {{"rope_type", "dynamic"}, {"factor", 2}};
    QCOMPARE(parse(j).ropeScaling.type, RopeScaling::Type::Dynamic);
    j["rope_scaling"] = {{"rope_type", "default"}};
    QCOMPARE(parse(j).ropeScaling.type, RopeScaling::Type::None);
    j["rope_scaling"] = nullptr;
    QCOMPARE(parse(j).ropeScaling.type, RopeScaling::Type::None);

    j = base;
    j["model_type"] = "mistral";
    j["sliding_window"] = 4096;
    c = parse(j);
    QCOMPARE(c.arch, Arch::Mistral);
    QCOMPARE(c.slidingWindow.value_or(0), int64_t(4096));
    j["sliding_window"] = nullptr;
    QVERIFY(!parse(j).slidingWindow);

    j = base;
    j.erase("model_type");
    j["architectures"] = {"Qwen2ForCausalLM"};
    j["sliding_window"] = 131072;
    j["use_sliding_window"] = false;
    j["attention_bias"] = false;  // Qwen2 has q/k/v biases regardless
    c = parse(j);
    QCOMPARE(c.arch, Arch::Qwen2);
    QCOMPARE(c.modelType, std::string("qwen2"));
    QVERIFY(c.attentionBias);
    QVERIFY(!c.slidingWindow);
    QCOMPARE(c.maxPositionEmbeddings, int64_t(32768));
    j["use_sliding_window"] = true;
    j["max_window_layers"] = 1;
    c = parse(j);
    QCOMPARE(c.slidingWindow.value_or(0), int64_t(131072));
    QCOMPARE(c.maxWindowLayers, int64_t(1));
}

void TestCheckpoint::configErrors() {
    auto parse = [](json j) { return ModelConfig::fromJson(j.dump(), "dir/config.json"); };
    json base = {{"model_type", "llama"}, {"vocab_size", 1000}, {"hidden_size", 256}, {"intermediate_size", 512},
                 {"num_hidden_layers", 2}, {"num_attention_heads", 8}};
    json j = base;
    j["model_type"] = "qwen3_moe";
    EXPECT_ERROR(parse(j), "unsupported architecture 'qwen3_moe'", "model_type", "dir/config.json");
    j = base;
    j.erase("model_type");
    j["architectures"] = {"GPT2LMHeadModel"};
    EXPECT_ERROR(parse(j), "unsupported architecture 'GPT2LMHeadModel'");
    j = base;
    j["num_key_value_heads"] = 3;
    EXPECT_ERROR(parse(j), "not a multiple of num_key_value_heads", "dir/config.json");
    j = base;
    j["hidden_size"] = 250;
    EXPECT_ERROR(parse(j), "hidden_size (250) is not a multiple of num_attention_heads (8)");
    j = base;
    j["num_hidden_layers"] = 0;
    EXPECT_ERROR(parse(j), "'num_hidden_layers' must be positive");
    j = base;
    j["hidden_size"] = int64_t(1) << 40;
    EXPECT_ERROR(parse(j), "'hidden_size' of 1099511627776 is implausibly large");
    j = base;
    j["vocab_size"] = "big";
    EXPECT_ERROR(parse(j), "'vocab_size' must be an integer");
    j = base;
    j.erase("hidden_size");
    EXPECT_ERROR(parse(j), "missing required field 'hidden_size'");
    j = base;
    j["rope_scaling"] = {{"rope_type", "mrope"}, {"factor", 2}};
    EXPECT_ERROR(parse(j), "unsupported type 'mrope'", "rope_type");
    j["rope_scaling"] = {{"rope_type", "longrope"}, {"factor", 2}};
    EXPECT_ERROR(parse(j), "longrope needs 'short_factor'");
    j["rope_scaling"] = {{"rope_type", "linear"}};
    EXPECT_ERROR(parse(j), "needs 'factor'");
    j = base;
    j["hidden_act"] = "gelu";
    EXPECT_ERROR(parse(j), "hidden_act 'gelu'");
    EXPECT_ERROR(ModelConfig::fromJson("{\"model_type\": ", "x/config.json"), "x/config.json", "not valid JSON");
    EXPECT_ERROR(ModelConfig::fromFile("/nonexistent/config.json"), "/nonexistent/config.json");
}

void TestCheckpoint::errorMissingTensor() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    makeTinyModel(root + "/m", smallSpec(Arch::Llama, makeInlineTokenizer(root + "/tok")));
    rewriteWeights(root + "/m", [](std::vector<TensorData>& t) {
        t.erase(std::remove_if(t.begin(), t.end(),
                               [](const TensorData& d) { return d.name == "model.layers.1.mlp.up_proj.weight"; }),
                t.end());
    });
    auto ck = Checkpoint::open(root + "/m");
    EXPECT_ERROR(ck.validate(), "missing tensor 'model.layers.1.mlp.up_proj.weight'", "expected shape [96, 64]");
    EXPECT_ERROR(ck.require("model.layers.1.mlp.up_proj.weight"), "missing tensor");
}

void TestCheckpoint::errorWrongShape() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    makeTinyModel(root + "/m", smallSpec(Arch::Llama, makeInlineTokenizer(root + "/tok")));
    rewriteWeights(root + "/m", [](std::vector<TensorData>& t) {
        for (auto& d : t)
            if (d.name == "model.layers.0.self_attn.k_proj.weight") d.shape = {64, 32};
    });
    EXPECT_ERROR(Checkpoint::open(root + "/m").validate(), "model.safetensors",
                 "tensor 'model.layers.0.self_attn.k_proj.weight' has shape [64, 32] but the config needs [32, 64]");
}

void TestCheckpoint::errorTruncatedFile() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    makeTinyModel(root + "/m", smallSpec(Arch::Llama, makeInlineTokenizer(root + "/tok")));
    const std::string path = root + "/m/model.safetensors";
    const std::string full = readFile(path);
    writeFile(path, full.substr(0, full.size() - 100));
    EXPECT_ERROR(Checkpoint::open(root + "/m"), "model.safetensors", "tensor '", "beyond the data section");
    writeFile(path, full.substr(0, 200));  // cut inside the header
    EXPECT_ERROR(Checkpoint::open(root + "/m"), "model.safetensors", "larger than the file");
    writeFile(path, full.substr(0, 5));
    EXPECT_ERROR(Checkpoint::open(root + "/m"), "model.safetensors", "too small");
    writeFile(path, "");
    EXPECT_ERROR(Checkpoint::open(root + "/m"), "model.safetensors", "too small");
}

void TestCheckpoint::errorHeaderLies_data() {
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("expected");
    auto raw = [](const std::string& h, size_t dataBytes) {
        const std::string s = rawSafetensors(h, std::string(dataBytes, '\0'));
        return QByteArray(s.data(), int(s.size()));
    };
    const std::string ok = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    QTest::newRow("length beyond file") << QByteArray(le64(1000).data(), 8).append("{}", 2)
                                        << "header length 1000 is larger than the file";
    QTest::newRow("length over limit") << QByteArray(le64(200ull << 20).data(), 8) << "exceeds the";
    QTest::newRow("end beyond file") << raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8)
                                     << "tensor 'a': data_offsets end 16 is beyond the data section";
    QTest::newRow("overlap") << raw("{" + ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12)
                             << "tensor 'b': byte range [4, 12) overlaps tensor 'a'";
    QTest::newRow("begin after end") << raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8)
                                     << "tensor 'a': data_offsets begin 8 is after end 4";
    QTest::newRow("shape vs bytes") << raw("{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)
                                    << "tensor 'a': shape [3] of F16 needs 6 bytes but data_offsets span 8";
    QTest::newRow("shape overflow")
        << raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8)
        << "more than 2^64";
    QTest::newRow("unknown dtype") << raw("{\"a\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8)
                                   << "tensor 'a': unknown dtype 'Q4_K'";
    QTest::newRow("negative offset") << raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8)
                                     << "tensor 'a': 'data_offsets' must be two non-negative integers";
    QTest::newRow("negative dim") << raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8)
                                  << "tensor 'a': shape entries must be non-negative integers";
    QTest::newRow("float dim") << raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8)
                               << "shape entries must be non-negative integers";
    QTest::newRow("missing dtype") << raw("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8) << "missing or non-string 'dtype'";
    QTest::newRow("invalid json") << raw("{\"a\":{\"dtype\":\"F32\",", 8) << "header is not valid JSON";
    QTest::newRow("not an object") << raw("[1,2]", 0) << "does not start with '{'";
    QTest::newRow("entry not an object") << raw("{\"a\":5}", 0) << "tensor 'a': header entry is not an object";
    QTest::newRow("bad metadata") << raw("{\"__metadata__\":{\"k\":1}}", 0) << "__metadata__ value for 'k'";
    QTest::newRow("deep nesting") << raw("{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}", 0)
                                  << "nested too deeply";
    QTest::newRow("invalid utf8") << raw("{\"\xff\":{}}", 0) << "not valid JSON";
}

void TestCheckpoint::errorHeaderLies() {
    QFETCH(QByteArray, file);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/bad.safetensors";
    writeFile(path, std::string(file.constData(), size_t(file.size())));
    const std::string want = expected.toStdString();
    EXPECT_ERROR(SafetensorsFile::open(path), path.c_str(), want.c_str());
    // The in-memory entry point used by the fuzzer gives the same verdict.
    EXPECT_ERROR(parseSafetensorsHeader(reinterpret_cast<const uint8_t*>(file.constData()), size_t(file.size()),
                                        uint64_t(file.size()), "mem"),
                 "mem", want.c_str());
}

void TestCheckpoint::unsupportedDtypeIsListedButNotLoaded() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    makeTinyModel(root + "/m", smallSpec(Arch::Llama, makeInlineTokenizer(root + "/tok")));
    // Swap the final norm's F32 bytes for I32 ones of the same size.
    const std::string path = root + "/m/model.safetensors";
    std::string bytes = readFile(path);
    const std::string from = "\"model.norm.weight\":{\"dtype\":\"F32\"";
    auto pos = bytes.find(from);
    QVERIFY(pos != std::string::npos);
    bytes.replace(pos, from.size(), "\"model.norm.weight\":{\"dtype\":\"I32\"");
    writeFile(path, bytes);
    auto ck = Checkpoint::open(root + "/m");
    QCOMPARE(ck.find("model.norm.weight")->dtypeName, std::string("I32"));
    EXPECT_ERROR(ck.validate(), "model.safetensors", "tensor 'model.norm.weight'", "dtype I32 is not supported");
    EXPECT_ERROR(ck.find("model.norm.weight")->toFloats(), "dtype I32 is not supported");
}

void TestCheckpoint::errorCheckpointFolder() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    EXPECT_ERROR(Checkpoint::open(root + "/nope"), "nope", "no such directory");
    fs::create_directories(root + "/empty");
    EXPECT_ERROR(Checkpoint::open(root + "/empty"), "empty", "no config.json");
    fs::create_directories(root + "/tok");
    makeTinyModel(root + "/m", smallSpec(Arch::Llama, makeInlineTokenizer(root + "/tok")));
    json cfg = json::parse(readFile(root + "/m/config.json"));
    cfg["model_type"] = "gemma";
    writeFile(root + "/m/config.json", cfg.dump());
    EXPECT_ERROR(Checkpoint::open(root + "/m"), "unsupported architecture 'gemma'", "/m/config.json");
    cfg["model_type"] = "llama";
    writeFile(root + "/m/config.json", cfg.dump());
    fs::remove(root + "/m/model.safetensors");
    EXPECT_ERROR(Checkpoint::open(root + "/m"), "no model.safetensors");
    writeFile(root + "/m/pytorch_model.bin", "x");
    EXPECT_ERROR(Checkpoint::open(root + "/m"), "PyTorch");
}

void TestCheckpoint::errorIndexProblems() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    auto spec = smallSpec(Arch::Llama, makeInlineTokenizer(root + "/tok"));
    spec.shards = 2;
    const std::string m = root + "/m";
    makeTinyModel(m, spec);
    const std::string indexPath = m + "/model.safetensors.index.json";
    const std::string index = readFile(indexPath);

    fs::rename(m + "/model-00002-of-00002.safetensors", m + "/moved");
    EXPECT_ERROR(Checkpoint::open(m), "model.safetensors.index.json", "shard 'model-00002-of-00002.safetensors'",
                 "does not exist");
    fs::rename(m + "/moved", m + "/model-00002-of-00002.safetensors");

    json j = json::parse(index);
    j["weight_map"]["model.norm.weight"] = "model-00001-of-00002.safetensors";
    j["weight_map"]["model.embed_tokens.weight"] = "model-00002-of-00002.safetensors";
    writeFile(indexPath, j.dump());
    EXPECT_ERROR(Checkpoint::open(m), "tensor 'model.", "but that shard does not contain it");

    j = json::parse(index);
    j["weight_map"]["model.norm.weight"] = "../../etc/passwd";
    writeFile(indexPath, j.dump());
    EXPECT_ERROR(Checkpoint::open(m), "model.norm.weight", "not a plain file name");

    writeFile(indexPath, "{\"weight_map\": ");
    EXPECT_ERROR(Checkpoint::open(m), "model.safetensors.index.json", "not a valid JSON object");

    fs::remove(indexPath);
    EXPECT_ERROR(Checkpoint::open(m), "shards without model.safetensors.index.json");
}

void TestCheckpoint::corruptedBytesNeverCrash() {
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    auto spec = smallSpec(Arch::Llama, makeInlineTokenizer(root + "/tok"));
    spec.layers = 1;
    makeTinyModel(root + "/m", spec);
    const std::string good = readFile(root + "/m/model.safetensors");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(good[i]);
    uint64_t state = 12345;
    int rejected = 0;
    for (int iter = 0; iter < 3000; ++iter) {
        std::string bad = good;
        const int flips = 1 + int(state % 4);
        for (int k = 0; k < flips; ++k) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            const size_t at = (state >> 33) % (8 + n);  // corrupt the length or the header
            bad[at] = static_cast<char>(bad[at] ^ (1 << ((state >> 20) % 8)));
        }
        if (iter % 7 == 0) bad.resize((state >> 40) % bad.size());
        try {
            auto h = parseSafetensorsHeader(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), bad.size(), "x");
            for (const auto& t : h.tensors) QVERIFY(h.dataOffset + t.end <= bad.size());
        } catch (const ModelError&) {
            ++rejected;
        }
    }
    QVERIFY(rejected > 0);
}

void TestCheckpoint::cliCommands() {
    const QString cli = QStringLiteral(GATEAU_CLI_PATH);
    if (!QFileInfo(cli).isExecutable()) QSKIP("gateau CLI not built (" GATEAU_CLI_PATH "); build target gateau to run this");
    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    makeInlineTokenizer(root + "/tok");
    auto run = [&](const QStringList& args, QByteArray* out = nullptr) {
        QProcess p;
        p.start(cli, args);
        p.waitForFinished(120000);
        if (out) *out = p.readAllStandardOutput();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };
    const QString out = QString::fromStdString(root + "/m");
    QCOMPARE(run({"make-tiny-model", out, "--arch", "qwen2", "--tokenizer", QString::fromStdString(root + "/tok"),
                  "--layers", "1", "--hidden", "32", "--heads", "4", "--kv-heads", "2", "--shards", "2", "--dtype",
                  "bf16", "--rope-scaling", "yarn:4", "--max-pos", "4096"}),
             0);
    QByteArray text;
    QCOMPARE(run({"model-info", out, "--json"}, &text), 0);
    json info = json::parse(text.toStdString());
    QCOMPARE(info["architecture"].get<std::string>(), std::string("qwen2"));
    QCOMPARE(info["config"]["vocab_size"].get<int>(), 102);
    QCOMPARE(info["config"]["rope_scaling"]["rope_type"].get<std::string>(), std::string("yarn"));
    QCOMPARE(info["config"]["rope_scaling"]["original_max_position_embeddings"].get<int>(), 1024);
    QCOMPARE(info["weight_files"].size(), size_t(2));
    QCOMPARE(info["weight_files"][0]["sha256"].get<std::string>(),
             gateau::util::sha256File(root + "/m/model-00001-of-00002.safetensors"));
    QCOMPARE(info["dtypes"]["BF16"].get<uint64_t>(), info["parameters"].get<uint64_t>());
    QVERIFY(info["valid"].get<bool>());
    QCOMPARE(run({"model-info", out}), 0);
    QVERIFY(run({"make-tiny-model", out, "--arch", "llama", "--vocab", "10"}) != 0);  // folder not empty
    QVERIFY(run({"make-tiny-model", out + "2", "--arch", "gpt2", "--vocab", "10"}) != 0);
    fs::remove(root + "/m/model-00002-of-00002.safetensors");
    QVERIFY(run({"model-info", out}) != 0);
}

void TestCheckpoint::nonFiniteWeightsAndShortVocabulary() {
    // The raw-bit test against values written by hand.
    const float f32[] = {1.0f, std::nanf(""), INFINITY, -INFINITY, 0.0f, -3.4e38f};
    QCOMPARE(countNonFinite(DType::F32, f32, 6), uint64_t(3));
    const uint16_t f16[] = {0x3c00, 0x7c00, 0x7e00, 0xfc00, 0x7bff, 0x0001};  // 1, inf, nan, -inf, max, subnormal
    QCOMPARE(countNonFinite(DType::F16, f16, 6), uint64_t(3));
    const uint16_t bf16[] = {0x3f80, 0x7f80, 0x7fc0, 0xff80, 0x7f7f, 0x0001};
    QCOMPARE(countNonFinite(DType::BF16, bf16, 6), uint64_t(3));
    // Against a naive reference on random bits, every length through several blocks.
    std::mt19937_64 rng(5);
    std::vector<uint16_t> bits(20000);
    for (auto& b : bits) b = uint16_t(rng() % 7 == 0 ? (rng() | 0x7f80) : rng());
    for (size_t n : {size_t(0), size_t(1), size_t(3), size_t(4), size_t(4097), size_t(19999)}) {
        uint64_t want16 = 0, wantBf = 0;
        for (size_t i = 0; i < n; ++i) {
            want16 += !std::isfinite(halfToFloat(bits[i]));
            wantBf += !std::isfinite(bf16ToFloat(bits[i]));
        }
        QCOMPARE(countNonFinite(DType::F16, bits.data(), n), want16);
        QCOMPARE(countNonFinite(DType::BF16, bits.data() + 1, n > 0 ? n - 1 : 0) + (n > 0 ? !std::isfinite(bf16ToFloat(bits[0])) : 0),
                 wantBf);  // unaligned start
    }

    QTemporaryDir tmp;
    const std::string root = tmp.path().toStdString();
    fs::create_directories(root + "/tok");
    makeInlineTokenizer(root + "/tok");
    const std::string dir = root + "/nan";
    makeTinyModel(dir, smallSpec(Arch::Llama, root + "/tok"));
    rewriteWeights(dir, [](std::vector<TensorData>& ts) {
        for (auto& t : ts)
            if (t.name == "model.layers.1.mlp.down_proj.weight") {
                const float nan = std::nanf("");
                std::memcpy(t.bytes.data() + 40, &nan, 4);
            }
    });
    EngineOptions opt;
    opt.dtype = ComputeDtype::Float32;
    EXPECT_ERROR(loadEngine(Checkpoint::open(dir), opt), "model.layers.1.mlp.down_proj.weight", "1 NaN or infinite");

    const QString cli = QStringLiteral(GATEAU_CLI_PATH);
    if (!QFileInfo(cli).isExecutable()) QSKIP("gateau CLI not built (" GATEAU_CLI_PATH ")");
    auto modelInfo = [&](const std::string& d, json& info) {
        QProcess p;
        p.start(cli, {"model-info", QString::fromStdString(d), "--json", "--no-hash"});
        p.waitForFinished(120000);
        info = json::parse(p.readAllStandardOutput().toStdString());
        return p.exitCode();
    };
    json info;
    QCOMPARE(modelInfo(dir, info), 1);
    QCOMPARE(info["valid"].get<bool>(), false);
    QCOMPARE(info["non_finite_tensors"][0]["name"].get<std::string>(), std::string("model.layers.1.mlp.down_proj.weight"));
    QCOMPARE(info["non_finite_tensors"][0]["count"].get<int>(), 1);

    // A tokenizer with more ids (152) than the model has embedding rows (102).
    const std::string shortVocab = root + "/short";
    makeTinyModel(shortVocab, smallSpec(Arch::Llama, root + "/tok"));
    json vocab = json::object();
    for (int i = 0; i < 150; ++i) vocab["t" + std::to_string(i)] = i;
    json tok = json::parse(readFile(shortVocab + "/tokenizer.json"));
    tok["model"]["vocab"] = vocab;
    tok["added_tokens"] = {{{"id", 150}, {"content", "<s>"}, {"special", true}}, {{"id", 151}, {"content", "</s>"}, {"special", true}}};
    writeFile(shortVocab + "/tokenizer.json", tok.dump());
    QCOMPARE(modelInfo(shortVocab, info), 1);
    QCOMPARE(info["embedding_rows"].get<int>(), 102);
    QCOMPARE(info["tokenizer_vocab_size"].get<int>(), 152);
    QVERIFY2(info["validation_error"].get<std::string>().find("152 token ids but the model only 102 embedding rows") !=
                 std::string::npos,
             info.dump().c_str());
}

QTEST_APPLESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
