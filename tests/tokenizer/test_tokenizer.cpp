// Golden tests against Hugging Face tokenizers / SentencePiece output, plus error handling and decoding.
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tokenizer/sp_tokenizer.h"
#include "core/tokenizer/tokenizer.h"

using gateau::tok::Tokenizer;
using gateau::tok::TokenizerError;

namespace {

std::string dataDir() { return std::string(GATEAU_SHARED_DIR) + "/testdata/tokenizers"; }

bool haveData() { return QFileInfo(QString::fromStdString(dataDir())).isDir(); }

#define REQUIRE_DATA()                                                                      \
    do {                                                                                    \
        if (!haveData()) QSKIP("../shared/testdata not found: tokenizer golden tests skipped"); \
    } while (0)

struct Golden {
    std::string text;
    std::vector<int32_t> ids, idsWithSpecial;
};

std::vector<Golden> readGolden(const std::string& path) {
    std::vector<Golden> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line);
        out.push_back({j.at("text").get<std::string>(), j.at("ids").get<std::vector<int32_t>>(),
                       j.at("ids_with_special").get<std::vector<int32_t>>()});
    }
    return out;
}

QString show(const std::vector<int32_t>& ids) {
    QStringList parts;
    for (size_t i = 0; i < ids.size() && i < 40; ++i) parts << QString::number(ids[i]);
    if (ids.size() > 40) parts << "...";
    return "[" + parts.join(",") + "]";
}

// Writes text to a file in dir and returns its path.
std::string writeFile(const QTemporaryDir& dir, const char* name, const std::string& text) {
    const std::string path = dir.filePath(name).toStdString();
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

// Expects load(path) to throw a TokenizerError whose message contains every needle.
void expectLoadError(const std::string& path, std::initializer_list<const char*> needles) {
    try {
        Tokenizer::load(path);
        QFAIL(qPrintable("no TokenizerError for " + QString::fromStdString(path)));
    } catch (const TokenizerError& e) {
        const QString msg = QString::fromUtf8(e.what());
        for (const char* n : needles) QVERIFY2(msg.contains(QString::fromUtf8(n)), qPrintable(msg));
    }
}

const char* const kTinyBpe = R"({
  "added_tokens": [{"id": 5, "content": "<s>", "special": true, "normalized": false,
                    "single_word": false, "lstrip": false, "rstrip": false}],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
  "post_processor": {"type": "TemplateProcessing",
                     "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                     "special_tokens": {"<s>": {"id": "<s>", "ids": [5], "tokens": ["<s>"]}}},
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "Ġ": 3, "Ġab": 4}, "merges": MERGES}
})";

std::string tinyBpe(const std::string& merges) {
    std::string s = kTinyBpe;
    s.replace(s.find("MERGES"), 6, merges);
    return s;
}

// A tiny protobuf writer for hand-made tokenizer.model files.
std::string pbVarint(uint64_t v) {
    std::string out;
    do {
        const unsigned char c = v & 0x7F;
        v >>= 7;
        out += char(v ? c | 0x80 : c);
    } while (v);
    return out;
}
std::string pbInt(int field, int64_t v) { return pbVarint(uint64_t(field) << 3) + pbVarint(uint64_t(v)); }
std::string pbBytes(int field, const std::string& payload) {
    return pbVarint(uint64_t(field) << 3 | 2) + pbVarint(payload.size()) + payload;
}
std::string pbPiece(const std::string& piece, float score, int type) {
    std::string bits(4, '\0');
    std::memcpy(bits.data(), &score, 4);
    std::string msg = pbBytes(1, piece) + pbVarint(2 << 3 | 5) + bits;
    if (type != 1) msg += pbInt(3, type);
    return pbBytes(1, msg);
}

