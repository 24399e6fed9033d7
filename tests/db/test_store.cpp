// The project file: schema versioning, foreign and newer files refused untouched, override history.
#include "../common/test_files.h"
#include "db/project_store.h"
#include "db/schema.h"
#include "db/workers.h"

#include <unistd.h>

#include <sqlite3.h>

using namespace gateau::db;

namespace {
int pragma(const std::string& path, const char* name) {
    Database db(path, false);
    auto st = db.prepare(std::string("PRAGMA ") + name);
    st.step();
    return int(st.int64(0));
}
}  // namespace

class TestStore : public QObject {
    Q_OBJECT
private slots:
    void freshProjectHasCurrentSchema() {
        QTemporaryDir dir;
        std::string path = dir.filePath("p.gateau").toStdString();
        { auto s = ProjectStore::open(path, true); QCOMPARE(s.sampleCount(), int64_t(0)); }
        QCOMPARE(pragma(path, "user_version"), schemaVersion());
        QCOMPARE(pragma(path, "application_id"), kApplicationId);
        QCOMPARE(pragma(path, "page_size"), 16384);
        // Reopening runs no migration and keeps the version.
        { auto s = ProjectStore::open(path, false); }
        QCOMPARE(pragma(path, "user_version"), schemaVersion());
        Database db(path, false);
        auto st = db.prepare("PRAGMA journal_mode");
        st.step();
        QCOMPARE(st.text(0), std::string("wal"));
    }
    // The rule that lets a process take over what a killed one held (docs/store.md).
    void workersTellLiveFromDead() {
        QTemporaryDir dir;
        auto store = ProjectStore::open(dir.filePath("w.gateau").toStdString(), true);
        Database& db = store.db();
        WorkerLease me(db, "test");
        QVERIFY(!workerIsDead(db, me.id()));
        QVERIFY(workerIsDead(db, me.id() + 100));  // no row
        auto add = [&](const std::string& host, int64_t pid, const std::string& start, const std::string& beat) {
            db.prepare("INSERT INTO workers(host, pid, pid_start, task, started_at, heartbeat_at) VALUES (?1, ?2, ?3, 't', ?4, ?4)")
                .bind(1, host).bind(2, pid).bind(3, start).bind(4, beat).run();
            return db.lastInsertId();
        };
        const std::string host = gateau::util::hostName(), now = utcNow();
        const std::string myStart = gateau::util::processStartTime(::getpid());
        QVERIFY(!myStart.empty());
        QVERIFY(workerIsDead(db, add(host, 999999999, "", now)));          // no such pid here
        QVERIFY(workerIsDead(db, add(host, ::getpid(), myStart + "1", now)));  // the pid was reused
        QVERIFY(!workerIsDead(db, add(host, ::getpid(), myStart, now)));
        QVERIFY(!workerIsDead(db, add("elsewhere", 1, "", now)));  // another host: the heartbeat decides
        const int64_t stale = add("elsewhere", 1, "", "2020-01-01T00:00:00.000Z");
        QVERIFY(workerIsDead(db, stale));
        // Reaping deletes dead rows and keeps live ones.
        {
            Transaction tx(db);
            reapDeadWorkers(db);
            tx.commit();
        }
        auto st = db.prepare("SELECT count(*) FROM workers");
        QVERIFY(st.step());
        QCOMPARE(st.int64(0), int64_t(3));  // me, my pid with the right start, the fresh remote one
    }
    void missingProjectIsAnError() {
        QTemporaryDir dir;
        std::string path = dir.filePath("none.gateau").toStdString();
        try {
            ProjectStore::open(path, false);
            QFAIL("expected an error");
        } catch (const DbError& e) {
            QVERIFY(std::string(e.what()).find("none.gateau") != std::string::npos);
        }
        QVERIFY(!QFile::exists(QString::fromStdString(path)));
    }
    void newerSchemaRefusedUntouched() {
        QTemporaryDir dir;
        std::string path = dir.filePath("new.gateau").toStdString();
        { auto s = ProjectStore::open(path, true); }
        {
            Database db(path, false);
            db.exec(("PRAGMA user_version = " + std::to_string(schemaVersion() + 1)).c_str());
            db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        std::string before = gateau::test::readFile(path);
        try {
            ProjectStore::open(path, false);
            QFAIL("a newer project must be refused");
        } catch (const DbError& e) {
            std::string m = e.what();
            QVERIFY2(m.find("newer than this Gateau") != std::string::npos, m.c_str());
            QVERIFY(m.find("new.gateau") != std::string::npos);
        }
        QCOMPARE(gateau::test::readFile(path), before);
    }
    void foreignFilesRefused() {
        QTemporaryDir dir;
        std::string text = gateau::test::writeFile(dir, "notes.gateau", "just some text, not a database at all......");
        try {
            ProjectStore::open(text, false);
            QFAIL("a text file is not a project");
        } catch (const DbError& e) {
            QVERIFY2(std::string(e.what()).find("not a Gateau project") != std::string::npos, e.what());
        }
        QCOMPARE(gateau::test::readFile(text), std::string("just some text, not a database at all......"));

        std::string other = dir.filePath("other.db").toStdString();
        { Database db(other, true); db.exec("CREATE TABLE t(x)"); }
        try {
            ProjectStore::open(other, false);
            QFAIL("another program's SQLite file is not a project");
        } catch (const DbError& e) {
            QVERIFY2(std::string(e.what()).find("another program") != std::string::npos, e.what());
        }
    }
    void overrideHistoryIsKept() {
        QTemporaryDir dir;
        auto s = ProjectStore::open(dir.filePath("o.gateau").toStdString(), true);
        auto& db = s.db();
        db.exec("INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at) VALUES (1, '/x', 'x', 1, 'messages', 'complete', 't')");
        db.exec("INSERT INTO samples(id, dataset_id, line, turns, prompt_chars, response_chars, preview) VALUES (5, 1, 1, 2, 3, 4, 'p')");
        QVERIFY(!s.currentOverride(5));
        s.addOverride(5, Decision::Keep, "good");
        s.addOverride(5, Decision::Drop, "on second thought");
        s.addOverride(5, Decision::None, "");
        auto cur = s.currentOverride(5);
        QVERIFY(cur);
        QCOMPARE(cur->decision, Decision::None);
        auto h = s.overrideHistory(5);
        QCOMPARE(int(h.size()), 3);
        QCOMPARE(h[0].decision, Decision::Keep);
        QCOMPARE(h[0].note, std::string("good"));
        QCOMPARE(h[1].decision, Decision::Drop);
        QVERIFY(h[0].createdAt <= h[2].createdAt);
        // The CHECK constraint keeps garbage out even through raw SQL.
        bool threw = false;
        try {
            db.exec("INSERT INTO overrides(sample_id, decision, created_at) VALUES (5, 'maybe', 't')");
        } catch (const DbError&) {
            threw = true;
        }
        QVERIFY(threw);
    }
    void boundParametersAreNotSql() {
        QTemporaryDir dir;
        auto s = ProjectStore::open(dir.filePath("q.gateau").toStdString(), true);
        auto& db = s.db();
        db.exec("INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at) VALUES (1, '/x', 'x', 1, 'messages', 'complete', 't')");
        db.exec("INSERT INTO samples(id, dataset_id, line, turns, prompt_chars, response_chars, preview) VALUES (1, 1, 1, 2, 3, 4, 'p')");
        s.addOverride(1, Decision::Keep, "'); DROP TABLE samples; --");
        QCOMPARE(s.overrideHistory(1)[0].note, std::string("'); DROP TABLE samples; --"));
        QCOMPARE(int(s.samplesAfter(0, 10).size()), 1);
    }
};

QTEST_APPLESS_MAIN(TestStore)
#include "test_store.moc"
