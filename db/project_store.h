#pragma once
// One project = one SQLite file: datasets, samples, overrides (and later runs and scores).
#include "core/datasets/conversation.h"
#include "db/sqlite.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateau::datasets {
class RecordParser;
}

namespace gateau::db {

struct DatasetInfo {
    int64_t id = 0;
    std::string path, name, sha256, format, status, importedAt;
    int64_t sizeBytes = 0, sampleCount = 0, errorCount = 0;
    std::string reportJson;
};

struct SampleRow {
    int64_t id = 0, datasetId = 0, line = 0;
    std::string externalId, datasetName, preview;
    int64_t turns = 0, promptChars = 0, responseChars = 0;
};

struct SampleText {
    std::string raw;                      // the original record, byte for byte
    datasets::Conversation conversation;  // extracted from `raw` by the import's parser
};

enum class Decision { None, Keep, Drop };
const char* decisionName(Decision d);
// "keep" / "drop"; anything else is None.
Decision decisionFromName(std::string_view s);

struct OverrideEntry {
    int64_t id = 0, sampleId = 0;
    Decision decision = Decision::None;
    std::string note, createdAt;
};

// UTC now as ISO 8601 with milliseconds, the timestamp format of every stored row.
std::string utcNow();

class ProjectStore {
public:
    // Opens a project; `create` makes the file when missing. Migrates old schemas; refuses
    // newer ones and foreign files with a DbError naming the file.
    static ProjectStore open(const std::string& path, bool create);
    // For commands that only read (info, rank, export, evaluate): opens the file read-only, so
    // a read-only file or folder works; same checks as open(). A project that still needs
    // migrations is opened as open(path, false) does.
    static ProjectStore openReadOnly(const std::string& path);
    ProjectStore(ProjectStore&&) noexcept;
    ProjectStore& operator=(ProjectStore&&) noexcept;
    ~ProjectStore();

    Database& db() { return db_; }
    const std::string& path() const { return db_.path(); }

    std::vector<DatasetInfo> datasets();  // every dataset, interrupted imports included
    int64_t sampleCount();                // samples of completely imported datasets

    // Samples of complete datasets with id > afterId in id order (keyset paging for views).
    std::vector<SampleRow> samplesAfter(int64_t afterId, int limit);
    std::optional<SampleText> sampleText(int64_t sampleId);

    // Every change appends a row; the newest row is the sample's current decision (one
    // annotator; with several, db/team_review.h says which decision applies). The row names
    // defaultAnnotator(); db::addOverrideBy names another.
    void addOverride(int64_t sampleId, Decision decision, const std::string& note);
    std::optional<OverrideEntry> currentOverride(int64_t sampleId);
    std::vector<OverrideEntry> overrideHistory(int64_t sampleId);
    // The newest entry of every sample that has one (decision none included), by sample id.
    std::vector<OverrideEntry> currentOverrides();

    // `gateau info --json`: {"project", "schema_version", "datasets": [...], "samples"}.
    std::string infoJson();

    // Upkeep of long writing commands, cheap to call often (docs/store.md "Which files make a
    // project"): at most every 2 s verifyPath(), at most every 5 s a PASSIVE checkpoint, which
    // folds the -wal into the project file so that a killed process leaves little in it.
    void maintain();
    // The end of a writing command: verifyPath(), then checkpoint(true). Throws like verifyPath.
    void finish();
    // Throws DbError when path() no longer names the file this store has open (renamed,
    // replaced or deleted meanwhile: the writes went to the file, not to the name), after
    // saving what it can: a moved file gets the -wal folded in and the message says where it
    // is now; a deleted one is copied next to path() and the message names the copy.
    void verifyPath();
    // PASSIVE never waits; TRUNCATE (truncate = true) waits up to 200 ms for other processes'
    // readers, then folds in what it can. Best effort: errors are logged, not thrown.
    void checkpoint(bool truncate);

private:
    explicit ProjectStore(Database db);
    Database db_;
    std::unique_ptr<datasets::RecordParser> parser_;  // re-extracts conversations on read
    uint64_t device_ = 0, inode_ = 0;                 // of the file opened, to notice a rename
    std::chrono::steady_clock::time_point lastVerify_, lastCheckpoint_;
};

}  // namespace gateau::db
