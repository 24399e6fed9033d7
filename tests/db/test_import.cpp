// Import through the store: every format, verbatim round trip, bad lines kept apart,
// idempotent re-import, cancel and interrupted imports leave nothing half-written.
#include "../common/test_files.h"
#include "db/importer.h"
#include "import_fixtures.h"

#include <nlohmann/json.hpp>

using namespace gateau;
using db::ImportResult;
using gateau::test::writeFile;

namespace {

db::ProjectStore project(const QTemporaryDir& dir, const char* name = "p.gateau") {
    return db::ProjectStore::open(dir.filePath(name).toStdString(), true);
}

}  // namespace

class TestImport : public QObject {
    Q_OBJECT
private slots:
    void eachFormat_data() {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("samples");
        QTest::newRow("messages jsonl") << QString::fromStdString(kMessages + "\n" + kMessagesOdd + "\n") << "messages" << 2;
        QTest::newRow("sharegpt jsonl") << QString::fromStdString(kShareGpt + "\n" + kShareGpt + "\n" + kShareGpt) << "sharegpt" << 3;
        QTest::newRow("alpaca jsonl") << QString::fromStdString(kAlpaca + "\n") << "alpaca" << 1;
        QTest::newRow("messages array") << QString::fromStdString("[\n" + kMessages + ",\n" + kMessagesOdd + "\n]") << "messages" << 2;
        QTest::newRow("alpaca array") << QString::fromStdString("[" + kAlpaca + "]") << "alpaca" << 1;
    }
    void eachFormat() {
        QFETCH(QString, content);
        QFETCH(QString, format);
        QFETCH(int, samples);
        QTemporaryDir dir;
        auto file = writeFile(dir, "data.jsonl", content.toStdString());
        auto store = project(dir);
        auto r = db::importDataset(store, file);
        QCOMPARE(r.status, ImportResult::Status::Imported);
        QCOMPARE(r.format, format.toStdString());
        QCOMPARE(r.samples, int64_t(samples));
        QCOMPARE(r.errors, int64_t(0));
        QCOMPARE(store.sampleCount(), int64_t(samples));
        auto rows = store.samplesAfter(0, 100);
        QCOMPARE(int(rows.size()), samples);
        auto text = store.sampleText(rows[0].id);
        QVERIFY(text);
        QVERIFY(text->conversation.responseIndex() >= 1);
        QVERIFY(!rows[0].preview.empty());
    }
    void verbatimRoundTrip() {
        QTemporaryDir dir;
        std::vector<std::string> records = {kMessages, kMessagesOdd, kMessages + "   "};
        auto file = writeFile(dir, "v.jsonl", records[0] + "\r\n" + records[1] + "\n\n" + records[2] + "\n");
        auto store = project(dir);
        db::importDataset(store, file);
        auto rows = store.samplesAfter(0, 10);
        QCOMPARE(int(rows.size()), 3);
        QCOMPARE(store.sampleText(rows[0].id)->raw, records[0]);
        QCOMPARE(store.sampleText(rows[1].id)->raw, records[1]);
        QCOMPARE(store.sampleText(rows[2].id)->raw, kMessages);  // trailing blanks are not part of the record
        QCOMPARE(rows[1].line, int64_t(2));
        QCOMPARE(rows[2].line, int64_t(4));
        auto conv = store.sampleText(rows[1].id)->conversation;
        QCOMPARE(conv.turns[0].content, std::string("caf\xC3\xA9 \"q\" 数据\n\nWhy?"));
        QCOMPARE(conv.instructionText(), std::string("Why?"));
        QCOMPARE(rows[1].promptChars, int64_t(17));
        QCOMPARE(rows[0].externalId, std::string("m1"));
    }
    void badLinesAreReportedAndGoodOnesKept() {
        QTemporaryDir dir;
        std::string content = kMessages + "\n" + "{broken\n" + R"({"messages":[{"role":"user","content":"q"}]})" + "\n" +
                              "{\"messages\":[{\"role\":\"user\",\"content\":\"\xC3\x28\"},{\"role\":\"assistant\",\"content\":\"a\"}]}\n" +
                              kShareGpt + "\n" + kMessagesOdd + "\n";
        auto file = writeFile(dir, "bad.jsonl", content);
        auto store = project(dir);
        auto r = db::importDataset(store, file);
        QCOMPARE(r.samples, int64_t(2));
        QCOMPARE(r.errors, int64_t(4));
        QCOMPARE(int(r.issues.size()), 4);
        QCOMPARE(r.issues[0].line, int64_t(2));
        QVERIFY(r.issues[0].message.find("malformed JSON") != std::string::npos);
        QCOMPARE(r.issues[1].line, int64_t(3));
        QVERIFY(r.issues[1].message.find("no assistant turn") != std::string::npos);
        QCOMPARE(r.issues[2].line, int64_t(4));
        QCOMPARE(r.issues[2].message, std::string("invalid UTF-8"));
        QCOMPARE(r.issues[3].line, int64_t(5));
        QVERIFY2(r.issues[3].message.find("sharegpt") != std::string::npos, r.issues[3].message.c_str());
        // The report is stored with the dataset.
        auto ds = store.datasets();
        QCOMPARE(int(ds.size()), 1);
        auto report = nlohmann::json::parse(ds[0].reportJson);
        QCOMPARE(report["records_failed"].get<int>(), 4);
        QCOMPARE(report["issues"][2]["line"].get<int>(), 4);
        QCOMPARE(ds[0].errorCount, int64_t(4));
        QCOMPARE(ds[0].status, std::string("complete"));
        QCOMPARE(ds[0].format, std::string("messages"));
    }
    void formatOverride() {
        QTemporaryDir dir;
        auto file = writeFile(dir, "mixed.jsonl", kAlpaca + "\n" + kMessages + "\n");
        auto store = project(dir);
        db::ImportOptions o;
        o.format = datasets::Format::Messages;
        auto r = db::importDataset(store, file, o);
        QCOMPARE(r.samples, int64_t(1));
        QCOMPARE(r.errors, int64_t(1));
        QCOMPARE(r.issues[0].line, int64_t(1));
        QCOMPARE(r.format, std::string("messages"));
    }
    void reimportAddsNothing() {
        QTemporaryDir dir;
        auto file = writeFile(dir, "d.jsonl", kMessages + "\n" + kShareGpt + "\n");
        auto copy = writeFile(dir, "copy-elsewhere.jsonl", kMessages + "\n" + kShareGpt + "\n");
        auto store = project(dir);
        auto first = db::importDataset(store, file);
        QCOMPARE(first.status, ImportResult::Status::Imported);
        auto again = db::importDataset(store, file);
        QCOMPARE(again.status, ImportResult::Status::AlreadyImported);
        QCOMPARE(again.datasetId, first.datasetId);
        auto moved = db::importDataset(store, copy);  // same bytes under another name
        QCOMPARE(moved.status, ImportResult::Status::AlreadyImported);
        QCOMPARE(int(store.datasets().size()), 1);
        QCOMPARE(store.sampleCount(), int64_t(1));
        auto other = writeFile(dir, "other.jsonl", kMessages + "\n" + kMessagesOdd + "\n");
        QCOMPARE(db::importDataset(store, other).status, ImportResult::Status::Imported);
        QCOMPARE(store.sampleCount(), int64_t(3));
    }
    void failuresImportNothing() {
        QTemporaryDir dir;
        auto store = project(dir);
        auto expectError = [&](const std::string& path, const std::string& fragment) {
            try {
                db::importDataset(store, path);
                QFAIL(("expected an error for " + path).c_str());
            } catch (const db::ImportError& e) {
                std::string m = e.what();
                QVERIFY2(m.find(fragment) != std::string::npos, m.c_str());
                QVERIFY2(m.find(path) != std::string::npos, m.c_str());
            }
        };
        expectError(dir.filePath("missing.jsonl").toStdString(), "no such file");
        expectError(writeFile(dir, "empty.jsonl", ""), "file is empty");
        expectError(writeFile(dir, "blank.jsonl", "\n\n  \n"), "file is empty");
        expectError(writeFile(dir, "allbad.jsonl", "{x\n{y\n"), "line 1: malformed JSON");
        expectError(dir.path().toStdString(), "is a directory");
        QCOMPARE(int(store.datasets().size()), 0);
    }
    void cancelLeavesNothing() {
        QTemporaryDir dir;
        std::string content;
        for (int i = 0; i < 20000; ++i) content += kMessages + "\n";
        auto file = writeFile(dir, "big.jsonl", content);
        auto store = project(dir);
        std::atomic<bool> cancel{false};
        db::ImportOptions o;
        o.cancel = &cancel;
        o.progress = [&](const db::ImportProgress&) { cancel = true; };
        o.format = datasets::Format::Messages;
        // Cancel from the first progress report (sent after the first committed batch).
        auto r = db::importDataset(store, file, o);
        if (r.status == ImportResult::Status::Imported) QSKIP("import finished before the first progress report");
        QCOMPARE(r.status, ImportResult::Status::Cancelled);
        QCOMPARE(int(store.datasets().size()), 0);
        QCOMPARE(store.sampleCount(), int64_t(0));
        auto st = store.db().prepare("SELECT count(*) FROM sample_texts");
        st.step();
        QCOMPARE(st.int64(0), int64_t(0));
    }
    void interruptedImportIsReplaced() {
        QTemporaryDir dir;
        auto file = writeFile(dir, "i.jsonl", kMessages + "\n" + kAlpaca + "\n");
        auto store = project(dir);
        std::string abs = QFileInfo(QString::fromStdString(file)).absoluteFilePath().toStdString();
        // What a killed import leaves: a dataset still 'importing' with some committed samples.
        auto ins = store.db().prepare(
            "INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at) VALUES (9, ?1, 'i.jsonl', 1, 'auto', 'importing', 't')");
        ins.bind(1, abs).run();
        store.db().exec("INSERT INTO samples(dataset_id, line, turns, prompt_chars, response_chars, preview) VALUES (9, 1, 2, 1, 1, 'p')");
        QCOMPARE(store.sampleCount(), int64_t(0));
        QCOMPARE(int(store.samplesAfter(0, 10).size()), 0);  // partial imports are never shown
        auto r = db::importDataset(store, file);
        QCOMPARE(r.status, ImportResult::Status::Imported);
        auto ds = store.datasets();
        QCOMPARE(int(ds.size()), 1);
        QVERIFY(ds[0].id != 9);
        QCOMPARE(store.sampleCount(), int64_t(1));
        QCOMPARE(r.errors, int64_t(1));  // the alpaca line does not match the detected format
    }
    void progressReportsBytes() {
        QTemporaryDir dir;
        std::string content;
        for (int i = 0; i < 3000; ++i) content += kMessagesOdd + "\n";
        auto file = writeFile(dir, "p.jsonl", content);
        auto store = project(dir);
        db::ImportOptions o;
        uint64_t last = 0;
        int calls = 0;
        o.progress = [&](const db::ImportProgress& p) {
            QVERIFY(p.bytesRead >= last);
            last = p.bytesRead;
            ++calls;
        };
        auto r = db::importDataset(store, file, o);
        QVERIFY(calls >= 1);
        QCOMPARE(last, uint64_t(content.size()));
        QCOMPARE(r.samples, int64_t(3000));
    }
};

QTEST_APPLESS_MAIN(TestImport)
#include "test_import.moc"