// A BPE model: <unk> <s> </s>, chars, merges of known scores, an UNUSED piece and a USER_DEFINED one.
std::string tinySpModel(bool removeExtraWhitespaces, bool byteFallback = false) {
    std::string m = pbPiece("<unk>", 0, 2) + pbPiece("<s>", 0, 3) + pbPiece("</s>", 0, 3);
    const char* const names[] = {"\u2581", "a", "b", "c", "s", "<", ">"};
    for (const char* c : names) m += pbPiece(c, -10, 1);  // ids 3..9
    m += pbPiece("ab", -1, 1);          // 10
    m += pbPiece("bc", -0.5f, 1);       // 11
    m += pbPiece("aa", -2, 1);          // 12
    m += pbPiece("\u2581a", 5, 5);     // 13: UNUSED, only a step towards "▁ab"
    m += pbPiece("\u2581ab", 6, 1);    // 14
    m += pbPiece("<x>", 0, 4);          // 15: USER_DEFINED
    if (byteFallback)
        for (int b = 0; b < 256; ++b) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "<0x%02X>", b);
            m += pbPiece(buf, 0, 6);    // 16..271
        }
    m += pbBytes(3, pbBytes(1, "identity") + pbInt(4, removeExtraWhitespaces ? 1 : 0));
    // trainer_spec last, so that every truncation loses model_type BPE (the default is UNIGRAM).
    std::string trainer = pbInt(3, 2);
    if (byteFallback) trainer += pbInt(35, 1);
    m += pbBytes(2, trainer);
    return m;
}

// Offsets where the top-level fields of a (well-formed) ModelProto end: a file cut there is a
// valid, smaller model; cut anywhere else it is malformed.
std::vector<size_t> topLevelEnds(const std::string& m) {
    std::vector<size_t> ends;
    size_t pos = 0;
    auto varint = [&] {
        uint64_t v = 0;
        for (int shift = 0; pos < m.size(); shift += 7) {
            const unsigned char b = static_cast<unsigned char>(m[pos++]);
            v |= uint64_t(b & 0x7F) << shift;
            if (!(b & 0x80)) break;
        }
        return v;
    };
    while (pos < m.size()) {
        varint();  // tag (all length-delimited at the top level)
        pos += varint();
        ends.push_back(pos);
    }
    return ends;
}

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private slots:
    void golden_data();
    void golden();
    void specialTokensInText();
    void decodeSkipsSpecial();
    void tokenTextIsReadable();
    void concurrentEncode();
    void metaspaceMatchesPrependReplace();
    void fromJsonTextTinyModel();
    void mergesAsPairs();
    void errorMissingFile();
    void errorGarbageJson();
    void errorUnsupportedModel();
    void errorBrokenMerges();
    void errorEmptyFolder();
    void errorNotSentencePiece();
    void spTinyModel();
    void spByteFallback();
    void spErrorsNameTheFile();
    void spUnigram();
    void cliTokenize();
};

void TestTokenizer::golden_data() {
    QTest::addColumn<QString>("name");
    // SentencePiece-style models prepend "▁" to the text after a literal "<s>", so the reference
    // does not round-trip those lines either; byte-level models round-trip everything.
    QTest::addColumn<bool>("specialsRoundTrip");
    QTest::newRow("llama3") << "llama3" << true;
    QTest::newRow("qwen3") << "qwen3" << true;
    QTest::newRow("mistral") << "mistral" << false;
    QTest::newRow("llama2") << "llama2" << false;
}

