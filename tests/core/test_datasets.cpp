// Record extraction for every format and the streaming reader's handling of bad input.
#include "../common/test_files.h"
#include "core/datasets/record_parser.h"
#include "core/datasets/record_stream.h"
#include "core/util/text.h"

using namespace gateau::datasets;
using gateau::test::writeFile;

namespace {

struct Outcome {
    bool ok;
    ParsedRecord rec;
    std::string error;
};

Outcome parse(const std::string& json, Format f = Format::Auto) {
    std::string padded = json + std::string(RecordParser::kPadding, ' ');
    RecordParser p;
    Outcome o;
    o.ok = p.parse(std::string_view(padded.data(), json.size()), f, o.rec, o.error);
    return o;
}

std::vector<RawRecord> readAll(const std::string& path, std::vector<StreamIssue>& issues, std::vector<std::string>& texts,
                               uint64_t maxRecord = 256ull << 20) {
    RecordStream s(path, maxRecord);
    std::vector<RawRecord> out;
    RawRecord r;
    while (s.next(r, issues)) {
        texts.emplace_back(r.text);
        out.push_back(r);
    }
    return out;
}

}  // namespace

class TestDatasets : public QObject {
    Q_OBJECT
private slots:
    void messagesFormat() {
        auto o = parse(R"({"id":"x1","messages":[{"role":"system","content":"S"},{"role":"user","content":"ctx\n\nQ?"},{"role":"assistant","content":"A"}]})");
        QVERIFY2(o.ok, o.error.c_str());
        QCOMPARE(o.rec.format, Format::Messages);
        QCOMPARE(o.rec.externalId, std::string("x1"));
        QCOMPARE(int(o.rec.conversation.turns.size()), 3);
        QCOMPARE(o.rec.conversation.responseIndex(), 2);
        QCOMPARE(o.rec.conversation.instructionText(), std::string("Q?"));
        QCOMPARE(o.rec.conversation.promptChars(), size_t(1 + 7));
        QCOMPARE(o.rec.conversation.responseChars(), size_t(1));
    }
    void messagesContentParts() {
        auto o = parse(R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"role":"assistant","content":"c"}],"id":7})");
        QVERIFY2(o.ok, o.error.c_str());
        QCOMPARE(o.rec.conversation.turns[0].content, std::string("ab"));
        QCOMPARE(o.rec.externalId, std::string("7"));
    }
    void sharegptFormat() {
        auto o = parse(R"({"system":"be nice","conversations":[{"from":"human","value":"h1"},{"from":"gpt","value":"g1"},{"from":"human","value":"doc\n\nq2"},{"from":"gpt","value":"g2"}]})");
        QVERIFY2(o.ok, o.error.c_str());
        QCOMPARE(o.rec.format, Format::ShareGPT);
        const auto& t = o.rec.conversation.turns;
        QCOMPARE(int(t.size()), 5);
        QCOMPARE(t[0].role, Role::System);
        QCOMPARE(t[4].content, std::string("g2"));
        QCOMPARE(o.rec.conversation.responseIndex(), 4);
        QCOMPARE(o.rec.conversation.instructionText(), std::string("q2"));
    }
    void alpacaFormat() {
        auto o = parse(R"({"instruction":"Summarise.","input":"Long text.","output":"Short.","history":[["q0","a0"]]})");
        QVERIFY2(o.ok, o.error.c_str());
        QCOMPARE(o.rec.format, Format::Alpaca);
        const auto& t = o.rec.conversation.turns;
        QCOMPARE(int(t.size()), 4);
        // The long input comes first so that the instruction is the last paragraph.
        QCOMPARE(t[2].content, std::string("Long text.\n\nSummarise."));
        QCOMPARE(o.rec.conversation.instructionText(), std::string("Summarise."));
        auto noInput = parse(R"({"instruction":"Do it.","input":"","output":"Done."})");
        QVERIFY(noInput.ok);
        QCOMPARE(noInput.rec.conversation.turns[0].content, std::string("Do it."));
    }
    void formatOverrideMismatch() {
        auto o = parse(R"({"conversations":[{"from":"human","value":"h"},{"from":"gpt","value":"g"}]})", Format::Alpaca);
        QVERIFY(!o.ok);
        QVERIFY2(o.error.find("sharegpt") != std::string::npos, o.error.c_str());
    }
    void badRecords_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no assistant") << R"({"messages":[{"role":"user","content":"q"}]})" << "no assistant turn";
        QTest::newRow("unknown role") << R"({"messages":[{"role":"robot","content":"q"}]})" << "unknown role 'robot'";
        QTest::newRow("content missing") << R"({"messages":[{"role":"user"}]})" << "missing \"content\"";
        QTest::newRow("not object") << R"([1,2])" << "not a JSON object";
        QTest::newRow("malformed") << R"({"messages": [)" << "malformed JSON";
        QTest::newRow("unknown schema") << R"({"text":"hello"})" << "unrecognised schema";
        QTest::newRow("bad utf8") << QString::fromLatin1("{\"instruction\":\"\xff\",\"output\":\"o\"}") << "invalid UTF-8";
        QTest::newRow("messages not array") << R"({"messages":"hi"})" << "not an array";
        QTest::newRow("alpaca no output") << R"({"instruction":"x"})" << "missing \"output\"";
        QTest::newRow("sharegpt speaker") << R"({"conversations":[{"from":"alien","value":"x"}]})" << "unknown speaker";
    }
    void badRecords() {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        std::string bytes = json.startsWith("{\"instruction\":\"") && expected == "invalid UTF-8" ? json.toLatin1().toStdString()
                                                                                              : json.toStdString();
        auto o = parse(bytes);
        QVERIFY(!o.ok);
        QVERIFY2(o.error.find(expected.toStdString()) != std::string::npos, o.error.c_str());
    }
    void splitRule() {
        auto [c1, i1] = splitInstruction("a\n\nb\n\nc");
        QCOMPARE(std::string(c1), std::string("a\n\nb"));
        QCOMPARE(std::string(i1), std::string("c"));
        auto [c2, i2] = splitInstruction("only one paragraph\nwith a newline");
        QVERIFY(c2.empty());
        QCOMPARE(std::string(i2), std::string("only one paragraph\nwith a newline"));
    }
    void splitRuleCrlf() {
        // CRLF text: "\r\n\r\n" is a blank line too (it contains no "\n\n").
        auto [c1, i1] = splitInstruction("doc line\r\nmore\r\n\r\nWhat is it?");
        QCOMPARE(std::string(c1), std::string("doc line\r\nmore"));
        QCOMPARE(std::string(i1), std::string("What is it?"));
        // Mixed endings: the blank line that starts later wins, either way round.
        auto [c2, i2] = splitInstruction("a\n\nb\r\n\r\nc");
        QCOMPARE(std::string(c2), std::string("a\n\nb"));
        QCOMPARE(std::string(i2), std::string("c"));
        auto [c3, i3] = splitInstruction("a\r\n\r\nb\n\nc");
        QCOMPARE(std::string(c3), std::string("a\r\n\r\nb"));
        QCOMPARE(std::string(i3), std::string("c"));
        // A single CRLF is no paragraph break.
        auto [c4, i4] = splitInstruction("one\r\ntwo");
        QVERIFY(c4.empty());
        QCOMPARE(std::string(i4), std::string("one\r\ntwo"));
    }
    void codePointLengths() {
        auto o = parse(R"({"messages":[{"role":"user","content":"数据é"},{"role":"assistant","content":"😀"}]})");
        QVERIFY(o.ok);
        QCOMPARE(o.rec.conversation.promptChars(), size_t(3));
        QCOMPARE(o.rec.conversation.responseChars(), size_t(1));
        // The word-at-a-time counter against a byte loop, at every length and alignment.
        std::string mixed;
        for (int i = 0; i < 40; ++i) mixed += i % 3 ? "a\xC3\xA9\xE6\x95\xB0" : "\xF0\x9F\x98\x80z";
        for (size_t from = 0; from < 9; ++from)
            for (size_t len = 0; from + len <= mixed.size(); len += 7) {
                std::string_view v(mixed.data() + from, len);
                size_t naive = 0;
                for (unsigned char c : v) naive += (c & 0xC0) != 0x80;
                QCOMPARE(gateau::util::utf8Length(v), naive);
            }
    }
    void conversationJsonRoundTrip() {
        Conversation c;
        c.turns = {{Role::User, "line\n\"quoted\"\t\x01 数据"}, {Role::Assistant, "ok"}};
        Conversation back = Conversation::fromJson(c.toJson());
        QCOMPARE(back.turns.size(), c.turns.size());
        QCOMPARE(back.turns[0].content, c.turns[0].content);
        QCOMPARE(back.turns[1].role, Role::Assistant);
    }

    void streamBomCrlfBlankLines() {
        QTemporaryDir dir;
        auto path = writeFile(dir, "a.jsonl", "\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"b\":2}\r\n{\"c\":3}");
        std::vector<StreamIssue> issues;
        std::vector<std::string> texts;
        auto recs = readAll(path, issues, texts);
        QCOMPARE(int(recs.size()), 3);
        QCOMPARE(texts[0], std::string("{\"a\":1}"));
        QCOMPARE(recs[0].line, int64_t(1));
        QCOMPARE(recs[1].line, int64_t(4));
        QCOMPARE(texts[2], std::string("{\"c\":3}"));  // last line without newline
        QCOMPARE(recs[2].line, int64_t(5));
        QVERIFY(issues.empty());
    }
    void streamHugeLine() {
        QTemporaryDir dir;
        std::string big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + std::string(50u << 20, 'x') +
                          "\"},{\"role\":\"assistant\",\"content\":\"y\"}]}";
        auto path = writeFile(dir, "big.jsonl", "{\"a\":1}\n" + big + "\n{\"b\":2}\n");
        std::vector<StreamIssue> issues;
        std::vector<std::string> texts;
        auto recs = readAll(path, issues, texts);
        QCOMPARE(int(recs.size()), 3);
        QCOMPARE(texts[1].size(), big.size());
        QCOMPARE(recs[2].line, int64_t(3));
        auto o = parse(texts[1]);
        QVERIFY2(o.ok, o.error.c_str());
        QCOMPARE(o.rec.conversation.turns[0].content.size(), size_t(50u << 20));
    }
    void streamOverlongRecordSkipped() {
        QTemporaryDir dir;
        auto path = writeFile(dir, "long.jsonl", "{\"a\":1}\n\"" + std::string(3u << 20, 'z') + "\"\n{\"b\":2}\n");
        std::vector<StreamIssue> issues;
        std::vector<std::string> texts;
        auto recs = readAll(path, issues, texts, 1u << 20);
        QCOMPARE(int(recs.size()), 2);
        QCOMPARE(recs[1].line, int64_t(3));
        QCOMPARE(int(issues.size()), 1);
        QCOMPARE(issues[0].line, int64_t(2));
        QVERIFY(issues[0].message.find("longer than 1 MiB") != std::string::npos);
    }
    void streamEmptyAndMissing() {
        QTemporaryDir dir;
        auto path = writeFile(dir, "empty.jsonl", "");
        std::vector<StreamIssue> issues;
        std::vector<std::string> texts;
        QCOMPARE(int(readAll(path, issues, texts).size()), 0);
        QCOMPARE(int(issues.size()), 1);
        QCOMPARE(issues[0].message, std::string("file is empty"));
        try {
            RecordStream s(dir.filePath("nope.jsonl").toStdString());
            QFAIL("missing file must throw");
        } catch (const std::runtime_error& e) {
            QVERIFY(std::string(e.what()).find("nope.jsonl") != std::string::npos);
        }
    }
    void streamJsonArray() {
        QTemporaryDir dir;
        std::string a = "{\"s\":\"brackets ] } [ { and \\\"quotes\\\" ,\"}";
        std::string b = "{\"n\":[1,{\"x\":[]}],\n \"t\":\"\\\\\"}";
        auto path = writeFile(dir, "arr.json", "\xEF\xBB\xBF [\n  " + a + ",\n  " + b + " , 42\n]\n");
        std::vector<StreamIssue> issues;
        std::vector<std::string> texts;
        RecordStream s(path);
        RawRecord r;
        std::vector<int64_t> lines;
        while (s.next(r, issues)) {
            texts.emplace_back(r.text);
            lines.push_back(r.line);
        }
        QVERIFY(s.isJsonArray());
        QCOMPARE(int(texts.size()), 3);
        QCOMPARE(texts[0], a);
        QCOMPARE(texts[1], b);
        QCOMPARE(texts[2], std::string("42"));
        QCOMPARE(lines[0], int64_t(2));
        QCOMPARE(lines[1], int64_t(3));
        QVERIFY(issues.empty());
    }
    void streamTruncatedArray() {
        QTemporaryDir dir;
        auto path = writeFile(dir, "trunc.json", "[{\"a\":1},\n{\"b\":\"unterminated");
        std::vector<StreamIssue> issues;
        std::vector<std::string> texts;
        auto recs = readAll(path, issues, texts);
        QCOMPARE(int(recs.size()), 1);
        QCOMPARE(int(issues.size()), 1);
        QCOMPARE(issues[0].line, int64_t(2));
        QVERIFY(issues[0].message.find("truncated") != std::string::npos);
    }
    // A '}' where an element should start once yielded an empty element without advancing,
    // so an import looped forever; now it is one bad element and reading goes on.
    void streamStrayCloseBraceInArray() {
        QTemporaryDir dir;
        auto path = writeFile(dir, "stray.json", "[{\"a\":1}, } ,7}\n{\"b\":2}]");
        std::vector<StreamIssue> issues;
        std::vector<std::string> texts;
        RecordStream s(path);
        RawRecord r;
        while (texts.size() < 10 && s.next(r, issues)) texts.emplace_back(r.text);
        const std::vector<std::string> want = {"{\"a\":1}", "}", "7", "}", "{\"b\":2}"};
        QCOMPARE(texts, want);
        QVERIFY(issues.empty());
    }
    // Reads of 1..64 bytes (what the fuzzer uses) split BOMs, CRLFs, records and array
    // elements across reads: every chunk size must give what the 4 MiB default gives.
    void streamChunkSizeIsInvisible() {
        QTemporaryDir dir;
        const std::vector<std::string> files = {
            writeFile(dir, "a.jsonl", "\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"b\":\"" + std::string(300, 'q') + "\"}\r\n{\"c\":3}"),
            writeFile(dir, "arr.json", "\xEF\xBB\xBF [\n  {\"s\":\"] } [ {\\\"\"},\n {\"n\":[1,{\"x\":[]}]} , 42\n]\n"),
            writeFile(dir, "long.jsonl", "{\"a\":1}\n\"" + std::string(700, 'z') + "\"\n{\"b\":2}\n"),
            writeFile(dir, "trunc.json", "[{\"a\":1},\n{\"b\":\"unterminated")};
        auto read = [](const std::string& path, size_t chunk) {
            RecordStream s(path, 512, chunk);
            std::vector<StreamIssue> issues;
            RawRecord r;
            std::string out;
            while (s.next(r, issues)) out += std::to_string(r.line) + ":" + std::string(r.text) + "\n";
            for (const auto& i : issues) out += "issue " + std::to_string(i.line) + ":" + i.message + "\n";
            return out + s.sha256();
        };
        for (const auto& f : files) {
            const std::string want = read(f, size_t(4) << 20);
            for (size_t chunk : {1, 2, 3, 5, 7, 16, 64, 511})
                QVERIFY2(read(f, chunk) == want, qPrintable(QString("%1 with %2-byte reads").arg(QString::fromStdString(f)).arg(chunk)));
        }
    }
    void streamSha256() {
        QTemporaryDir dir;
        auto path = writeFile(dir, "abc.jsonl", "abc");
        RecordStream s(path);
        RawRecord r;
        std::vector<StreamIssue> issues;
        while (s.next(r, issues)) {
        }
        // FIPS 180-2 test vector for "abc".
        QCOMPARE(s.sha256(), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }
};

QTEST_APPLESS_MAIN(TestDatasets)
#include "test_datasets.moc"
