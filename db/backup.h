#pragma once
// `gateau backup` (docs/store.md "Which files make a project"): a consistent copy of an open
// project through SQLite's online backup API, taken in one read transaction, so other
// processes go on writing meanwhile and the copy is one self-contained file (rollback
// journal mode, no -wal beside it).
#include "db/sqlite.h"

#include <string>

namespace gateau::db {

// Copies `source` to `outPath`, which must not exist (a backup never overwrites). Written to
// a temporary file next to it, checked (quick_check), then linked into place. Throws DbError
// naming the file.
void backupProject(Database& source, const std::string& outPath);

}  // namespace gateau::db
