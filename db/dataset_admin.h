#pragma once
// Deleting datasets (`gateau datasets`, the GUI's "Delete dataset") and the automatic removal
// of imports that were interrupted (docs/store.md "Deleting datasets and interrupted imports").
#include "db/project_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gateau::db {

struct DatasetUsage {
    DatasetInfo info;
    // Rows that deleting the dataset removes with it.
    int64_t samples = 0, scores = 0, overrides = 0;
    // complete | importing (a live worker on this host) | interrupted (its worker is gone) |
    // elsewhere (a worker on another host with a recent heartbeat: it may still run)
    std::string state;
    int64_t ownerPid = 0;
    std::string ownerHost;
};

// Every dataset, interrupted imports included, in id order.
std::vector<DatasetUsage> datasetUsage(ProjectStore& store);

struct RemovedDataset {
    int64_t id = 0;
    std::string name;
    int64_t samples = 0, scores = 0, overrides = 0;
};

// Deletes the dataset with its samples, their texts, overrides and scores, in one transaction.
// Refuses (DbError) an unknown id and a dataset that a live process is importing; an import on
// another host is refused unless `force`.
RemovedDataset deleteDataset(ProjectStore& store, int64_t datasetId, bool force = false);

// The deleting itself, without checks, in its own transaction: the dataset's rows and every
// row referencing them (foreign keys off meanwhile; see the .cpp). The
// importer uses it to drop its own dataset on cancel or failure.
void deleteDatasetRows(Database& db, int64_t datasetId);

// Deletes every interrupted import (state "interrupted"), never a live one; returns what went.
std::vector<RemovedDataset> removeInterruptedImports(ProjectStore& store);

// "2 interrupted imports removed (#3 big.jsonl, #5 x.jsonl; 8905 partial samples)", or "".
std::string describeRemoved(const std::vector<RemovedDataset>& removed);

}  // namespace gateau::db
