#include "db/shards.h"

#include "db/run_store.h"

#include <filesystem>

namespace gateau::db {

namespace {

// Detaches on every exit path so the connection stays usable after an error.
struct Attached {
    Database& db;
    Attached(Database& d, const std::string& path, const char* alias) : db(d) {
        auto st = db.prepare(std::string("ATTACH DATABASE ?1 AS ") + alias);
        st.bind(1, path);
        st.step();
        alias_ = alias;
    }
    ~Attached() {
        try {
            db.exec(("DETACH DATABASE " + alias_).c_str());
        } catch (const DbError&) {
        }
    }
    std::string alias_;
};

int64_t scalar(Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    return st.step() ? st.int64(0) : 0;
}

}  // namespace

ShardSpec parseShardSpec(const std::string& text) {
    const auto slash = text.find('/');
    ShardSpec s;
    try {
        size_t a = 0, b = 0;
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        s.index = std::stoll(text.substr(0, slash), &a);
        s.count = std::stoll(text.substr(slash + 1), &b);
        if (a != slash || b != text.size() - slash - 1) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
        throw DbError("--shard expects i/N (e.g. 0/4), got '" + text + "'");
    }
    if (s.count < 1 || s.index < 0 || s.index >= s.count)
        throw DbError("--shard " + text + ": need 0 <= i < N");
    return s;
}

std::string defaultShardPath(const std::string& projectPath, const ShardSpec& spec) {
    const std::filesystem::path p(projectPath);
    const std::string tag = ".shard-" + std::to_string(spec.index) + "-of-" + std::to_string(spec.count);
    return (p.parent_path() / (p.stem().string() + tag + p.extension().string())).string();
}

int64_t prepareShard(const std::string& mainPath, const std::string& shardPath, const ShardSpec& spec) {
    if (std::filesystem::exists(mainPath) && std::filesystem::exists(shardPath) &&
        std::filesystem::equivalent(mainPath, shardPath))
        throw DbError(shardPath + ": the shard file must differ from the project");
    { ProjectStore::open(mainPath, false); }  // validates (and migrates) the main project first
    auto shard = ProjectStore::open(shardPath, true);
    Database& db = shard.db();
    Attached src(db, mainPath, "src");
    const std::string slice = "(SELECT s.id FROM src.samples s JOIN src.datasets d ON d.id = s.dataset_id "
                              "WHERE d.status = 'complete' AND s.id % " + std::to_string(spec.count) + " = " +
                              std::to_string(spec.index) + ")";
    Transaction tx(db);
    db.exec(("INSERT OR IGNORE INTO main.datasets SELECT * FROM src.datasets WHERE id IN "
             "(SELECT dataset_id FROM src.samples WHERE id IN " + slice + ")").c_str());
    db.exec(("INSERT OR IGNORE INTO main.samples SELECT * FROM src.samples WHERE id IN " + slice).c_str());
    db.exec(("INSERT OR IGNORE INTO main.sample_texts SELECT * FROM src.sample_texts WHERE sample_id IN " + slice).c_str());
    tx.commit();
    return scalar(db, "SELECT count(*) FROM main.samples");
}

void checkShardSamples(ProjectStore& main, const std::string& shardPath) {
    Database& db = main.db();
    Attached sh(db, shardPath, "sh");
    auto st = db.prepare(
        "SELECT x.sample_id FROM sh.sample_scores x JOIN sh.samples ss ON ss.id = x.sample_id "
        "JOIN sh.datasets sd ON sd.id = ss.dataset_id LEFT JOIN main.samples ms ON ms.id = x.sample_id "
        "LEFT JOIN main.datasets md ON md.id = ms.dataset_id "
        "WHERE md.sha256 IS NOT sd.sha256 OR ms.line IS NOT ss.line ORDER BY x.sample_id LIMIT 1");
    if (st.step())
        throw DbError(shardPath + ": sample " + std::to_string(st.int64(0)) +
                      " is not the same sample in the project (different dataset or line): was the shard made "
                      "from another project?");
}

RunInfo shardRun(const std::string& shardPath) {
    if (!std::filesystem::exists(shardPath)) throw DbError(shardPath + ": no such shard file");
    auto shard = ProjectStore::open(shardPath, false);  // refuses foreign or newer files
    const std::vector<RunInfo> runs = listRuns(shard);
    if (runs.size() != 1)
        throw DbError(shardPath + ": a shard holds exactly one run, this one has " + std::to_string(runs.size()));
    return runs.front();
}

MergeResult mergeShard(ProjectStore& main, const std::string& shardPath, const std::string& expectedConfigHash) {
    const RunInfo sr = shardRun(shardPath);
    if (std::filesystem::equivalent(main.path(), shardPath)) throw DbError(shardPath + ": is the project itself");
    if (!expectedConfigHash.empty() && sr.configHash != expectedConfigHash)
        throw DbError(shardPath + ": its run config (" + sr.configHash.substr(0, 12) +
                      ") differs from the one being merged (" + expectedConfigHash.substr(0, 12) + ")");

    checkShardSamples(main, shardPath);
    Database& db = main.db();
    Attached sh(db, shardPath, "sh");
    MergeResult out;
    out.configHash = sr.configHash;
    out.runId = createOrFindRun(main, sr.configJson).id;  // its own transaction; idempotent
    Transaction tx(db);
    const int64_t before = scalar(db, "SELECT count(*) FROM sh.sample_scores");
    auto ins = db.prepare(
        "INSERT OR IGNORE INTO main.sample_scores(run_id, sample_id, status, error, prompt_tokens, response_tokens, "
        "context_tokens, truncated, ppl_a, ppl_b, ppl_response_only, ifd, cas, cam_raw, arrays, finished_at) "
        "SELECT ?1, sample_id, status, error, prompt_tokens, response_tokens, context_tokens, truncated, ppl_a, ppl_b, "
        "ppl_response_only, ifd, cas, cam_raw, arrays, finished_at FROM sh.sample_scores");
    ins.bind(1, out.runId);
    ins.step();
    out.added = db.changes();
    // The plug-in scorers' raw values (migration 9) travel with their rows.
    auto values = db.prepare(
        "INSERT OR IGNORE INTO main.sample_score_values(run_id, sample_id, key, value) "
        "SELECT ?1, sample_id, key, value FROM sh.sample_score_values");
    values.bind(1, out.runId);
    values.step();
    out.alreadyPresent = before - out.added;
    tx.commit();
    return out;
}

}  // namespace gateau::db
