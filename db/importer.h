#pragma once
// Streams a dataset file into a project: parse on one thread, write on the caller's,
// commit in batches, bounded memory whatever the file size.
#include "core/datasets/conversation.h"
#include "core/datasets/record_stream.h"
#include "db/dataset_admin.h"
#include "db/project_store.h"

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gateau::db {

struct ImportProgress {
    uint64_t bytesRead = 0, totalBytes = 0;
    int64_t records = 0, errors = 0;
    double seconds = 0;
};

struct ImportOptions {
    datasets::Format format = datasets::Format::Auto;
    std::function<void(const ImportProgress&)> progress;  // called on the importing thread
    const std::atomic<bool>* cancel = nullptr;
    size_t maxStoredIssues = 1000;  // the report keeps the first N issues and the total count
};

struct ImportResult {
    enum class Status { Imported, AlreadyImported, Cancelled };
    Status status = Status::Imported;
    int64_t datasetId = 0;  // the new dataset, or the existing one when already imported
    std::string format;
    int64_t samples = 0, errors = 0;
    std::vector<datasets::StreamIssue> issues;  // first maxStoredIssues, line-numbered
    uint64_t bytes = 0;
    double seconds = 0;
    std::string reportJson;  // what is stored in datasets.report
    std::vector<RemovedDataset> removedInterrupted;  // earlier imports killed midway, removed first
    // Records skipped because their conversation is already in the project (docs/datasets.md
    // "Duplicates"), the first 20 line-numbered; AlreadyImported when every good one was.
    int64_t duplicates = 0;
    std::vector<datasets::StreamIssue> duplicateExamples;
    int64_t firstDuplicateOf = 0;  // the dataset holding the first duplicate
    // Records stored but nearly the same as an earlier sample (docs/datasets.md
    // "Near-duplicates"), the first 20 line-numbered.
    int64_t nearDuplicates = 0;
    std::vector<datasets::StreamIssue> nearDuplicateExamples;
};

// A failure that imports nothing (missing file, no valid record); the message names the file.
struct ImportError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

ImportResult importDataset(ProjectStore& store, const std::string& path, const ImportOptions& opts = {});

}  // namespace gateau::db
