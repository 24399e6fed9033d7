#include "db/backup.h"

#include "core/util/atomic_file.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

namespace gateau::db {

void backupProject(Database& source, const std::string& outPath) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(outPath, ec)) throw DbError(outPath + ": already exists; a backup never overwrites, name a new file");
    util::cleanupAbandonedTemps(outPath);
    util::TempFileGuard temp(util::tempPathFor(outPath));  // removed on failure and on SIGINT/SIGTERM
    sqlite3* raw = nullptr;
    const int openRc = sqlite3_open_v2(temp.path().c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> dst(raw, sqlite3_close);
    auto fail = [&](const std::string& what) -> DbError {
        return DbError(outPath + ": " + what + ": " + (dst ? sqlite3_errmsg(dst.get()) : "out of memory"));
    };
    if (openRc != SQLITE_OK) throw fail("cannot create the copy");
    sqlite3_backup* b = sqlite3_backup_init(dst.get(), "main", source.handle(), "main");
    if (!b) throw fail("cannot start the backup");
    // All pages in one step: one read transaction, so the copy is one consistent snapshot
    // whatever other processes commit meanwhile (WAL readers do not block writers).
    int rc = SQLITE_OK;
    for (int tries = 0; tries < 600; ++tries) {
        rc = sqlite3_backup_step(b, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
        sqlite3_sleep(50);
    }
    const int finishRc = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE || finishRc != SQLITE_OK) throw fail("backup from " + source.path() + " failed");
    // A self-contained file: copying it alone (cp, rsync) is safe.
    if (sqlite3_exec(dst.get(), "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr) != SQLITE_OK)
        throw fail("cannot leave WAL mode in the copy");
    {
        sqlite3_stmt* st = nullptr;
        std::string result;
        if (sqlite3_prepare_v2(dst.get(), "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            result = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (result != "ok") throw DbError(outPath + ": the copy failed its check (" + result + "); nothing was written");
    }
    dst.reset();  // closes; the copy was synced at its commit
    // link() refuses an existing name, unlike rename(): a file that appeared meanwhile stays.
    if (::link(temp.path().c_str(), outPath.c_str()) != 0) {
        if (errno == EEXIST) throw DbError(outPath + ": already exists; a backup never overwrites, name a new file");
        if (std::rename(temp.path().c_str(), outPath.c_str()) != 0)
            throw DbError(outPath + ": cannot move the copy into place: " + std::strerror(errno));
        temp.release();
    }
    const fs::path dir = fs::path(outPath).parent_path().empty() ? fs::path(".") : fs::path(outPath).parent_path();
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace gateau::db
