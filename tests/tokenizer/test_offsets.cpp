// Token offsets (Tokenizer::encodeWithOffsets): hand-checked small cases through each kind of
// transform, and, on every golden text of the four real tokenizers, that the offsets walk the
// text in order and that each token is made of exactly the bytes its offsets name.
#include <QFileInfo>
#include <QtTest>

#include <algorithm>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/unicode.h"

using gateau::tok::Offsets;
using gateau::tok::Tokenizer;

namespace {

const std::string kDir = std::string(GATEAU_SHARED_DIR) + "/testdata/tokenizers/";

std::vector<std::string> texts(const std::string& name) {
    std::ifstream in(kDir + name + "/golden.jsonl");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line)["text"]);
    return out;
}

std::vector<Offsets> offsets(const Tokenizer& t, const std::string& text, bool special = false) {
    return t.encodeWithOffsets(text, special).offsets;
}

}  // namespace

class TestOffsets : public QObject {
    Q_OBJECT
private slots:
    void handChecked() {
        if (!QFileInfo::exists(QString::fromStdString(kDir))) QSKIP("../shared/testdata not found: offset tests skipped");
        // Mistral: Prepend("▁") + Replace(" ", "▁"), byte fallback. "▁Hello" is "Hello" (the
        // prepended ▁ stands for the first char), "▁world" is " world"; BOS has no bytes.
        const auto mistral = Tokenizer::load(kDir + "mistral");
        const auto m = mistral->encodeWithOffsets("Hello world", true);
        QCOMPARE(m.offsets, (std::vector<Offsets>{{0, 0}, {0, 5}, {5, 11}}));
        // A 4-byte emoji falls back to 4 byte tokens, each standing for the whole char.
        const auto e = offsets(*mistral, "a \xF0\x9F\xA6\x99");
        QCOMPARE(e.back(), (Offsets{2, 6}));
        // Llama-3 byte-level: " world" keeps its space; an in-text special token is its own bytes.
        const auto llama3 = Tokenizer::load(kDir + "llama3");
        QCOMPARE(offsets(*llama3, "Hello world"), (std::vector<Offsets>{{0, 5}, {5, 11}}));
        const auto s = llama3->encodeWithOffsets("a<|end_of_text|>b", false);
        QCOMPARE(s.offsets, (std::vector<Offsets>{{0, 1}, {1, 16}, {16, 17}}));
        // Qwen's NFC: "e" + U+0301 becomes one char made of both.
        const auto qwen = Tokenizer::load(kDir + "qwen3");
        const auto q = offsets(*qwen, "x e\xCC\x81");
        QCOMPARE(q.back().second, size_t(5));
        // Llama-2 tokenizer.model: dummy prefix stands for the first char.
        const auto llama2 = Tokenizer::load(kDir + "llama2/tokenizer.model");
        QCOMPARE(offsets(*llama2, "Hi there", true), (std::vector<Offsets>{{0, 0}, {0, 2}, {2, 8}}));
    }

    void goldenTextsWalkInOrder_data() {
        QTest::addColumn<QString>("name");
        for (const char* n : {"llama2", "llama3", "mistral", "qwen3"}) QTest::newRow(n) << n;
    }

    void goldenTextsWalkInOrder() {
        QFETCH(QString, name);
        if (!QFileInfo::exists(QString::fromStdString(kDir))) QSKIP("../shared/testdata not found: offset tests skipped");
        const std::string n = name.toStdString();
        const auto tok = Tokenizer::load(n == "llama2" ? kDir + n + "/tokenizer.model" : kDir + n);
        const bool byteLevel = n == "llama3" || n == "qwen3";
        int checked = 0;
        for (const std::string& text : texts(n)) {
            const auto enc = tok->encodeWithOffsets(text, false);
            QCOMPARE(enc.offsets.size(), enc.ids.size());
            QCOMPARE(enc.ids, tok->encode(text, false));
            for (size_t k = 0; k < enc.ids.size();) {
                const auto [b, e] = enc.offsets[k];
                QVERIFY2(b < e && e <= text.size(), qPrintable(QString::fromStdString(text)));
                const std::string at = "token " + std::to_string(k) + " [" + std::to_string(b) + ", " +
                                       std::to_string(e) + ") \"" + text.substr(b, e - b) + "\" of \"" +
                                       text.substr(0, 60) + "\"";
                // In order; a prepended "▁" shares the first char with the token after it.
                if (k) QVERIFY2(b >= enc.offsets[k - 1].first && e >= enc.offsets[k - 1].second, at.c_str());
                // The tokens that share characters with this one (a char split across byte
                // tokens belongs to each of them) stand together for [b, groupEnd).
                size_t end = k + 1, groupEnd = e;
                while (end < enc.ids.size() && enc.offsets[end].first < groupEnd)
                    groupEnd = std::max(groupEnd, enc.offsets[end++].second);
                if (byteLevel) {  // their bytes are the text's bytes there (after Qwen's NFC)
                    const std::vector<int32_t> group(enc.ids.begin() + long(k), enc.ids.begin() + long(end));
                    const std::string want = text.substr(b, groupEnd - b);
                    const std::string got = tok->decode(group, false);
                    const bool same = got == (n == "qwen3" ? gateau::tok::unicode::normalize(want, gateau::tok::unicode::Form::NFC) : want);
                    QVERIFY2(same, (at + ": decodes to \"" + got + "\"").c_str());
                    ++checked;
                }
                k = end;
            }
            if (!enc.ids.empty()) QVERIFY(enc.offsets.back().second <= text.size());
        }
        if (byteLevel) QVERIFY(checked > 1000);
    }
};

QTEST_APPLESS_MAIN(TestOffsets)
#include "test_offsets.moc"