void TestTokenizer::golden() {
    REQUIRE_DATA();
    QFETCH(QString, name);
    QFETCH(bool, specialsRoundTrip);
    const std::string dir = dataDir() + "/" + name.toStdString();
    const auto tok = Tokenizer::load(dir);
    const auto lines = readGolden(dir + "/golden.jsonl");
    QVERIFY(lines.size() >= 200);
    int bad = 0, badSpecial = 0, badRoundTrip = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
        const Golden& g = lines[i];
        const auto ids = tok->encode(g.text, false);
        const auto withSpecial = tok->encode(g.text, true);
        if (ids != g.ids && bad++ < 3)
            qWarning("%s line %zu: got %s want %s", qPrintable(name), i + 1, qPrintable(show(ids)), qPrintable(show(g.ids)));
        if (withSpecial != g.idsWithSpecial && badSpecial++ < 3)
            qWarning("%s line %zu (special): got %s want %s", qPrintable(name), i + 1, qPrintable(show(withSpecial)),
                     qPrintable(show(g.idsWithSpecial)));
        const bool hasSpecial = std::any_of(g.ids.begin(), g.ids.end(), [&](int32_t id) {
            return id == tok->bosId().value_or(-1) || id == tok->eosId().value_or(-1);
        });
        const bool roundTrip = specialsRoundTrip || !hasSpecial;
        if (roundTrip && tok->decode(g.ids, false) != g.text && badRoundTrip++ < 3)
            qWarning("%s line %zu: decode does not give the text back", qPrintable(name), i + 1);
    }
    qInfo("%s: %zu lines, %d ids mismatches, %d ids_with_special mismatches, %d round-trip failures",
          qPrintable(name), lines.size(), bad, badSpecial, badRoundTrip);
    QCOMPARE(bad, 0);
    QCOMPARE(badSpecial, 0);
    QCOMPARE(badRoundTrip, 0);
}

void TestTokenizer::specialTokensInText() {
    REQUIRE_DATA();
    const auto tok = Tokenizer::load(dataDir() + "/llama3");
    const auto ids = tok->encode("<|begin_of_text|>Hi<|eot_id|>", false);
    QCOMPARE(ids.front(), 128000);
    QCOMPARE(ids.back(), 128009);
    QCOMPARE(tok->bosId().value_or(-1), 128000);
    QCOMPARE(tok->eosId().value_or(-1), 128001);
    const auto qwen = Tokenizer::load(dataDir() + "/qwen3/tokenizer.json");
    QVERIFY(!qwen->bosId().has_value());
    QCOMPARE(qwen->encode("<|im_start|>", false), std::vector<int32_t>{151644});
}

void TestTokenizer::decodeSkipsSpecial() {
    REQUIRE_DATA();
    for (const char* name : {"mistral", "llama2"}) {
        const auto tok = Tokenizer::load(dataDir() + "/" + name);
        const auto ids = tok->encode("Hello world\nnew line", true);
        QCOMPARE(ids.front(), 1);
        QCOMPARE(tok->decode(ids, true), std::string("Hello world\nnew line"));
        QCOMPARE(tok->decode(ids, false), std::string("<s> Hello world\nnew line"));
        QCOMPARE(tok->bosId().value_or(-1), 1);
        QCOMPARE(tok->eosId().value_or(-1), 2);
        QCOMPARE(tok->vocabSize(), 32000);
    }
    const auto llama3 = Tokenizer::load(dataDir() + "/llama3");
    std::vector<int32_t> ids{128000};
    const auto body = llama3->encode("Grüße, 世界! 👋🏽", false);
    ids.insert(ids.end(), body.begin(), body.end());
    QCOMPARE(llama3->decode(ids, true), std::string("Grüße, 世界! 👋🏽"));
    QCOMPARE(llama3->decode(ids, false), std::string("<|begin_of_text|>Grüße, 世界! 👋🏽"));
    QCOMPARE(llama3->decode({-5, 99999999}, false), std::string());
}

void TestTokenizer::tokenTextIsReadable() {
    REQUIRE_DATA();
    const auto llama3 = Tokenizer::load(dataDir() + "/llama3");
    const auto hello = llama3->encode(" Hello", false);
    QCOMPARE(hello.size(), size_t(1));
    QCOMPARE(llama3->tokenText(hello[0]), std::string(" Hello"));
    QCOMPARE(llama3->tokenText(198), std::string("\n"));
    QCOMPARE(llama3->tokenText(128000), std::string("<|begin_of_text|>"));
    QCOMPARE(llama3->tokenText(-1), std::string());
    // A token holding half of a multi-byte char shows its bytes.
    bool sawBytes = false;
    for (int32_t id : llama3->encode("👋🏽🦜", false)) sawBytes |= llama3->tokenText(id).find("<0x") != std::string::npos;
    QVERIFY(sawBytes);

    const auto mistral = Tokenizer::load(dataDir() + "/mistral");
    // Byte-fallback tokens show the char they stand for, or their byte when it is part of one.
    QCOMPARE(mistral->tokenText(13), std::string("\n"));
    QCOMPARE(mistral->tokenText(*mistral->encode("\xF0\x9F\xA6\x9C", false).rbegin()), std::string("<0x9C>"));
    const auto world = mistral->encode("world", false);
    QCOMPARE(mistral->tokenText(world[0]), std::string(" world"));
    const auto llama2 = Tokenizer::load(dataDir() + "/llama2");
    QCOMPARE(llama2->tokenText(13), std::string("\n"));
    QCOMPARE(llama2->tokenText(3 + 0xE2), std::string("<0xE2>"));
    QCOMPARE(llama2->tokenText(1), std::string("<s>"));
    QCOMPARE(llama2->tokenText(llama2->encode("world", false)[0]), std::string(" world"));
}

