#pragma once
#include "db/sqlite.h"

namespace gateau::db {

// PRAGMA application_id of every project file ("GATE"), so a foreign SQLite file is refused.
constexpr int kApplicationId = 0x47415445;

// The schema version this binary writes (PRAGMA user_version).
int schemaVersion();

// Brings a project to schemaVersion() by running the ordered migrations it lacks, each in
// its own transaction. A file written by a newer binary is refused (DbError), never touched.
void migrate(Database& db);

}  // namespace gateau::db
