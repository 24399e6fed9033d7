#pragma once
// Near-duplicate samples in a project (docs/datasets.md "Near-duplicates"), from the MinHash
// signatures of core/datasets/minhash.h: each sample's signature and LSH bands are stored
// (migration 8), and a sample that is similar enough to an earlier one (smaller id) points
// at the most similar of them. Groups are the chains those pointers form.
#include "core/datasets/minhash.h"
#include "db/sqlite.h"

#include <map>
#include <optional>
#include <vector>

namespace gateau::db {

struct NearDuplicateMatch {
    int64_t sampleId = 0;
    double similarity = 0;  // estimated Jaccard of the word 5-gram sets
};

// Finds and records matches; prepared statements on `db`, so one per import or pass.
class NearDuplicateIndex {
public:
    explicit NearDuplicateIndex(Database& db);

    double threshold() const { return threshold_; }
    // The most similar sample with an id below `beforeSampleId` (ties: the smallest id) in a
    // complete dataset or in `datasetId` (an import in progress), if at the threshold or above.
    std::optional<NearDuplicateMatch> best(const datasets::MinHash& m, int64_t beforeSampleId, int64_t datasetId = 0);
    // Stores the signature, its bands and the match of a new sample. An empty signature (no
    // words) is stored without bands: it matches nothing.
    void add(int64_t sampleId, const datasets::MinHashSignature& sig, const std::optional<NearDuplicateMatch>& match);

private:
    Database& db_;
    double threshold_;
    Statement candidates_, signature_, insert_, insertBand_;
};

// Migration 8's step: signatures for every stored sample (re-parsing its record), then matches.
void backfillMinHashes(Database& db);

// Recomputes every sample's match at `threshold` (refused below kMinNearDuplicateThreshold)
// and keeps it as the project's threshold for later imports; returns how many samples have a
// match. Runs in the caller's transaction.
int64_t relinkNearDuplicates(Database& db, double threshold);
// After samples were deleted: re-matches those whose match is gone.
void relinkOrphanedNearDuplicates(Database& db);

struct NearDuplicateGroup {
    int64_t first = 0;                             // the earliest sample; no match of its own
    std::vector<NearDuplicateMatch> members;       // the others, each with its own similarity
};
std::vector<NearDuplicateGroup> nearDuplicateGroups(Database& db);
// Every sample that has a match, with it.
std::map<int64_t, NearDuplicateMatch> nearDuplicateLinks(Database& db);
double nearDuplicateThreshold(Database& db);

}  // namespace gateau::db