void TestTokenizer::concurrentEncode() {
    REQUIRE_DATA();
    const auto tok = Tokenizer::load(dataDir() + "/qwen3");
    std::string text;
    for (int i = 0; i < 200; ++i) text += "Concurrency test " + std::to_string(i) + " — naïve café 東京 ";
    const auto expected = tok->encode(text, false);
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int k = 0; k < 5; ++k)
                if (tok->encode(text, false) != expected) ++mismatches;
        });
    for (auto& th : threads) th.join();
    QCOMPARE(mismatches.load(), 0);
}

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Newer SentencePiece-style tokenizer.json files use a Metaspace pre-tokenizer and decoder instead of
// the Prepend + Replace normalizer; both give the same ids except after literal special tokens and
// on texts that start with a space (Metaspace adds no "▁" in front of an existing one).
void TestTokenizer::metaspaceMatchesPrependReplace() {
    REQUIRE_DATA();
    const std::string dir = dataDir() + "/mistral";
    auto j = nlohmann::json::parse(readText(dir + "/tokenizer.json"));
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "first"}, {"split", false}};
    j["decoder"] = nlohmann::json::parse(
        R"({"type": "Sequence", "decoders": [{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first"},
            {"type": "ByteFallback"}, {"type": "Fuse"}]})");
    const auto tok = Tokenizer::fromJsonText(j.dump(), "metaspace-mistral.json");
    int checked = 0;
    for (const auto& g : readGolden(dir + "/golden.jsonl")) {
        if (g.text.find("<s>") != std::string::npos || g.text.find("</s>") != std::string::npos) continue;
        if (!g.text.empty() && g.text[0] == ' ') continue;
        QCOMPARE(tok->encode(g.text, false), g.ids);
        QCOMPARE(tok->encode(g.text, true), g.idsWithSpecial);
        QCOMPARE(tok->decode(g.ids, false), g.text);
        ++checked;
    }
    QVERIFY(checked > 150);
    const auto prependReplace = Tokenizer::load(dir);
    QCOMPARE(tok->encode("  x", false), prependReplace->encode(" x", false));
}

void TestTokenizer::fromJsonTextTinyModel() {
    const auto tok = Tokenizer::fromJsonText(tinyBpe(R"(["a b", "Ġ ab"])"), "tiny.json");
    QCOMPARE(tok->encode("ab ab", false), (std::vector<int32_t>{2, 4}));
    QCOMPARE(tok->encode("ab", true), (std::vector<int32_t>{5, 2}));
    QCOMPARE(tok->encode("<s>ab", false), (std::vector<int32_t>{5, 2}));
    QCOMPARE(tok->decode({5, 2, 4}, true), std::string("ab ab"));
    QCOMPARE(tok->vocabSize(), 6);
    QCOMPARE(tok->bosId().value_or(-1), 5);
    // Bytes the vocabulary cannot represent are dropped rather than failing the whole text.
    QCOMPARE(tok->encode("a\xff", false), (std::vector<int32_t>{0}));
}

