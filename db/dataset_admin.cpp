#include "db/dataset_admin.h"
#include "db/near_duplicates.h"

#include "core/util/process_identity.h"
#include "db/workers.h"

#include <map>
#include <optional>
#include <utility>

namespace gateau::db {

namespace {

// An import names its worker (db/workers.h) while it runs: its dataset is live while that
// worker is; with no worker, or a dead one, it is the remains of a killed import.
void classify(Database& db, DatasetUsage& u) {
    if (u.info.status == "complete") {
        u.state = "complete";
        return;
    }
    auto st = db.prepare(
        "SELECT d.worker_id, w.host, w.pid FROM datasets d LEFT JOIN workers w ON w.id = d.worker_id WHERE d.id = ?1");
    st.bind(1, u.info.id);
    if (!st.step() || st.isNull(0) || st.isNull(1) || workerIsDead(db, st.int64(0))) {
        u.state = "interrupted";
        return;
    }
    u.ownerHost = st.text(1);
    u.ownerPid = st.int64(2);
    u.state = u.ownerHost == util::hostName() ? "importing" : "elsewhere";
}

std::map<int64_t, int64_t> countByDataset(Database& db, const char* sql) {
    std::map<int64_t, int64_t> out;
    auto st = db.prepare(sql);
    while (st.step()) out[st.int64(0)] = st.int64(1);
    return out;
}

int64_t count(Database& db, const std::string& sql, int64_t datasetId) {
    auto st = db.prepare(sql);
    st.bind(1, datasetId);
    return st.step() ? st.int64(0) : 0;
}

std::string quoted(const std::string& name) {
    std::string q = "\"";
    for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// Deletes the rows of `table` that `where` selects (SQL with ?1) and, first, every row that
// references them, found through the schema's foreign keys: tables added by later migrations
// are covered without a list to maintain. Explicit deletes instead of ON DELETE CASCADE
// (foreign keys are off meanwhile): sample_scores has no index on sample_id alone, so the
// cascade would scan it once per deleted sample.
void deleteWithReferences(Database& db, const std::string& table, const std::string& where, int64_t param) {
    struct Child {
        std::string table, from, to;
    };
    std::vector<Child> children;
    {
        auto st = db.prepare(
            "SELECT m.name, f.\"from\", coalesce(f.\"to\", 'rowid') FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
            "WHERE m.type = 'table' AND f.\"table\" = ?1");
        st.bind(1, table);
        while (st.step()) children.push_back({st.text(0), st.text(1), st.text(2)});
    }
    for (const auto& c : children)
        deleteWithReferences(db, c.table,
                             quoted(c.from) + " IN (SELECT " + quoted(c.to) + " FROM " + quoted(table) + " WHERE " + where + ")",
                             param);
    auto del = db.prepare("DELETE FROM " + quoted(table) + " WHERE " + where);
    del.bind(1, param).run();
}

// foreign_keys cannot change inside a transaction: off before it, back on however we leave.
struct ForeignKeysOff {
    Database& db;
    explicit ForeignKeysOff(Database& d) : db(d) { db.exec("PRAGMA foreign_keys = OFF"); }
    ~ForeignKeysOff() {
        try {
            db.exec("PRAGMA foreign_keys = ON");
        } catch (const DbError&) {
        }
    }
};

// The one way a dataset is deleted. nullopt: no such dataset, or (onlyInterrupted) one that
// is not an interrupted import; both checked inside the deleting transaction.
std::optional<RemovedDataset> deleteChecked(ProjectStore& store, int64_t datasetId, bool force, bool onlyInterrupted) {
    Database& db = store.db();
    ForeignKeysOff fkOff(db);
    Transaction tx(db);
    DatasetUsage u;
    bool found = false;
    for (auto& d : store.datasets())
        if (d.id == datasetId) u.info = std::move(d), found = true;
    if (!found) return std::nullopt;
    classify(db, u);
    if (onlyInterrupted && u.state != "interrupted") return std::nullopt;
    const std::string label = "dataset #" + std::to_string(datasetId) + " (" + u.info.name + ")";
    if (u.state == "importing")
        throw DbError(store.path() + ": " + label + " is being imported by process " + std::to_string(u.ownerPid) +
                      "; cancel that import first");
    if (u.state == "elsewhere" && !force)
        throw DbError(store.path() + ": " + label + " is being imported by process " + std::to_string(u.ownerPid) +
                      " on " + u.ownerHost + " (whether it still runs cannot be checked from here); if it does not, "
                      "delete it with --force");
    const std::string ofDataset = "SELECT id FROM samples WHERE dataset_id = ?1";
    RemovedDataset r{datasetId, u.info.name, 0, 0, 0};
    r.samples = count(db, "SELECT count(*) FROM samples WHERE dataset_id = ?1", datasetId);
    r.scores = count(db, "SELECT count(*) FROM sample_scores WHERE sample_id IN (" + ofDataset + ")", datasetId);
    r.overrides = count(db, "SELECT count(*) FROM overrides WHERE sample_id IN (" + ofDataset + ")", datasetId);
    deleteWithReferences(db, "datasets", "id = ?1", datasetId);
    relinkOrphanedNearDuplicates(db);
    tx.commit();
    return r;
}

}  // namespace

void deleteDatasetRows(Database& db, int64_t datasetId) {
    ForeignKeysOff fkOff(db);
    Transaction tx(db);
    deleteWithReferences(db, "datasets", "id = ?1", datasetId);
    relinkOrphanedNearDuplicates(db);
    tx.commit();
}

std::vector<DatasetUsage> datasetUsage(ProjectStore& store) {
    Database& db = store.db();
    const auto samples = countByDataset(db, "SELECT dataset_id, count(*) FROM samples GROUP BY dataset_id");
    const auto scores = countByDataset(
        db, "SELECT s.dataset_id, count(*) FROM sample_scores x JOIN samples s ON s.id = x.sample_id GROUP BY s.dataset_id");
    const auto overrides = countByDataset(
        db, "SELECT s.dataset_id, count(*) FROM overrides o JOIN samples s ON s.id = o.sample_id GROUP BY s.dataset_id");
    auto at = [](const std::map<int64_t, int64_t>& m, int64_t id) {
        auto it = m.find(id);
        return it == m.end() ? int64_t(0) : it->second;
    };
    std::vector<DatasetUsage> out;
    for (auto& d : store.datasets()) {
        DatasetUsage u;
        u.info = std::move(d);
        u.samples = at(samples, u.info.id);
        u.scores = at(scores, u.info.id);
        u.overrides = at(overrides, u.info.id);
        classify(db, u);
        out.push_back(std::move(u));
    }
    return out;
}

RemovedDataset deleteDataset(ProjectStore& store, int64_t datasetId, bool force) {
    auto r = deleteChecked(store, datasetId, force, false);
    if (!r) throw DbError(store.path() + ": no dataset #" + std::to_string(datasetId));
    return *r;
}

std::vector<RemovedDataset> removeInterruptedImports(ProjectStore& store) {
    std::vector<RemovedDataset> out;
    for (auto& d : store.datasets()) {  // not datasetUsage: its counts scan every score
        DatasetUsage u;
        u.info = std::move(d);
        classify(store.db(), u);
        if (u.state == "interrupted")
            if (auto r = deleteChecked(store, u.info.id, false, true)) out.push_back(*r);
    }
    return out;
}

std::string describeRemoved(const std::vector<RemovedDataset>& removed) {
    if (removed.empty()) return {};
    std::string names;
    int64_t samples = 0;
    for (const auto& r : removed) {
        names += (names.empty() ? "" : ", ") + ("#" + std::to_string(r.id) + " " + r.name);
        samples += r.samples;
    }
    return "removed " + std::to_string(removed.size()) + " interrupted import" + (removed.size() == 1 ? "" : "s") +
           " (" + names + "; " + std::to_string(samples) + " partial samples)";
}

}  // namespace gateau::db
