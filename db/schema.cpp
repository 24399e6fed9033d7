#include "db/schema.h"

#include "db/content_hash.h"
#include "db/near_duplicates.h"

#include <map>
#include <mutex>
#include <string>
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
        // 5: the content identity of samples (docs/datasets.md "Duplicates"), so that an import
        //    skips records already in the project; existing rows get theirs from this
        //    migration's step (migrationSteps).
        R"SQL(
ALTER TABLE samples ADD COLUMN content_hash TEXT;
CREATE INDEX samples_content ON samples(content_hash);
)SQL",
        // 6: review annotations (db/annotations.h, docs/store.md "Migration 6"): who made each
        //    decision, the project's label set (three drop reasons offered by default), labels
        //    and free tags per sample, and one evidence span per sample (byte offsets into the
        //    context text). Every change appends a row, like overrides, so history is kept and
        //    a later merge of annotators' copies has each row's author.
        R"SQL(
ALTER TABLE overrides ADD COLUMN annotator TEXT NOT NULL DEFAULT '';

CREATE TABLE label_set(
  name      TEXT PRIMARY KEY,
  position  INTEGER NOT NULL
);
INSERT INTO label_set(name, position) VALUES ('answer not in context', 1), ('truncated', 2), ('duplicate', 3);

CREATE TABLE sample_marks(
  id          INTEGER PRIMARY KEY,
  sample_id   INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('label', 'tag')),
  name        TEXT NOT NULL,
  present     INTEGER NOT NULL CHECK (present IN (0, 1)),
  annotator   TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX sample_marks_sample ON sample_marks(sample_id, kind, name, id);

CREATE TABLE evidence(
  id          INTEGER PRIMARY KEY,
  sample_id   INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  start_byte  INTEGER,
  end_byte    INTEGER,
  annotator   TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  CHECK ((start_byte IS NULL AND end_byte IS NULL) OR (0 <= start_byte AND start_byte < end_byte))
);
CREATE INDEX evidence_sample ON evidence(sample_id, id);
)SQL",
        // 7: team review (db/team_review.h, docs/review-team.md): a lead's adjudication of a
        //    sample the annotators disagree on, append-only like overrides (the newest row is
        //    current; decision 'none' withdraws it), and an index for each annotator's newest
        //    decision per sample, which agreement and the effective decision read.
        R"SQL(
CREATE TABLE adjudications(
  id           INTEGER PRIMARY KEY,
  sample_id    INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  decision     TEXT NOT NULL CHECK (decision IN ('keep', 'drop', 'none')),
  note         TEXT NOT NULL DEFAULT '',
  adjudicator  TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE INDEX adjudications_sample ON adjudications(sample_id, id);
CREATE INDEX overrides_annotator ON overrides(sample_id, annotator, id);
)SQL",
        // 8: near-duplicates (db/near_duplicates.h, docs/datasets.md "Near-duplicates"): each
        //    sample's MinHash signature, its LSH band keys (looked up by key), the earlier
        //    sample it nearly duplicates, and the project's threshold. near_duplicate_of has no
        //    foreign key: deleting its target re-matches the sample instead of deleting it.
        //    Existing samples get theirs from this migration's step (migrationSteps).
        R"SQL(
CREATE TABLE sample_minhash(
  sample_id          INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  signature          BLOB NOT NULL,
  near_duplicate_of  INTEGER,
  similarity         REAL
);
CREATE INDEX sample_minhash_of ON sample_minhash(near_duplicate_of);
CREATE TABLE minhash_bands(
  sample_id  INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  band_key   INTEGER NOT NULL,
  PRIMARY KEY (sample_id, band_key)
) WITHOUT ROWID;
CREATE INDEX minhash_bands_key ON minhash_bands(band_key);
CREATE TABLE near_duplicate_settings(
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  threshold  REAL NOT NULL
);
)SQL",
        // 9: raw values of plug-in scorers (core/scoring/scorers/, docs/scorers.md) that have no
        //    column of their own in sample_scores: one row per run, sample and value name.
        //    Values are written with the sample's score row; rows of runs scored before a
        //    scorer existed are computed from the stored arrays when read (db/run_store.cpp).
        R"SQL(
CREATE TABLE sample_score_values(
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sample_id  INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value      REAL NOT NULL,
  PRIMARY KEY (run_id, sample_id, key)
) WITHOUT ROWID;
)SQL",
        // 10: the project's ranking alpha (db/ranking_settings.h); no row means METHOD.md's 0.7.
        R"SQL(
CREATE TABLE ranking_settings(
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  alpha  REAL NOT NULL CHECK (alpha >= 0 AND alpha <= 1)
);
)SQL",
    };
    return m;
}

