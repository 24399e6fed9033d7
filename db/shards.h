#pragma once
// Cluster sharding (docs/scoring.md "Shards"). `gateau score --shard i/N` copies the slice
// of samples with id % N == i (datasets, sample rows and verbatim records, ids kept) from
// the main project into a shard project file and scores that file like any project, so a
// node needs the main project only for the copy. `gateau merge` folds the shards' scores
// back, after checking that each shard holds one run with the expected config and that
// every sample matches the main project's (same id, dataset sha256 and line).
#include "db/project_store.h"
#include "db/run_store.h"

#include <cstdint>
#include <string>

namespace gateau::db {

struct ShardSpec {
    int64_t index = 0, count = 1;  // 0 <= index < count
};

// "i/N" with 0 <= i < N; throws DbError otherwise.
ShardSpec parseShardSpec(const std::string& text);
// "dir/demo.gateau" -> "dir/demo.shard-1-of-4.gateau".
std::string defaultShardPath(const std::string& projectPath, const ShardSpec& spec);

// Creates or tops up the shard file from the main project; returns its sample count. The
// main project is only read. Throws DbError naming the file.
int64_t prepareShard(const std::string& mainPath, const std::string& shardPath, const ShardSpec& spec);

struct MergeResult {
    int64_t runId = 0;                    // the main project's run
    std::string configHash;
    int64_t added = 0, alreadyPresent = 0;  // sample_scores rows
};

// The one run a shard file holds; throws DbError for a missing or foreign file or a file
// without exactly one run.
RunInfo shardRun(const std::string& shardPath);

// Throws DbError unless every sample the shard scored is the same sample in the project
// (same id, dataset sha256 and line): a shard made from another project is refused.
void checkShardSamples(ProjectStore& main, const std::string& shardPath);

// Adds the shard's sample_scores rows to the main project's run with the same config hash
// (created when missing) in one transaction. expectedConfigHash non-empty: the shard's run
// must have it. Rows the main project already has are left as they are. Throws DbError
// (nothing merged) on a foreign file, a shard without exactly one run, a config mismatch or
// a sample that differs from the main project's.
MergeResult mergeShard(ProjectStore& main, const std::string& shardPath, const std::string& expectedConfigHash);

}  // namespace gateau::db
