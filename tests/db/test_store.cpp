// The project file: schema versioning, foreign and newer files refused untouched, override history.
#include "../common/test_files.h"
#include "db/annotations.h"
#include "db/team_review.h"
#include "db/project_store.h"
#include "db/schema.h"
#include "db/workers.h"

#include <unistd.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

using namespace gateau::db;

namespace {
int pragma(const std::string& path, const char* name) {
    Database db(path, false);
    auto st = db.prepare(std::string("PRAGMA ") + name);
    st.step();
    return int(st.int64(0));
}

// SQL run through a bare connection, as another program (or an attacker) would.
void rawExec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    QVERIFY2(rc == SQLITE_OK, msg.c_str());
}

int64_t rawCount(const std::string& path, const std::string& sql) {
    Database db(path, false);
    auto st = db.prepare(sql);
    st.step();
    return st.int64(0);
}

void addSample(ProjectStore& s) {
    s.db().exec("INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at) VALUES (1, '/x', 'x', 1, 'messages', 'complete', 't')");
    s.db().exec("INSERT INTO samples(id, dataset_id, line, turns, prompt_chars, response_chars, preview) VALUES (1, 1, 1, 2, 3, 4, 'p')");
}

// Runs f without write permission on files it does not own: as user nobody when the test
// runs as root (root ignores file modes), else in this process. Returns f's result.
int unprivileged(const std::function<int()>& f) {
    if (geteuid() != 0) return f();
    const pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(99);
        _exit(f());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
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
    // Migration 6 on a version-5 project keeps its overrides (annotator "") and offers the
    // default label set; labels, tags and evidence keep every change with its author.
    void annotationsKeepHistoryAndAuthors() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("a.gateau").toStdString();
        {
            Database db(path, OpenMode::Create);
            migrate(db, 5);
            db.exec("INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at) VALUES (1, '/x', 'x', 1, 'messages', 'complete', 't')");
            db.exec("INSERT INTO samples(id, dataset_id, line, turns, prompt_chars, response_chars, preview) VALUES (5, 1, 1, 2, 3, 4, 'p')");
            db.exec("INSERT INTO overrides(sample_id, decision, note, created_at) VALUES (5, 'keep', 'old', 't')");
        }
        auto s = ProjectStore::open(path, false);
        QCOMPARE(pragma(path, "user_version"), schemaVersion());
        QCOMPARE(s.currentOverride(5)->note, std::string("old"));
        QCOMPARE(overrideAnnotators(s, 5), std::vector<std::string>{""});
        QCOMPARE(labelSet(s), (std::vector<std::string>{"answer not in context", "truncated", "duplicate"}));
        // Migration 7: the unnamed row is the one decision until a named row supersedes it.
        QVERIFY((teamVotesOf(s, 5).votes == std::map<std::string, Decision>{{"", Decision::Keep}}));
        QVERIFY(teamVotesOf(s, 5).effective() == Decision::Keep);
        QVERIFY(teamVotesOf(s, 5).ownVote("ann") == Decision::Keep);  // adopted by ann's first edit

        addOverrideBy(s, 5, Decision::Drop, "new", "ann");
        QCOMPARE(s.currentOverride(5)->decision, Decision::Drop);
        QCOMPARE(overrideAnnotators(s, 5), (std::vector<std::string>{"", "ann"}));
        QVERIFY((teamVotesOf(s, 5).votes == std::map<std::string, Decision>{{"ann", Decision::Drop}}));
        // A second annotator's contrary decision disputes the sample; an adjudication settles
        // it, and withdrawing the adjudication (none) brings the dispute back.
        addOverrideBy(s, 5, Decision::Keep, "", "bo");
        QVERIFY(teamVotesOf(s, 5).disputed());
        QVERIFY(teamVotesOf(s, 5).effective() == Decision::None);
        addAdjudication(s, 5, Decision::Keep, "cites it", "lead");
        QVERIFY(teamVotesOf(s, 5).effective() == Decision::Keep);
        QCOMPARE(teamVotesOf(s, 5).adjudicationNote, std::string("cites it"));
        QCOMPARE(teamVotes(s).at(5).adjudicator, std::string("lead"));
        addAdjudication(s, 5, Decision::None, "", "lead");
        QVERIFY(!teamVotesOf(s, 5).isAdjudicated());
        QVERIFY(teamVotesOf(s, 5).effective() == Decision::None);
        addOverrideBy(s, 5, Decision::None, "", "bo");  // bo withdraws: ann's drop alone applies
        QVERIFY(teamVotesOf(s, 5).effective() == Decision::Drop);
        QCOMPARE(annotatorsOf(s), std::vector<std::string>{"ann"});

        Annotations a;
        a.labels = {"truncated"};
        a.tags = {"b", "a"};
        a.evidenceStart = 3;
        a.evidenceEnd = 9;
        writeAnnotationChange(s, 5, Annotations{}, a, "ann");
        Annotations got = annotationsOf(s, 5);
        QCOMPARE(got.labels, std::vector<std::string>{"truncated"});
        QCOMPARE(got.tags, (std::vector<std::string>{"a", "b"}));  // sorted
        QCOMPARE(got.evidenceStart, int64_t(3));
        QCOMPARE(got.evidenceEnd, int64_t(9));
        QCOMPARE(currentAnnotations(s).size(), size_t(1));
        // Undo: back to nothing, by appending rows.
        writeAnnotationChange(s, 5, got, Annotations{}, "bob");
        QVERIFY(annotationsOf(s, 5).empty());
        QVERIFY(currentAnnotations(s).empty());
        auto rows = s.db().prepare("SELECT count(*), count(DISTINCT annotator) FROM sample_marks WHERE sample_id = 5");
        QVERIFY(rows.step());
        QCOMPARE(rows.int64(0), int64_t(6));  // 3 given, 3 taken off
        QCOMPARE(rows.int64(1), int64_t(2));
        auto ev = s.db().prepare("SELECT count(*) FROM evidence WHERE sample_id = 5");
        QVERIFY(ev.step());
        QCOMPARE(ev.int64(0), int64_t(2));

        // Bad names and spans are refused with the reason.
        for (const char* bad : {"", "  ", "a;b", "tab\there"}) {
            try {
                setMark(s, 5, MarkKind::Tag, bad, true, "ann");
                QFAIL(bad);
            } catch (const DbError& e) {
                QVERIFY2(std::string(e.what()).find("tag") != std::string::npos, e.what());
            }
        }
        try {
            setEvidence(s, 5, 9, 3, "ann");
            QFAIL("reversed span");
        } catch (const DbError& e) {
            QVERIFY(std::string(e.what()).find("reversed") != std::string::npos);
        }
        try {
            setLabelSet(s, {"x", " x "});
            QFAIL("duplicate label");
        } catch (const DbError& e) {
            QVERIFY(std::string(e.what()).find("twice") != std::string::npos);
        }
        setLabelSet(s, {" off topic ", "dup"});
        QCOMPARE(labelSet(s), (std::vector<std::string>{"off topic", "dup"}));
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
    // A project from elsewhere: each crafted object is refused by name, the file untouched.
    void foreignSchemaObjectsRefused_data() {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QString>("named");
        QTest::newRow("trigger on samples")
            << "CREATE TABLE marker(x); CREATE TRIGGER evil AFTER INSERT ON samples BEGIN INSERT INTO marker VALUES ('fired'); END;"
            << "trigger \"evil\" on \"samples\"";
        QTest::newRow("trigger on sample_scores")
            << "CREATE TRIGGER t2 BEFORE INSERT ON sample_scores BEGIN SELECT 1; END;" << "trigger \"t2\" on \"sample_scores\"";
        QTest::newRow("view") << "CREATE VIEW v AS SELECT * FROM datasets;" << "view \"v\"";
        QTest::newRow("table") << "CREATE TABLE extra(x);" << "table \"extra\"";
        QTest::newRow("index") << "CREATE INDEX samples_preview ON samples(preview);" << "index \"samples_preview\" on \"samples\"";
        QTest::newRow("altered table") << "ALTER TABLE runs ADD COLUMN note TEXT;" << "table \"runs\" differs";
        QTest::newRow("dropped index") << "DROP INDEX samples_dataset;" << "index \"samples_dataset\" on \"samples\" is missing";
    }
    void foreignSchemaObjectsRefused() {
        QFETCH(QString, sql);
        QFETCH(QString, named);
        QTemporaryDir dir;
        std::string path = dir.filePath("evil.gateau").toStdString();
        { auto s = ProjectStore::open(path, true); }
        rawExec(path, sql.toStdString() + "PRAGMA wal_checkpoint(TRUNCATE);");
        const std::string before = gateau::test::readFile(path);
        for (bool readOnly : {false, true}) {
            try {
                if (readOnly) ProjectStore::openReadOnly(path);
                else ProjectStore::open(path, false);
                QFAIL("a project with foreign schema objects must be refused");
            } catch (const DbError& e) {
                const std::string m = e.what();
                QVERIFY2(m.find(named.toStdString()) != std::string::npos, m.c_str());
                QVERIFY2(m.find("evil.gateau") != std::string::npos, m.c_str());
            }
        }
        QCOMPARE(gateau::test::readFile(path), before);
    }
    // Defence in depth: even past the schema check, a connection never runs a file's triggers.
    void connectionsRunNoTriggers() {
        QTemporaryDir dir;
        std::string path = dir.filePath("t.gateau").toStdString();
        { auto s = ProjectStore::open(path, true); }
        rawExec(path, "CREATE TABLE marker(x); CREATE TRIGGER evil AFTER INSERT ON datasets BEGIN INSERT INTO marker VALUES ('fired'); END;");
        rawExec(path, "INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at) VALUES (7, '/x', 'x', 1, 'messages', 'complete', 't')");
        QCOMPARE(rawCount(path, "SELECT count(*) FROM marker"), int64_t(1));  // a bare connection fires it
        {
            Database db(path, false);
            db.exec("INSERT INTO datasets(id, path, name, size_bytes, format, status, imported_at) VALUES (8, '/x', 'x', 1, 'messages', 'complete', 't')");
        }
        QCOMPARE(rawCount(path, "SELECT count(*) FROM marker"), int64_t(1));
        QCOMPARE(rawCount(path, "SELECT count(*) FROM datasets"), int64_t(2));
    }
    // Commands that only read work on a read-only project (file and folder); writing
    // commands say that the file is read-only, naming it.
    void readOnlyProjectCanBeRead() {
        QTemporaryDir dir;
        const std::string folder = dir.filePath("ro").toStdString();
        QVERIFY(QDir().mkpath(QString::fromStdString(folder)));
        const std::string path = folder + "/ro.gateau";
        {
            auto s = ProjectStore::open(path, true);
            addSample(s);
            s.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        QCOMPARE(::chmod(path.c_str(), 0444), 0);
        QCOMPARE(::chmod(folder.c_str(), 0555), 0);
        QCOMPARE(::chmod(dir.path().toUtf8().constData(), 0755), 0);
        const int readCode = unprivileged([&] {
            try {
                auto s = ProjectStore::openReadOnly(path);
                return s.datasets().size() == 1 && s.samplesAfter(0, 10).size() == 1 ? 0 : 2;
            } catch (const std::exception& e) {
                std::fprintf(stderr, "read-only open: %s\n", e.what());
                return 3;
            }
        });
        const int writeCode = unprivileged([&] {
            try {
                auto s = ProjectStore::open(path, false);
                s.addOverride(1, Decision::Keep, "");
                return 2;
            } catch (const DbError& e) {
                const std::string m = e.what();
                std::fprintf(stderr, "write: %s\n", e.what());
                return m.find("ro.gateau") != std::string::npos && m.find("read-only") != std::string::npos ? 0 : 3;
            }
        });
        ::chmod(folder.c_str(), 0755);
        QCOMPARE(readCode, 0);
        QCOMPARE(writeCode, 0);
    }
    // A truncated file: the error names it and says what to do, whichever call meets it.
    void truncatedProjectNamedWithAdvice() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("cut.gateau").toStdString();
        {
            auto s = ProjectStore::open(path, true);
            addSample(s);
            auto ins = s.db().prepare("INSERT INTO overrides(sample_id, decision, note, created_at) VALUES (1, 'keep', ?1, 't')");
            for (int i = 0; i < 400; ++i) ins.bind(1, std::string(1000, char('a' + i % 26))).run();
            s.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        const auto size = QFileInfo(QString::fromStdString(path)).size();
        QVERIFY(size > 16384 * 8);
        QVERIFY(QFile::resize(QString::fromStdString(path), size / 2));
        try {
            auto s = ProjectStore::openReadOnly(path);
            s.overrideHistory(1);
            s.db().exec("PRAGMA integrity_check");
            QFAIL("a truncated project must report an error");
        } catch (const DbError& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("cut.gateau") != std::string::npos, m.c_str());
            QVERIFY2(m.find("damaged") != std::string::npos && m.find("backup") != std::string::npos, m.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestStore)
#include "test_store.moc"