void TestTokenizer::mergesAsPairs() {
    const auto tok = Tokenizer::fromJsonText(tinyBpe(R"([["a", "b"], ["Ġ", "ab"]])"), "pairs.json");
    QCOMPARE(tok->encode("ab ab", false), (std::vector<int32_t>{2, 4}));
    // Nesting deeper than simdjson accepts sends the loader down its nlohmann::json path.
    std::string deep = tinyBpe(R"([["a", "b"], ["Ġ", "ab"]])");
    deep.insert(1, "\"unused\": " + std::string(1500, '[') + std::string(1500, ']') + ", ");
    const auto slow = Tokenizer::fromJsonText(deep, "deep.json");
    QCOMPARE(slow->encode("ab ab", true), (std::vector<int32_t>{5, 2, 4}));
}

void TestTokenizer::errorMissingFile() {
    expectLoadError("/nonexistent/dir/tokenizer.json", {"/nonexistent/dir/tokenizer.json"});
}

void TestTokenizer::errorGarbageJson() {
    QTemporaryDir dir;
    const auto path = writeFile(dir, "tokenizer.json", "{ this is not json");
    expectLoadError(path, {"tokenizer.json", "invalid JSON"});
    const auto notObject = writeFile(dir, "array.json", "[1, 2, 3]");
    expectLoadError(notObject, {"array.json"});
}

void TestTokenizer::errorUnsupportedModel() {
    QTemporaryDir dir;
    const auto path = writeFile(dir, "tokenizer.json",
                                R"({"model": {"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "[UNK]"}})");
    expectLoadError(path, {"tokenizer.json", "WordPiece"});
    const auto unigram = writeFile(dir, "unigram.json", R"({"model": {"type": "Unigram", "vocab": [["a", 0.0]]}})");
    expectLoadError(unigram, {"unigram.json", "Unigram"});
}

void TestTokenizer::errorBrokenMerges() {
    QTemporaryDir dir;
    expectLoadError(writeFile(dir, "m1.json", tinyBpe(R"(["a z"])")), {"m1.json", "\"z\""});
    expectLoadError(writeFile(dir, "m2.json", tinyBpe(R"(["ab"])")), {"m2.json", "merge #0"});
    expectLoadError(writeFile(dir, "m3.json", tinyBpe(R"([42])")), {"m3.json", "merge #0"});
    expectLoadError(writeFile(dir, "m4.json", tinyBpe(R"(["b a"])")), {"m4.json", "\"ba\""});
}

void TestTokenizer::errorEmptyFolder() {
    QTemporaryDir dir;
    expectLoadError(dir.path().toStdString(), {dir.path().toUtf8().constData(), "neither"});
}

void TestTokenizer::errorNotSentencePiece() {
    QTemporaryDir dir;
    expectLoadError(writeFile(dir, "tokenizer.model", "garbage bytes"), {"tokenizer.model", "SentencePiece"});
}

void TestTokenizer::spTinyModel() {
    using V = std::vector<int32_t>;
    const auto tok = gateau::tok::SpTokenizer::fromBytes(tinySpModel(false), "tiny.model");
    QCOMPARE(tok->vocabSize(), 16);
    QCOMPARE(tok->bosId().value_or(-1), 1);
    QCOMPARE(tok->eosId().value_or(-1), 2);
    // "▁ab" is reached through the UNUSED "▁a"; alone, "▁a" is split back into "▁" "a".
    QCOMPARE(tok->encode("ab", false), (V{14}));
    QCOMPARE(tok->encode("a", true), (V{1, 3, 4}));
    // Highest score first: "bc" (-0.5) beats "ab" (-1); ties go to the leftmost pair.
    QCOMPARE(tok->encode("cabc", false), (V{3, 6, 4, 11}));
    QCOMPARE(tok->encode("caaa", false), (V{3, 6, 12, 4}));
    // USER_DEFINED pieces are whole symbols; control pieces are plain text; unknown runs give one <unk>.
    QCOMPARE(tok->encode("c<x>b", false), (V{3, 6, 15, 5}));
    QCOMPARE(tok->encode("c<s>", false), (V{3, 6, 8, 7, 9}));
    QCOMPARE(tok->encode("czzz\xE2\x82\xAC", false), (V{3, 6, 0}));
    QCOMPARE(tok->encode("c  a ", false), (V{3, 6, 3, 3, 4, 3}));
    QCOMPARE(tok->encode("", true), (V{1}));
    QCOMPARE(tok->decode({1, 14, 3, 6, 0, 2}, true), std::string("ab c \xE2\x81\x87 "));
    QCOMPARE(tok->decode({1, 14, 2}, false), std::string("<s> ab</s>"));
    QCOMPARE(tok->tokenText(14), std::string(" ab"));
    QCOMPARE(tok->tokenText(0), std::string("<unk>"));
    QCOMPARE(tok->tokenText(16), std::string());

    const auto squeeze = gateau::tok::SpTokenizer::fromBytes(tinySpModel(true), "squeeze.model");
    QCOMPARE(squeeze->encode("  c  ab  ", false), (V{3, 6, 14}));
    QCOMPARE(squeeze->encode("   ", false), V{});
}

