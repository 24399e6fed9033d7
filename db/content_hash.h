#pragma once
// A sample's content identity (docs/datasets.md "Duplicates"): the same conversation is the
// same sample, whatever file, format, key order, spacing, id or metadata it came with.
#include "core/datasets/conversation.h"
#include "db/sqlite.h"

#include <string>

namespace gateau::db {

// Hex of the first 128 bits of SHA-256 over each turn's role and content (length-prefixed, so
// no two conversations share an encoding).
std::string contentHash(const datasets::Conversation& conversation);

// Fills samples.content_hash where it is NULL by re-parsing the stored records (migration 4's
// step for projects imported before it); a record that no longer parses keeps NULL.
void backfillContentHashes(Database& db);

}  // namespace gateau::db
