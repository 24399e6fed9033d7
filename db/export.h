#pragma once
// Exports of a ranked run (docs/scoring.md "Export"): the selected samples as JSONL in their
// original schema, and every sample's scores as CSV. Both are written atomically and
// together (util::AtomicFileSet): a crash mid-export leaves the previous files, never half a
// new one, nor a new JSONL beside an old CSV (docs/scoring.md "Export" says exactly how).
#include "core/util/atomic_file.h"
#include "db/ranking.h"

#include <cstdint>
#include <string>

namespace gateau::db {

// The selected samples' records exactly as imported, one per line, in rank order. A record
// that spanned several lines (pretty-printed JSON array element) is put on one line by
// turning its line breaks, which JSON only allows between tokens, into spaces. Returns the
// number of records written.
int64_t exportSelectedJsonl(ProjectStore& store, const RankInputs& inputs, const Ranking& ranking,
                            util::AtomicFile& out);

// One row per ranked sample (rank order) with raw and pool-normalised scores; columns in
// docs/scoring.md. Returns the number of rows.
int64_t exportScoresCsv(const RankInputs& inputs, const Ranking& ranking, util::AtomicFile& out);

struct ExportCounts {
    int64_t selected = -1, csvRows = -1;  // -1: that file was not asked for
};

// Writes the JSONL and/or the CSV (an empty path skips it) and replaces both in one commit.
ExportCounts exportRun(ProjectStore& store, const RankInputs& inputs, const Ranking& ranking,
                       const std::string& jsonlPath, const std::string& csvPath);

}  // namespace gateau::db
