#pragma once
// Full-text search over the samples' conversations (SQLite FTS5, migration 3). The index is
// contentless (rowid = sample id, no second copy of the text) and built lazily: the first
// search after an import indexes the new samples; removed samples make it rebuild.
#include "db/project_store.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gateau::db {

// Indexes samples of complete datasets not yet indexed; returns how many were added.
// progress(done, total) is called every batch; returning false stops early (what was
// committed stays valid and the next call continues).
int64_t ensureSearchIndex(ProjectStore& store, const std::function<bool(int64_t, int64_t)>& progress = {});

// The user's words as an FTS5 query: each word a quoted phrase (so operators and quotes in
// the text cannot break the query), all required; a trailing '*' keeps prefix matching.
std::string ftsQueryFor(const std::string& userText);

// Ids of the samples whose conversation contains every word, ascending. Call
// ensureSearchIndex first. Empty text matches nothing.
std::vector<int64_t> searchSamples(ProjectStore& store, const std::string& userText);

}  // namespace gateau::db
