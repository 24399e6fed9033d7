#pragma once
#include "db/sqlite.h"

namespace gateau::db {

// PRAGMA application_id of every project file ("GATE"), so a foreign SQLite file is refused.
constexpr int kApplicationId = 0x47415445;

// The schema version this binary writes (PRAGMA user_version).
int schemaVersion();

// Brings a project to schemaVersion() by running the ordered migrations it lacks, each in
// its own transaction. A file written by a newer binary is refused (DbError), never touched.
// Runs checkProjectFile first. targetVersion < schemaVersion() only makes old-version files
// for tests.
void migrate(Database& db, int targetVersion = schemaVersion());

// Refuses (DbError naming the file) a foreign SQLite file, a newer schema, and a file whose
// schema is not exactly what migrations 1..user_version create: foreign triggers, views,
// tables or indexes, or altered definitions, each named. Writes nothing; returns user_version.
int checkProjectFile(Database& db);

}  // namespace gateau::db