void TestTokenizer::spByteFallback() {
    using V = std::vector<int32_t>;
    const auto tok = gateau::tok::SpTokenizer::fromBytes(tinySpModel(false, true), "bytes.model");
    QCOMPARE(tok->encode("cz\xE2\x82\xAC", false), (V{3, 6, 16 + 'z', 16 + 0xE2, 16 + 0x82, 16 + 0xAC}));
    QCOMPARE(tok->decode({3, 6, 16 + 'z', 16 + 0xE2, 16 + 0x82, 16 + 0xAC}, false), std::string("cz\xE2\x82\xAC"));
    QCOMPARE(tok->decode({16 + 0xE2, 14}, false), std::string("\xEF\xBF\xBD ab"));
    QCOMPARE(tok->tokenText(16 + 'z'), std::string("z"));
    QCOMPARE(tok->tokenText(16 + 0xE2), std::string("<0xE2>"));
}

// Truncated, garbage and unsupported tokenizer.model files give a TokenizerError naming the file.
void TestTokenizer::spErrorsNameTheFile() {
    auto expectError = [](const std::string& bytes, const char* needle) {
        try {
            gateau::tok::SpTokenizer::fromBytes(bytes, "some/dir/odd.model");
            QFAIL(qPrintable(QString("no TokenizerError for %1 bytes").arg(bytes.size())));
        } catch (const TokenizerError& e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains("some/dir/odd.model") && msg.contains(needle), qPrintable(msg));
        }
    };
    const std::string tiny = tinySpModel(false);
    const auto tinyEnds = topLevelEnds(tiny);
    QCOMPARE(tinyEnds.back(), tiny.size());
    for (size_t cut = 1; cut < tiny.size(); ++cut)
        if (std::find(tinyEnds.begin(), tinyEnds.end(), cut) == tinyEnds.end()) expectError(tiny.substr(0, cut), "malformed");
    expectError("\x0A\x05\x0A\x01", "malformed");            // length past the end
    expectError("\x0A\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01", "malformed");  // varint too long
    expectError("\x0B\x00", "malformed");                      // wire type 3 (group)
    expectError("", "no pieces");
    expectError(pbPiece("a", 0, 1) + pbBytes(2, pbInt(3, 2)), "no unknown piece");
    expectError(pbPiece("<unk>", 0, 2) + pbPiece("a", 0, 1) + pbBytes(2, pbInt(3, 3)), "word tokenizer.model is not supported");
    expectError(pbPiece("<unk>", 0, 2) + pbPiece("a", 0, 1) + pbBytes(2, pbInt(3, 9)), "unknown model_type 9");
    expectError(pbPiece("<unk>", 0, 2) + pbPiece("a", 0, 1) + pbPiece("a", 0, 1) + pbBytes(2, pbInt(3, 2)), "twice");
    expectError(pbPiece("<unk>", 0, 2) + pbPiece("<0x41>", 0, 6) + pbBytes(2, pbInt(3, 2)), "byte_fallback");
    std::mt19937 rng(7);
    for (int k = 0; k < 2000; ++k) {
        std::string junk(rng() % 64, '\0');
        for (char& c : junk) c = char(rng());
        try {
            const auto tok = gateau::tok::SpTokenizer::fromBytes(junk, "junk.model");
            (void)tok->decode(tok->encode("a b", true), false);
        } catch (const TokenizerError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains("junk.model"), e.what());
        }
    }
    // Through Tokenizer::load, from a file: the real Llama-2 model cut short.
    REQUIRE_DATA();
    const std::string model = readText(dataDir() + "/llama2/tokenizer.model");
    QVERIFY(model.size() > 1000);
    const auto ends = topLevelEnds(model);
    QCOMPARE(ends.back(), model.size());
    QTemporaryDir dir;
    for (size_t cut : {size_t(1), size_t(7), size_t(1000), model.size() / 2, model.size() / 3, model.size() - 3}) {
        if (std::find(ends.begin(), ends.end(), cut) != ends.end()) ++cut;
        const auto path = writeFile(dir, "tokenizer.model", model.substr(0, cut));
        expectLoadError(dir.path().toStdString(), {path.c_str(), "malformed SentencePiece model"});
    }
}

