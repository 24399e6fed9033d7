#include "db/near_duplicates.h"

#include "db/stored_records.h"

#include <map>
#include <set>
#include <stdexcept>

namespace gateau::db {

using datasets::MinHash;

double nearDuplicateThreshold(Database& db) {
    auto st = db.prepare("SELECT threshold FROM near_duplicate_settings WHERE id = 1");
    return st.step() ? st.real(0) : datasets::kNearDuplicateThreshold;
}

NearDuplicateIndex::NearDuplicateIndex(Database& db)
    : db_(db),
      threshold_(nearDuplicateThreshold(db)),
      candidates_(db.prepare(
          "SELECT DISTINCT b.sample_id FROM minhash_bands b JOIN samples s ON s.id = b.sample_id "
          "JOIN datasets d ON d.id = s.dataset_id WHERE b.band_key = ?1 AND b.sample_id < ?2 "
          "AND (d.status = 'complete' OR d.id = ?3)")),
      signature_(db.prepare("SELECT signature FROM sample_minhash WHERE sample_id = ?1")),
      insert_(db.prepare("INSERT OR REPLACE INTO sample_minhash(sample_id, signature, near_duplicate_of, similarity) "
                         "VALUES (?1, ?2, ?3, ?4)")),
      insertBand_(db.prepare("INSERT OR IGNORE INTO minhash_bands(sample_id, band_key) VALUES (?1, ?2)")) {}

std::optional<NearDuplicateMatch> NearDuplicateIndex::best(const MinHash& m, int64_t beforeSampleId, int64_t datasetId) {
    std::set<int64_t> seen;  // ordered: ties go to the smallest id
    for (int64_t key : datasets::bandKeys(m)) {
        candidates_.bind(1, key).bind(2, beforeSampleId).bind(3, datasetId);
        while (candidates_.step()) seen.insert(candidates_.int64(0));
        candidates_.reset();
    }
    std::optional<NearDuplicateMatch> out;
    for (int64_t id : seen) {
        signature_.bind(1, id);
        if (signature_.step()) {
            const double j = datasets::estimatedJaccard(m, datasets::decodeMinHash(signature_.blob(0)));
            if (j >= threshold_ && (!out || j > out->similarity)) out = NearDuplicateMatch{id, j};
        }
        signature_.reset();
    }
    return out;
}

void NearDuplicateIndex::add(int64_t sampleId, const datasets::MinHashSignature& sig,
                             const std::optional<NearDuplicateMatch>& match) {
    insert_.bind(1, sampleId).bindBlob(2, datasets::encodeMinHash(sig.values));
    if (match) insert_.bind(3, match->sampleId).bind(4, match->similarity);
    else insert_.bindNull(3).bindNull(4);
    insert_.run();
    if (sig.empty) return;
    for (int64_t key : datasets::bandKeys(sig.values)) insertBand_.bind(1, sampleId).bind(2, key).run();
}

void backfillMinHashes(Database& db) {
    NearDuplicateIndex index(db);
    // In id order, so that every sample is matched against the earlier ones already added;
    // records that no longer parse get no signature (and so are never matched).
    forEachStoredConversation(
        db, "1", [](const datasets::Conversation& c) { return datasets::minHash(c); },
        [&](int64_t id, const datasets::MinHashSignature& sig) {
            index.add(id, sig, sig.empty ? std::nullopt : index.best(sig.values, id));
        });
}

namespace {

// Re-matches the samples `where` selects (SQL over sample_minhash m), in id order.
int64_t rematch(Database& db, const std::string& where) {
    NearDuplicateIndex index(db);
    std::vector<std::pair<int64_t, MinHash>> todo;
    {
        auto sel = db.prepare("SELECT m.sample_id, m.signature FROM sample_minhash m WHERE " + where + " ORDER BY m.sample_id");
        while (sel.step()) todo.emplace_back(sel.int64(0), datasets::decodeMinHash(sel.blob(1)));
    }
    auto upd = db.prepare("UPDATE sample_minhash SET near_duplicate_of = ?2, similarity = ?3 WHERE sample_id = ?1");
    auto hasBands = db.prepare("SELECT 1 FROM minhash_bands WHERE sample_id = ?1 LIMIT 1");
    int64_t matched = 0;
    for (const auto& [id, m] : todo) {
        hasBands.bind(1, id);
        const bool words = hasBands.step();
        hasBands.reset();
        const auto match = words ? index.best(m, id) : std::nullopt;
        upd.bind(1, id);
        if (match) upd.bind(2, match->sampleId).bind(3, match->similarity), ++matched;
        else upd.bindNull(2).bindNull(3);
        upd.run();
    }
    return matched;
}

}  // namespace

int64_t relinkNearDuplicates(Database& db, double threshold) {
    if (!(threshold >= datasets::kMinNearDuplicateThreshold && threshold <= 1.0))
        throw std::invalid_argument("near-duplicate threshold must be between 0.7 and 1 (below 0.7 the bands miss "
                                    "many pairs: docs/datasets.md \"Near-duplicates\")");
    auto st = db.prepare("INSERT OR REPLACE INTO near_duplicate_settings(id, threshold) VALUES (1, ?1)");
    st.bind(1, threshold).run();
    return rematch(db, "1");
}

void relinkOrphanedNearDuplicates(Database& db) {
    rematch(db, "m.near_duplicate_of IS NOT NULL AND m.near_duplicate_of NOT IN (SELECT id FROM samples)");
}

std::map<int64_t, NearDuplicateMatch> nearDuplicateLinks(Database& db) {
    std::map<int64_t, NearDuplicateMatch> link;
    auto st = db.prepare("SELECT sample_id, near_duplicate_of, similarity FROM sample_minhash WHERE near_duplicate_of IS NOT NULL");
    while (st.step()) link[st.int64(0)] = {st.int64(1), st.real(2)};
    return link;
}

std::vector<NearDuplicateGroup> nearDuplicateGroups(Database& db) {
    const std::map<int64_t, NearDuplicateMatch> link = nearDuplicateLinks(db);
    std::map<int64_t, NearDuplicateGroup> groups;
    for (const auto& [id, m] : link) {
        int64_t root = m.sampleId;
        for (auto it = link.find(root); it != link.end(); it = link.find(root)) root = it->second.sampleId;
        auto& g = groups[root];
        g.first = root;
        g.members.push_back({id, m.similarity});
    }
    std::vector<NearDuplicateGroup> out;
    for (auto& [root, g] : groups) out.push_back(std::move(g));
    return out;
}

}  // namespace gateau::db
