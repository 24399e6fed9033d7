// Import through the store: every format, verbatim round trip, bad lines kept apart,
// idempotent re-import, cancel and interrupted imports leave nothing half-written.
#include "../common/test_files.h"
#include "core/util/process_identity.h"
#include "db/content_hash.h"
#include "db/dataset_admin.h"
#include "db/importer.h"
#include "db/run_store.h"
#include "db/schema.h"
#include "import_fixtures.h"

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

using namespace gateau;
using db::ImportResult;
using gateau::test::writeFile;

namespace {

db::ProjectStore project(const QTemporaryDir& dir, const char* name = "p.gateau") {
    return db::ProjectStore::open(dir.filePath(name).toStdString(), true);
}

int64_t countRows(db::ProjectStore& store, const std::string& sql) {
    auto st = store.db().prepare(sql);
    st.step();
    return st.int64(0);
}

// A dataset left 'importing' with `samples` committed samples, as a process that was killed
// (or is still running) leaves it; `report` says who imports it.
// A worker row (db/workers.h) as an import in another process would leave it.
int64_t addWorker(db::ProjectStore& store, int64_t pid, const std::string& host) {
    store.db()
        .prepare("INSERT INTO workers(host, pid, pid_start, task, started_at, heartbeat_at) VALUES (?1, ?2, ?3, 'import', ?4, ?4)")
        .bind(1, host).bind(2, pid).bind(3, util::processStartTime(pid)).bind(4, db::utcNow()).run();
    return store.db().lastInsertId();
}

// A dataset still `importing`, owned by `worker` (0: none, as a killed import leaves it).
void addImporting(db::ProjectStore& store, int64_t id, int64_t worker, int samples) {
    auto ins = store.db().prepare(
        "INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at, worker_id) "
        "VALUES (?1, '/x/' || ?1, 'part' || ?1 || '.jsonl', 1, 'auto', 'importing', 't', ?2)");
    ins.bind(1, id);
    if (worker) ins.bind(2, worker);
    ins.run();
    for (int i = 0; i < samples; ++i) {
        auto s = store.db().prepare(
            "INSERT INTO samples(dataset_id, line, turns, prompt_chars, response_chars, preview) VALUES (?1, ?2, 2, 1, 1, 'p')");
        s.bind(1, id).bind(2, i + 1).run();
        auto t = store.db().prepare("INSERT INTO sample_texts(sample_id, raw) VALUES (?1, '{}')");
        t.bind(1, store.db().lastInsertId()).run();
    }
}

// The PID of a process that has exited (and been reaped): certainly not importing.
int64_t deadPid() {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
    return pid;
}

std::string messagesRecord(int i, const char* spacing = "") {
    const std::string n = std::to_string(i);
    return std::string("{\"id\":\"r") + n + "\"," + spacing + "\"messages\":[{\"role\":\"user\",\"content\":\"Context " + n +
           ".\\n\\nQuestion " + n + "?\"}," + spacing + "{\"role\":\"assistant\",\"content\":\"Answer " + n + ".\"}]}";
}

std::string shareGptRecord(int i) {
    const std::string n = std::to_string(i);
    return "{\"conversations\":[{\"from\":\"human\",\"value\":\"Context " + n + ".\\n\\nQuestion " + n +
           "?\"},{\"from\":\"gpt\",\"value\":\"Answer " + n + ".\"}]}";
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
        QTest::newRow("sharegpt jsonl") << QString::fromStdString(kShareGpt + "\n" + shareGptRecord(1) + "\n" + shareGptRecord(2)) << "sharegpt" << 3;
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
        std::vector<std::string> records = {kMessages, kMessagesOdd, messagesRecord(7) + "   "};
        auto file = writeFile(dir, "v.jsonl", records[0] + "\r\n" + records[1] + "\n\n" + records[2] + "\n");
        auto store = project(dir);
        db::importDataset(store, file);
        auto rows = store.samplesAfter(0, 10);
        QCOMPARE(int(rows.size()), 3);
        QCOMPARE(store.sampleText(rows[0].id)->raw, records[0]);
        QCOMPARE(store.sampleText(rows[1].id)->raw, records[1]);
        QCOMPARE(store.sampleText(rows[2].id)->raw, messagesRecord(7));  // trailing blanks are not part of the record
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
        auto r = db::importDataset(store, other);
        QCOMPARE(r.status, ImportResult::Status::Imported);
        QCOMPARE(r.duplicates, int64_t(1));  // kMessages is already in the project
        QCOMPARE(store.sampleCount(), int64_t(2));
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
        for (int i = 0; i < 20000; ++i) content += messagesRecord(i) + "\n";
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
    // Killed imports of any file are removed by the next import, live ones never.
    void interruptedImportsOfOtherFilesAreRemoved() {
        QTemporaryDir dir;
        auto file = writeFile(dir, "new.jsonl", kMessages + "\n");
        auto store = project(dir);
        const std::string here = util::hostName();
        addImporting(store, 9, addWorker(store, deadPid(), here), 3);         // killed, this host
        addImporting(store, 10, addWorker(store, getpid(), here), 2);         // live: this very process
        addImporting(store, 11, 0, 4);                                        // no worker left
        addImporting(store, 12, addWorker(store, getpid(), "other-host"), 1);  // another machine, recent heartbeat
        auto r = db::importDataset(store, file);
        QCOMPARE(r.status, ImportResult::Status::Imported);
        QCOMPARE(int(r.removedInterrupted.size()), 2);
        QCOMPARE(r.removedInterrupted[0].id, int64_t(9));
        QCOMPARE(r.removedInterrupted[0].samples, int64_t(3));
        QCOMPARE(r.removedInterrupted[1].id, int64_t(11));
        QCOMPARE(db::describeRemoved(r.removedInterrupted),
                 std::string("removed 2 interrupted imports (#9 part9.jsonl, #11 part11.jsonl; 7 partial samples)"));
        std::vector<int64_t> left;
        for (const auto& d : store.datasets()) left.push_back(d.id);
        QCOMPARE(left, (std::vector<int64_t>{10, 12, r.datasetId}));
        QCOMPARE(countRows(store, "SELECT count(*) FROM samples WHERE dataset_id IN (9, 11)"), int64_t(0));
        QCOMPARE(countRows(store, "SELECT count(*) FROM sample_texts"), int64_t(2 + 1 + 1));
        const auto usage = db::datasetUsage(store);
        QCOMPARE(usage[0].state, std::string("importing"));
        QCOMPARE(usage[1].state, std::string("elsewhere"));
        QCOMPARE(usage[2].state, std::string("complete"));
    }
    // One dataset goes with its samples, texts, scores and overrides; the others stay whole.
    void deleteDatasetRemovesItsRows() {
        QTemporaryDir dir;
        std::string a, b;
        for (int i = 0; i < 5; ++i) a += messagesRecord(i) + "\n";
        for (int i = 0; i < 3; ++i) b += shareGptRecord(100 + i) + "\n";
        auto store = project(dir);
        const int64_t da = db::importDataset(store, writeFile(dir, "a.jsonl", a)).datasetId;
        const int64_t dbId = db::importDataset(store, writeFile(dir, "b.jsonl", b)).datasetId;
        const auto run = db::createOrFindRun(store, "{\"x\":1}");
        for (const auto& s : store.samplesAfter(0, 100)) {
            db::saveFailure(store, run.id, s.id, "test");
            store.addOverride(s.id, db::Decision::Keep, "");
        }
        const int64_t firstOfA = store.samplesAfter(0, 1)[0].id;
        store.addOverride(firstOfA, db::Decision::Drop, "");
        auto r = db::deleteDataset(store, da);
        QCOMPARE(r.samples, int64_t(5));
        QCOMPARE(r.scores, int64_t(5));
        QCOMPARE(r.overrides, int64_t(6));
        QCOMPARE(r.name, std::string("a.jsonl"));
        QCOMPARE(int(store.datasets().size()), 1);
        QCOMPARE(store.datasets()[0].id, dbId);
        QCOMPARE(countRows(store, "SELECT count(*) FROM samples"), int64_t(3));
        QCOMPARE(countRows(store, "SELECT count(*) FROM sample_texts"), int64_t(3));
        QCOMPARE(countRows(store, "SELECT count(*) FROM sample_scores"), int64_t(3));
        QCOMPARE(countRows(store, "SELECT count(*) FROM overrides"), int64_t(3));
        QCOMPARE(countRows(store, "SELECT count(*) FROM pragma_foreign_key_check"), int64_t(0));
        QCOMPARE(countRows(store, "SELECT foreign_keys FROM pragma_foreign_keys"), int64_t(1));  // back on
        QCOMPARE(db::listRuns(store)[0].failed, int64_t(3));
        try {
            db::deleteDataset(store, da);
            QFAIL("deleting a dataset twice must fail");
        } catch (const db::DbError& e) {
            QVERIFY2(std::string(e.what()).find("no dataset #" + std::to_string(da)) != std::string::npos, e.what());
        }
    }
    void deleteRefusesLiveImports() {
        QTemporaryDir dir;
        auto store = project(dir);
        addImporting(store, 10, addWorker(store, getpid(), util::hostName()), 2);
        addImporting(store, 12, addWorker(store, 4242, "other-host"), 1);
        for (int64_t id : {10, 12}) {
            try {
                db::deleteDataset(store, id);
                QFAIL("a dataset being imported must not be deleted");
            } catch (const db::DbError& e) {
                const std::string m = e.what();
                QVERIFY2(m.find("being imported by process") != std::string::npos, e.what());
                QVERIFY2(id == 10 || m.find("--force") != std::string::npos, e.what());
            }
        }
        QCOMPARE(int(store.datasets().size()), 2);
        QCOMPARE(db::deleteDataset(store, 12, true).samples, int64_t(1));
        QCOMPARE(int(store.datasets().size()), 1);
    }
    // Appending to a file and importing it again adds only the new records; the same
    // conversation from another file, format, id or spacing is the same sample.
    void duplicatesAreSkippedFromAnyFile() {
        QTemporaryDir dir;
        auto store = project(dir);
        std::string lines;
        for (int i = 0; i < 150; ++i) lines += messagesRecord(i) + "\n";
        auto file = writeFile(dir, "grow.jsonl", lines);
        QCOMPARE(db::importDataset(store, file).samples, int64_t(150));
        for (int i = 150; i < 250; ++i) lines += messagesRecord(i) + "\n";
        writeFile(dir, "grow.jsonl", lines);
        auto r = db::importDataset(store, file);
        QCOMPARE(r.status, ImportResult::Status::Imported);
        QCOMPARE(r.samples, int64_t(100));
        QCOMPARE(r.duplicates, int64_t(150));
        QCOMPARE(r.duplicateExamples.size(), size_t(20));
        QCOMPARE(r.duplicateExamples[0].line, int64_t(1));
        QCOMPARE(r.duplicateExamples[0].message, std::string("already in the project (dataset #1 line 1)"));
        QCOMPARE(store.sampleCount(), int64_t(250));
        QCOMPARE(countRows(store, "SELECT count(DISTINCT content_hash) FROM samples"), int64_t(250));
        QCOMPARE(nlohmann::json::parse(r.reportJson)["duplicates"].get<int>(), 150);
        QCOMPARE(store.samplesAfter(0, 1000).back().line, int64_t(250));

        // Every record already there, in another format, spacing and without ids: nothing added.
        auto other = writeFile(dir, "other.jsonl", shareGptRecord(3) + "\n" + shareGptRecord(200) + "\n");
        r = db::importDataset(store, other);
        QCOMPARE(r.status, ImportResult::Status::AlreadyImported);
        QCOMPARE(r.duplicates, int64_t(2));
        QCOMPARE(r.datasetId, int64_t(1));
        QCOMPARE(int(store.datasets().size()), 2);
        auto spaced = writeFile(dir, "spaced.jsonl", messagesRecord(5, "  ") + "\n");
        QCOMPARE(db::importDataset(store, spaced).status, ImportResult::Status::AlreadyImported);

        // Twice in one file: the second is skipped, naming the first.
        auto twice = writeFile(dir, "twice.jsonl", messagesRecord(300) + "\n" + messagesRecord(301) + "\n" + messagesRecord(300) + "\n");
        r = db::importDataset(store, twice);
        QCOMPARE(r.samples, int64_t(2));
        QCOMPARE(r.duplicates, int64_t(1));
        QCOMPARE(r.duplicateExamples[0].line, int64_t(3));
        QCOMPARE(r.duplicateExamples[0].message, "already in the project (dataset #" + std::to_string(r.datasetId) + " line 1)");
    }
    // Projects imported before content hashes get theirs in migration 5.
    void migrationHashesExistingSamples() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("v3.gateau").toStdString();
        {
            db::Database d(path, true);
            db::migrate(d, 4);
            d.exec("INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at) VALUES (1, '/x', 'x', 1, 'messages', 'complete', 't')");
            auto ins = d.prepare("INSERT INTO samples(id, dataset_id, line, turns, prompt_chars, response_chars, preview) VALUES (?1, 1, ?1, 2, 1, 1, 'p')");
            auto txt = d.prepare("INSERT INTO sample_texts(sample_id, raw) VALUES (?1, ?2)");
            for (int i = 1; i <= 3; ++i) {
                ins.bind(1, i).run();
                txt.bind(1, i).bind(2, i == 3 ? std::string("{not json") : messagesRecord(i)).run();
            }
        }
        auto store = db::ProjectStore::open(path, false);
        QCOMPARE(countRows(store, "SELECT count(*) FROM samples WHERE content_hash IS NOT NULL"), int64_t(2));
        auto st = store.db().prepare("SELECT content_hash FROM samples WHERE id = 2");
        QVERIFY(st.step());
        QCOMPARE(st.text(0), db::contentHash(store.sampleText(2)->conversation));
        st.reset();
        auto r = db::importDataset(store, writeFile(dir, "again.jsonl", messagesRecord(2) + "\n" + messagesRecord(9) + "\n"));
        QCOMPARE(r.samples, int64_t(1));
        QCOMPARE(r.duplicates, int64_t(1));
    }
    void progressReportsBytes() {
        QTemporaryDir dir;
        std::string content;
        for (int i = 0; i < 3000; ++i) content += messagesRecord(i) + "\n";
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