// Unigram models (the proto2 default model_type): Viterbi over the piece scores.
void TestTokenizer::spUnigram() {
    using V = std::vector<int32_t>;
    // No trainer_spec at all: UNIGRAM, default normalizer, no <s> piece.
    const std::string m = pbPiece("<unk>", 0, 2) + pbPiece("\u2581", -3, 1) + pbPiece("a", -3, 1) + pbPiece("b", -3, 1) +
                          pbPiece("ab", -2, 1) + pbPiece("\u2581ab", -4, 1) + pbPiece("<x>", 0, 4);
    const auto tok = gateau::tok::SpTokenizer::fromBytes(m, "uni.model");
    QVERIFY(!tok->bosId().has_value());
    QCOMPARE(tok->encode("ab", true), (V{5}));                      // -4 beats "▁" "ab" (-5)
    QCOMPARE(tok->encode("  b   abz ", false), (V{1, 3, 5, 0}));    // extra spaces removed; z is <unk>
    QCOMPARE(tok->encode("a<x>b", false), (V{1, 2, 6, 3}));
    QCOMPARE(tok->decode({5, 1, 2, 0}, false), std::string("ab a \xE2\x81\x87 "));
}

// Runs the real `gateau tokenize` on the mistral golden texts and compares every line.
void TestTokenizer::cliTokenize() {
    REQUIRE_DATA();
#ifdef GATEAU_CLI_PATH
    const QString cli = QStringLiteral(GATEAU_CLI_PATH);
#else
    const QString cli;
#endif
    if (cli.isEmpty() || !QFileInfo(cli).isExecutable()) QSKIP("gateau CLI not built: tokenize command not tested");
    const std::string dir = dataDir() + "/mistral";
    const auto lines = readGolden(dir + "/golden.jsonl");
    QTemporaryDir tmp;
    std::string jsonl;
    for (const auto& g : lines) jsonl += nlohmann::json(g.text).dump() + "\n";
    const std::string in = writeFile(tmp, "in.jsonl", jsonl);

    QProcess p;
    p.start(cli, {"tokenize", "--tokenizer", QString::fromStdString(dir), "--jsonl", QString::fromStdString(in), "--special"});
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitCode(), 0);
    const QList<QByteArray> out = p.readAllStandardOutput().split('\n');
    QVERIFY(size_t(out.size()) >= lines.size());
    for (size_t i = 0; i < lines.size(); ++i)
        QCOMPARE(nlohmann::json::parse(out[int(i)].toStdString()).get<std::vector<int32_t>>(), lines[i].idsWithSpecial);

    const std::string bad = writeFile(tmp, "bad.jsonl", "\"ok\"\n42\n");
    p.start(cli, {"tokenize", "--tokenizer", QString::fromStdString(dir), "--jsonl", QString::fromStdString(bad)});
    QVERIFY(p.waitForFinished(120000));
    QVERIFY(p.exitCode() != 0);
    QVERIFY2(p.readAllStandardError().contains("bad.jsonl:2"), "error names the file and line");
}

QTEST_APPLESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
