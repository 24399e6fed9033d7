#include "db/sqlite.h"
#include "db/sql_observer.h"

#include <sqlite3.h>

#include <atomic>
#include <cctype>
#include <cstring>

namespace gateau::db {

namespace {
std::atomic<SqlObserver> sqlObserver{nullptr};
void observe(std::string_view sql) {
    if (SqlObserver o = sqlObserver.load(std::memory_order_relaxed)) o(sql);
}
}  // namespace

void setSqlObserver(SqlObserver observer) { sqlObserver.store(observer); }

namespace {

// What the user can do about the errors that are about the file rather than the SQL.
const char* advice(int code) {
    switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return "the project file is damaged (truncated or overwritten); restore it from a backup, or salvage what "
               "is readable with `sqlite3 FILE .recover | sqlite3 NEW.gateau`";
    case SQLITE_READONLY:
        return "the project file (or its folder, which holds the -wal and -shm files) is read-only; make it "
               "writable or use a command that only reads";
    case SQLITE_CANTOPEN:
        return "cannot open the project file or its -wal/-shm files beside it; check that the file and its folder "
               "exist and are readable (and writable for commands that change the project)";
    case SQLITE_FULL: return "the disk is full; free some space and run the command again";
    case SQLITE_IOERR: return "the disk or file system reported an I/O error";
    default: return nullptr;
    }
}

// sqlite's message for the connection's last error, with the file named and advice added
// when the problem is the file (damaged, read-only, full disk) rather than the statement.
std::string describeError(sqlite3* db, const std::string& what) {
    if (!db) return what + ": out of memory";
    std::string msg = what + ": " + sqlite3_errmsg(db);
    if (const char* a = advice(sqlite3_extended_errcode(db))) {
        const char* file = sqlite3_db_filename(db, "main");
        msg = std::string(file && *file ? file : "project") + ": " + sqlite3_errmsg(db) + ": " + a;
    }
    return msg;
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) { throw DbError(describeError(db, what)); }

// Hostile project files (docs/store.md): nothing in a file may run code. Our schema has no
// triggers or views, so they are off for the connection (ATTACHed files included); schema
// functions count as untrusted, and the schema cannot be written around SQLite's checks.
void harden(sqlite3* db, const std::string& path) {
    const struct {
        int op, value;
        const char* name;
    } settings[] = {{SQLITE_DBCONFIG_DEFENSIVE, 1, "defensive"},
                    {SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, "trusted_schema"},
                    {SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, "load_extension"},
                    {SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, "triggers"},
                    {SQLITE_DBCONFIG_ENABLE_VIEW, 0, "views"}};
    for (const auto& s : settings) {
        int now = -1;
        if (sqlite3_db_config(db, s.op, s.value, &now) != SQLITE_OK || now != s.value)
            throw DbError(path + ": cannot set SQLite's " + s.name + " option");
    }
}

}  // namespace

Database::Database(const std::string& path, OpenMode mode)
    : path_(path), readOnly_(mode == OpenMode::ReadOnly || mode == OpenMode::Immutable) {
    observe("open " + path);
    int flags = (readOnly_ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                (mode == OpenMode::Create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    std::string name = path;
    if (mode == OpenMode::Immutable) {
        static const char* hex = "0123456789ABCDEF";
        name = "file:";
        for (unsigned char c : path) {
            if (std::isalnum(c) || std::strchr("/-._~", c)) name += char(c);
            else name += {'%', hex[c >> 4], hex[c & 15]};
        }
        name += "?immutable=1";
        flags |= SQLITE_OPEN_URI;
    }
    if (sqlite3_open_v2(name.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        const char* a = db_ ? advice(sqlite3_extended_errcode(db_)) : nullptr;
        sqlite3_close(db_);
        db_ = nullptr;
        throw DbError(path + ": cannot open project: " + msg + (a ? std::string(": ") + a : ""));
    }
    try {
        harden(db_, path);
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
}

Database::~Database() {
    if (db_) sqlite3_close_v2(db_);
}

Database::Database(Database&& o) noexcept : db_(o.db_), path_(std::move(o.path_)), readOnly_(o.readOnly_) {
    o.db_ = nullptr;
}

Database& Database::operator=(Database&& o) noexcept {
    if (this != &o) {
        if (db_) sqlite3_close_v2(db_);
        db_ = o.db_;
        path_ = std::move(o.path_);
        readOnly_ = o.readOnly_;
        o.db_ = nullptr;
    }
    return *this;
}

void Database::exec(const char* sql) {
    observe(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        const char* a = advice(sqlite3_extended_errcode(db_));
        throw DbError(path_ + ": " + msg + (a ? std::string(": ") + a : ""));
    }
}

Statement Database::prepare(std::string_view sql) { return Statement(db_, sql); }
int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    observe(sql);
    if (sqlite3_prepare_v3(db, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &st_, nullptr) != SQLITE_OK)
        fail(db, "SQL prepare failed for \"" + std::string(sql.substr(0, 60)) + "\"");
}

Statement::~Statement() { sqlite3_finalize(st_); }
Statement::Statement(Statement&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }

Statement& Statement::bind(int i, int64_t v) {
    if (sqlite3_bind_int64(st_, i, v) != SQLITE_OK) fail(db_, "bind");
    return *this;
}
Statement& Statement::bind(int i, double v) {
    if (sqlite3_bind_double(st_, i, v) != SQLITE_OK) fail(db_, "bind");
    return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
    if (sqlite3_bind_text64(st_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) fail(db_, "bind");
    return *this;
}
Statement& Statement::bindView(int i, std::string_view v) {
    if (sqlite3_bind_text64(st_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8) != SQLITE_OK) fail(db_, "bind");
    return *this;
}
Statement& Statement::bindBlob(int i, std::string_view bytes) {
    if (sqlite3_bind_blob64(st_, i, bytes.data(), bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK) fail(db_, "bind");
    return *this;
}
Statement& Statement::bindNull(int i) {
    if (sqlite3_bind_null(st_, i) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string msg = describeError(db_, "SQL step failed");
    sqlite3_reset(st_);
    throw DbError(msg);
}

void Statement::run() {
    step();
    reset();
}

void Statement::reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
}

int64_t Statement::int64(int col) const { return sqlite3_column_int64(st_, col); }
double Statement::real(int col) const { return sqlite3_column_double(st_, col); }
std::string Statement::text(int col) const { return std::string(textView(col)); }
std::string_view Statement::textView(int col) const {
    const unsigned char* p = sqlite3_column_text(st_, col);
    int n = sqlite3_column_bytes(st_, col);
    return p ? std::string_view(reinterpret_cast<const char*>(p), size_t(n)) : std::string_view{};
}
std::string Statement::blob(int col) const {
    const void* p = sqlite3_column_blob(st_, col);
    int n = sqlite3_column_bytes(st_, col);
    return p ? std::string(static_cast<const char*>(p), size_t(n)) : std::string();
}
bool Statement::isNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
        }
    }
}
void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace gateau::db