// Work a migration needs beyond its SQL (values SQL cannot compute), run after it in the
// same transaction; keyed by the version the migration reaches.
const std::map<int, void (*)(Database&)>& migrationSteps() {
    static const std::map<int, void (*)(Database&)> steps = {{5, backfillContentHashes}, {8, backfillMinHashes}};
    return steps;
}

int pragmaInt(Database& db, const char* sql) {
    auto st = db.prepare(sql);
    return st.step() ? int(st.int64(0)) : 0;
}

struct SchemaObject {
    std::string type, table, sql;
};
using SchemaObjects = std::map<std::string, SchemaObject>;  // by name

SchemaObjects readSchema(Database& db) {
    SchemaObjects out;
    auto st = db.prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master");
    while (st.step()) out[st.text(1)] = {st.text(0), st.text(2), st.text(3)};
    return out;
}

// What migrations 1..version create, read back from an in-memory database that ran them:
// the same statements give the same sqlite_master rows, byte for byte.
const SchemaObjects& expectedSchema(int version) {
    static std::mutex m;
    static std::map<int, SchemaObjects> cache;
    std::lock_guard<std::mutex> lk(m);
    auto it = cache.find(version);
    if (it != cache.end()) return it->second;
    Database mem(":memory:", OpenMode::Create);
    for (int v = 0; v < version; ++v) mem.exec(migrations()[size_t(v)]);
    return cache[version] = readSchema(mem);
}

std::string describeObject(const std::string& name, const SchemaObject& o) {
    std::string d = o.type + " \"" + name + "\"";
    if (o.type != "table" && o.table != name) d += " on \"" + o.table + "\"";
    return d;
}

}  // namespace

int schemaVersion() { return int(migrations().size()); }

namespace {
void checkSchemaIsOurs(Database& db, int version) {
    const SchemaObjects& want = expectedSchema(version);
    const SchemaObjects have = readSchema(db);
    const std::string refuse = db.path() + ": refusing to open this project: ";
    const std::string why = " (a project from elsewhere may carry objects that run code on your data; "
                            "docs/store.md \"Project files from others\")";
    for (const auto& [name, o] : have) {
        if (o.type == "table" && name.rfind("sqlite_stat", 0) == 0) continue;  // ANALYZE's statistics: data only
        auto w = want.find(name);
        if (w == want.end()) throw DbError(refuse + "it contains a " + describeObject(name, o) + " that Gateau does not create" + why);
        if (w->second.type != o.type || w->second.sql != o.sql)
            throw DbError(refuse + "its " + describeObject(name, o) + " differs from the one Gateau creates" + why);
    }
    for (const auto& [name, o] : want)
        if (!have.count(name)) throw DbError(refuse + "its " + describeObject(name, o) + " is missing" + why);
}
}  // namespace

int checkProjectFile(Database& db) {
    // One read transaction, so the version and the schema come from one snapshot: another
    // process may be committing a migration meanwhile.
    db.exec("BEGIN");
    try {
        int appId = pragmaInt(db, "PRAGMA application_id");
        int version = pragmaInt(db, "PRAGMA user_version");
        bool fresh = version == 0 && pragmaInt(db, "SELECT count(*) FROM sqlite_master") == 0;
        if (!fresh && appId != kApplicationId)
            throw DbError(db.path() + ": not a Gateau project (an SQLite file of another program)");
        if (version > schemaVersion())
            throw DbError(db.path() + ": project schema version " + std::to_string(version) +
                          " is newer than this Gateau (" + std::to_string(schemaVersion()) + "); please upgrade Gateau");
        checkSchemaIsOurs(db, version);
        db.exec("COMMIT");
        return version;
    } catch (...) {
        try {
            db.exec("ROLLBACK");
        } catch (const DbError&) {
        }
        throw;
    }
}

void migrate(Database& db, int targetVersion) {
    const int version = checkProjectFile(db);  // before any change: a refused file stays untouched
    if (version == 0 && pragmaInt(db, "SELECT count(*) FROM sqlite_master") == 0) {
        // Large pages keep long records in fewer overflow pages; only settable before the first table.
        db.exec("PRAGMA page_size = 16384");
    }
    // Each step re-reads the version under the write lock: two processes creating or
    // upgrading one project at once must not both run a migration ("table datasets
    // already exists").
    for (;;) {
        Transaction tx(db);
        const int v = pragmaInt(db, "PRAGMA user_version");
        if (v >= targetVersion) break;
        db.exec(migrations()[size_t(v)]);
        if (auto step = migrationSteps().find(v + 1); step != migrationSteps().end()) step->second(db);
        db.exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
        db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
        tx.commit();
    }
}

}  // namespace gateau::db
