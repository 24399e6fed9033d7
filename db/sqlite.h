#pragma once
// A small RAII layer over the sqlite3 C API. Values are always bound, never spliced into SQL.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace gateau::db {

struct DbError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Statement;

// Immutable: read-only, and SQLite is told that nobody changes the file meanwhile, so it needs
// no -shm file (for a project whose folder is read-only).
enum class OpenMode { ReadWrite, Create, ReadOnly, Immutable };

class Database {
public:
    Database() = default;
    // Opens the file; throws DbError naming it. Every connection is hardened against hostile
    // files (docs/store.md "Project files from others"): defensive mode, untrusted schema, no
    // extension loading, and triggers and views disabled (Gateau's schema has none).
    Database(const std::string& path, OpenMode mode);
    Database(const std::string& path, bool create) : Database(path, create ? OpenMode::Create : OpenMode::ReadWrite) {}
    ~Database();
    Database(Database&& o) noexcept;
    Database& operator=(Database&& o) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(const char* sql);  // for constant SQL only
    Statement prepare(std::string_view sql);
    int64_t lastInsertId() const;
    int changes() const;
    const std::string& path() const { return path_; }
    bool readOnly() const { return readOnly_; }
    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
    std::string path_;
    bool readOnly_ = false;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& o) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // 1-based parameter index, as in sqlite3_bind_*.
    Statement& bind(int i, int64_t v);
    Statement& bind(int i, int v) { return bind(i, int64_t(v)); }
    Statement& bind(int i, double v);
    Statement& bind(int i, std::string_view v);
    Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    // Binds without copying: `v` must stay alive and unchanged until the statement is reset.
    Statement& bindView(int i, std::string_view v);
    Statement& bindBlob(int i, std::string_view bytes);
    Statement& bindNull(int i);

    bool step();  // true while a row is available
    void run();   // step once, expecting no row
    void reset();

    int64_t int64(int col) const;
    double real(int col) const;
    std::string text(int col) const;
    std::string_view textView(int col) const;  // valid until the next step/reset
    std::string blob(int col) const;
    bool isNull(int col) const;

private:
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back if destroyed uncommitted (exceptions).
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace gateau::db
