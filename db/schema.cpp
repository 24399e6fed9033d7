#include "db/schema.h"

#include <string>
#include <utility>
#include <vector>

namespace gateau::db {

namespace {

// Migration i (0-based) takes user_version i to i + 1. Never edit a shipped entry: append.
const std::vector<const char*>& migrations() {
    static const std::vector<const char*> m = {
        // 1: datasets, samples (metadata apart from the large texts so table scans stay
        //    small), overrides with history, and the first shape of runs and scores.
        //    The extracted conversation is not stored a second time: it is re-derived from
        //    the verbatim record on read (docs/store.md says why).
        R"SQL(
CREATE TABLE datasets(
  id            INTEGER PRIMARY KEY,
  path          TEXT NOT NULL,
  name          TEXT NOT NULL,
  size_bytes    INTEGER NOT NULL,
  sha256        TEXT,
  format        TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('importing', 'complete')),
  imported_at   TEXT NOT NULL,
  sample_count  INTEGER NOT NULL DEFAULT 0,
  error_count   INTEGER NOT NULL DEFAULT 0,
  report        TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX datasets_sha256 ON datasets(sha256) WHERE status = 'complete';

CREATE TABLE samples(
  id              INTEGER PRIMARY KEY,
  dataset_id      INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  line            INTEGER NOT NULL,
  external_id     TEXT,
  turns           INTEGER NOT NULL,
  prompt_chars    INTEGER NOT NULL,
  response_chars  INTEGER NOT NULL,
  preview         TEXT NOT NULL
);
CREATE INDEX samples_dataset ON samples(dataset_id, line);

CREATE TABLE sample_texts(
  sample_id     INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  raw           TEXT NOT NULL
);

CREATE TABLE overrides(
  id          INTEGER PRIMARY KEY,
  sample_id   INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  decision    TEXT NOT NULL CHECK (decision IN ('keep', 'drop', 'none')),
  note        TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL
);
CREATE INDEX overrides_sample ON overrides(sample_id, id);

CREATE TABLE runs(
  id          INTEGER PRIMARY KEY,
  created_at  TEXT NOT NULL,
  config      TEXT NOT NULL,
  status      TEXT NOT NULL
);

CREATE TABLE scores(
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sample_id  INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  status     TEXT NOT NULL,
  error      TEXT,
  values_json TEXT,
  PRIMARY KEY (run_id, sample_id)
);
)SQL",
        // 2: scoring runs (docs/scoring.md "Scoring runs"). Replaces migration 1's placeholder
        //    runs/scores tables, which no code ever wrote (empty in every project).
        R"SQL(
DROP TABLE IF EXISTS scores;
DROP TABLE IF EXISTS runs;

CREATE TABLE runs(
  id           INTEGER PRIMARY KEY,
  created_at   TEXT NOT NULL,
  config_json  TEXT NOT NULL,
  config_hash  TEXT NOT NULL UNIQUE,
  status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'partial', 'complete'))
);

CREATE TABLE sample_scores(
  run_id             INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sample_id          INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  status             TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  error              TEXT,
  prompt_tokens      INTEGER,
  response_tokens    INTEGER,
  context_tokens     INTEGER,
  truncated          INTEGER,
  ppl_a              REAL,
  ppl_b              REAL,
  ppl_response_only  REAL,
  ifd                REAL,
  cas                REAL,
  cam_raw            REAL,
  arrays             BLOB,
  finished_at        TEXT NOT NULL,
  PRIMARY KEY (run_id, sample_id)
);
)SQL",
        // 3: full-text search over the conversations (contentless FTS5, rowid = sample id,
        //    built lazily by db/search.h) and the inspector's cache of token-level attention.
        R"SQL(
CREATE VIRTUAL TABLE sample_search USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2');
CREATE TABLE search_state(
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_upto   INTEGER NOT NULL,
  indexed_count  INTEGER NOT NULL
);

CREATE TABLE token_attention(
  run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sample_id       INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  query_position  INTEGER NOT NULL,
  attention       BLOB NOT NULL,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (run_id, sample_id, query_position)
);
)SQL",
        // 4: processes working on the project (db/workers.h), so another process can tell a
        //    live import or scoring job from one that was killed: an import in progress names
        //    its worker (no foreign key: a worker's end sets it NULL, see db/workers.cpp; ids
        //    are never reused), and a scoring worker claims the samples it is scoring.
        R"SQL(
CREATE TABLE workers(
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  host          TEXT NOT NULL,
  pid           INTEGER NOT NULL,
  pid_start     TEXT NOT NULL,
  task          TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL
);
ALTER TABLE datasets ADD COLUMN worker_id INTEGER;

CREATE TABLE sample_claims(
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sample_id   INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  worker_id   INTEGER NOT NULL REFERENCES workers(id) ON DELETE CASCADE,
  claimed_at  TEXT NOT NULL,
  PRIMARY KEY (run_id, sample_id)
);
CREATE INDEX sample_claims_worker ON sample_claims(worker_id);
)SQL",
    };
    return m;
}

int pragmaInt(Database& db, const char* sql) {
    auto st = db.prepare(sql);
    return st.step() ? int(st.int64(0)) : 0;
}

}  // namespace

int schemaVersion() { return int(migrations().size()); }

void migrate(Database& db) {
    // Checked without a lock first, so an up-to-date project opens without writing.
    auto check = [&] {
        const int appId = pragmaInt(db, "PRAGMA application_id");
        const int version = pragmaInt(db, "PRAGMA user_version");
        const bool fresh = version == 0 && pragmaInt(db, "SELECT count(*) FROM sqlite_master") == 0;
        if (!fresh && appId != kApplicationId)
            throw DbError(db.path() + ": not a Gateau project (an SQLite file of another program)");
        if (version > schemaVersion())
            throw DbError(db.path() + ": project schema version " + std::to_string(version) +
                          " is newer than this Gateau (" + std::to_string(schemaVersion()) + "); please upgrade Gateau");
        return std::make_pair(version, fresh);
    };
    if (check().first == schemaVersion()) return;
    // Large pages keep long records in fewer overflow pages; only settable before the first
    // table, and harmless (ignored) once one exists.
    if (check().second) db.exec("PRAGMA page_size = 16384");
    // Each step re-reads the version under the write lock: two processes creating or
    // upgrading one project at once must not both run a migration ("table datasets
    // already exists").
    for (;;) {
        Transaction tx(db);
        const int v = check().first;
        if (v >= schemaVersion()) break;
        db.exec(migrations()[size_t(v)]);
        db.exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
        db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
        tx.commit();
    }
}

}  // namespace gateau::db
