#pragma once
// The project's ranking alpha (migration 10, docs/scoring.md "The project's alpha"): the
// weight of HMG against CAM that `rank`, `export`, `evaluate` and `compare` use when no
// --alpha is given, and where the workbench's slider starts for a user who has not moved it
// on this project. Stored in the project so that it travels with the file and the CLI and
// the GUI rank alike.
#include "db/sqlite.h"

namespace gateau::db {

constexpr double kDefaultAlpha = 0.7;  // METHOD.md "Combination and selection"

// kDefaultAlpha when the project never set one.
double projectAlpha(Database& db);
// Throws std::invalid_argument outside [0, 1] (NaN included).
void setProjectAlpha(Database& db, double alpha);

}  // namespace gateau::db
