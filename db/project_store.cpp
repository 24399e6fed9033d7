#include "db/project_store.h"

#include "db/annotations.h"

#include "core/datasets/record_parser.h"
#include "db/backup.h"
#include "db/schema.h"

#include <sqlite3.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>

namespace gateau::db {

const char* decisionName(Decision d) {
    switch (d) {
    case Decision::None: return "none";
    case Decision::Keep: return "keep";
    case Decision::Drop: return "drop";
    }
    return "none";
}

Decision decisionFromName(std::string_view s) {
    return s == "keep" ? Decision::Keep : s == "drop" ? Decision::Drop : Decision::None;
}

std::string utcNow() {
    using namespace std::chrono;
    auto now = system_clock::now();
    std::time_t t = system_clock::to_time_t(now);
    int ms = int(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, ms);
    return out;
}

ProjectStore::ProjectStore(Database db) : db_(std::move(db)), parser_(std::make_unique<datasets::RecordParser>()) {}
ProjectStore::ProjectStore(ProjectStore&&) noexcept = default;
ProjectStore& ProjectStore::operator=(ProjectStore&&) noexcept = default;
ProjectStore::~ProjectStore() = default;

namespace {

// sqlite reports a non-database file lazily, at the first statement.
template <typename F>
auto translateNotADatabase(const std::string& path, F&& f) {
    try {
        return f();
    } catch (const DbError& e) {
        if (std::string(e.what()).find("file is not a database") != std::string::npos)
            throw DbError(path + ": not a Gateau project (not an SQLite file)");
        throw;
    }
}

}  // namespace

ProjectStore ProjectStore::open(const std::string& path, bool create) {
    if (!create && !std::filesystem::exists(path)) throw DbError(path + ": no such project file");
    Database db(path, create);
    translateNotADatabase(path, [&] {
        db.exec("PRAGMA foreign_keys = ON");
        migrate(db);
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = NORMAL");
    });
    ProjectStore store(std::move(db));
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        store.device_ = uint64_t(st.st_dev);
        store.inode_ = uint64_t(st.st_ino);
    }
    store.lastVerify_ = store.lastCheckpoint_ = std::chrono::steady_clock::now();
    return store;
}

ProjectStore ProjectStore::openReadOnly(const std::string& path) {
    namespace fs = std::filesystem;
    if (!fs::exists(path)) throw DbError(path + ": no such project file");
    // SQLite reads a WAL project through its -shm file, which it creates beside the project;
    // in a read-only folder without one, the file is read as immutable (nothing can change it).
    OpenMode mode = OpenMode::ReadOnly;
    const std::string folder = fs::absolute(path).parent_path().string();
    std::error_code ec;
    if (::access(folder.c_str(), W_OK) != 0 && !fs::exists(path + "-shm", ec)) {
        if (fs::file_size(path + "-wal", ec) > 0 && !ec)
            throw DbError(path + ": its latest changes are still in " + path +
                          "-wal and its folder is read-only, so SQLite cannot read them; make the folder writable or "
                          "copy the project with its -wal file to a writable folder");
        mode = OpenMode::Immutable;
    }
    Database db(path, mode);
    const int version = translateNotADatabase(path, [&] { return checkProjectFile(db); });
    // An older schema needs its migrations, which write: the ordinary open does them (and
    // says so clearly when the file is read-only).
    if (version < schemaVersion()) return open(path, false);
    db.exec("PRAGMA query_only = ON");
    return ProjectStore(std::move(db));
}

namespace {

// Where this process's open file (device, inode) is now, from /proc/self/fd: "" when no
// descriptor has it, the path with " (deleted)" when it was removed.
std::string openFileLocation(uint64_t device, uint64_t inode) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        struct stat st {};
        if (::stat(e.path().c_str(), &st) != 0 || uint64_t(st.st_dev) != device || uint64_t(st.st_ino) != inode) continue;
        const auto target = std::filesystem::read_symlink(e.path(), ec);
        if (!ec) return target.string();
    }
    return {};
}

}  // namespace

void ProjectStore::maintain() {
    const auto now = std::chrono::steady_clock::now();
    if (now - lastVerify_ >= std::chrono::seconds(2)) {
        lastVerify_ = now;
        verifyPath();
    }
    if (now - lastCheckpoint_ >= std::chrono::seconds(5)) {
        lastCheckpoint_ = now;
        checkpoint(false);
    }
}

void ProjectStore::finish() {
    verifyPath();
    checkpoint(true);
}

void ProjectStore::checkpoint(bool truncate) {
    if (truncate) sqlite3_busy_timeout(db_.handle(), 200);
    const int rc = sqlite3_wal_checkpoint_v2(db_.handle(), "main",
                                             truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (truncate) sqlite3_busy_timeout(db_.handle(), 10000);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) spdlog::warn("{}: checkpoint failed: {}", path(), sqlite3_errmsg(db_.handle()));
}

void ProjectStore::verifyPath() {
    if (inode_ == 0) return;
    struct stat st {};
    if (::stat(path().c_str(), &st) == 0 && uint64_t(st.st_dev) == device_ && uint64_t(st.st_ino) == inode_) return;
    const std::string now = openFileLocation(device_, inode_);
    const std::string deletedTag = " (deleted)";
    const bool deleted = now.empty() || (now.size() > deletedTag.size() &&
                                         now.compare(now.size() - deletedTag.size(), deletedTag.size(), deletedTag) == 0);
    const std::string what = path() + " was " + (deleted ? "deleted" : "renamed or replaced") +
                             " while this command wrote to it, so its writes no longer reach that name; stopped. ";
    inode_ = 0;  // report once: the message below is the command's last word
    // No write may follow (they would land in the -wal under the old name), and when nothing
    // is at the old name now, its -wal and -shm are ours alone: remove them, lest a project
    // moved there later pick up our frames.
    auto stopWriting = [&](bool walSaved) {
        try {
            db_.exec("PRAGMA query_only = 1");
        } catch (const DbError&) {
        }
        std::error_code ec;
        if (walSaved && !std::filesystem::exists(path(), ec)) {
            std::filesystem::remove(path() + "-wal", ec);
            std::filesystem::remove(path() + "-shm", ec);
        }
    };
    if (!deleted) {
        // The open descriptor follows the file: fold the -wal (still under the old name) into it.
        checkpoint(true);
        stopWriting(true);
        throw DbError(what + "Everything written is in " + now + " (the file now at that name): use it, or move it back.");
    }
    const std::string rescue = path() + ".rescued-" + std::to_string(::getpid()) + ".gateau";
    try {
        backupProject(db_, rescue);
    } catch (const std::exception& e) {
        stopWriting(false);
        throw DbError(what + "Saving a copy of what was written failed too: " + e.what());
    }
    stopWriting(true);
    throw DbError(what + "A copy of everything written was saved as " + rescue + ".");
}

std::vector<DatasetInfo> ProjectStore::datasets() {
    auto st = db_.prepare(
        "SELECT id, path, name, coalesce(sha256, ''), format, status, imported_at, size_bytes, sample_count, "
        "error_count, report FROM datasets ORDER BY id");
    std::vector<DatasetInfo> out;
    while (st.step()) {
        DatasetInfo d;
        d.id = st.int64(0);
        d.path = st.text(1);
        d.name = st.text(2);
        d.sha256 = st.text(3);
        d.format = st.text(4);
        d.status = st.text(5);
        d.importedAt = st.text(6);
        d.sizeBytes = st.int64(7);
        d.sampleCount = st.int64(8);
        d.errorCount = st.int64(9);
        d.reportJson = st.text(10);
        out.push_back(std::move(d));
    }
    return out;
}

int64_t ProjectStore::sampleCount() {
    auto st = db_.prepare("SELECT coalesce(sum(sample_count), 0) FROM datasets WHERE status = 'complete'");
    st.step();
    return st.int64(0);
}

std::vector<SampleRow> ProjectStore::samplesAfter(int64_t afterId, int limit) {
    auto st = db_.prepare(
        "SELECT s.id, s.dataset_id, s.line, coalesce(s.external_id, ''), d.name, s.preview, s.turns, s.prompt_chars, "
        "s.response_chars FROM samples s JOIN datasets d ON d.id = s.dataset_id "
        "WHERE s.id > ?1 AND d.status = 'complete' ORDER BY s.id LIMIT ?2");
    st.bind(1, afterId).bind(2, limit);
    std::vector<SampleRow> out;
    out.reserve(size_t(limit));
    while (st.step()) {
        SampleRow r;
        r.id = st.int64(0);
        r.datasetId = st.int64(1);
        r.line = st.int64(2);
        r.externalId = st.text(3);
        r.datasetName = st.text(4);
        r.preview = st.text(5);
        r.turns = st.int64(6);
        r.promptChars = st.int64(7);
        r.responseChars = st.int64(8);
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<SampleText> ProjectStore::sampleText(int64_t sampleId) {
    auto st = db_.prepare(
        "SELECT t.raw, d.format FROM sample_texts t JOIN samples s ON s.id = t.sample_id "
        "JOIN datasets d ON d.id = s.dataset_id WHERE t.sample_id = ?1");
    st.bind(1, sampleId);
    if (!st.step()) return std::nullopt;
    SampleText out{st.text(0), {}};
    std::string padded = out.raw;
    padded.resize(out.raw.size() + datasets::RecordParser::kPadding);
    datasets::ParsedRecord rec;
    std::string error;
    auto format = datasets::parseFormat(st.textView(1)).value_or(datasets::Format::Auto);
    if (!parser_->parse(std::string_view(padded.data(), out.raw.size()), format, rec, error))
        throw DbError(path() + ": sample " + std::to_string(sampleId) + " no longer parses: " + error);
    out.conversation = std::move(rec.conversation);
    return out;
}

void ProjectStore::addOverride(int64_t sampleId, Decision decision, const std::string& note) {
    // Named: an unnamed row would lose to any named one (db/team_review.h), so a decision
    // made without a name would not apply over one the same user made in the workbench.
    addOverrideBy(*this, sampleId, decision, note, defaultAnnotator());
}

static std::vector<OverrideEntry> readOverrides(Statement& st) {
    std::vector<OverrideEntry> out;
    while (st.step())
        out.push_back({st.int64(0), st.int64(1), decisionFromName(st.textView(2)), st.text(3), st.text(4)});
    return out;
}

std::optional<OverrideEntry> ProjectStore::currentOverride(int64_t sampleId) {
    auto st = db_.prepare(
        "SELECT id, sample_id, decision, note, created_at FROM overrides WHERE sample_id = ?1 ORDER BY id DESC LIMIT 1");
    st.bind(1, sampleId);
    auto v = readOverrides(st);
    if (v.empty()) return std::nullopt;
    return v.front();
}

std::vector<OverrideEntry> ProjectStore::overrideHistory(int64_t sampleId) {
    auto st = db_.prepare("SELECT id, sample_id, decision, note, created_at FROM overrides WHERE sample_id = ?1 ORDER BY id");
    st.bind(1, sampleId);
    return readOverrides(st);
}

std::vector<OverrideEntry> ProjectStore::currentOverrides() {
    auto st = db_.prepare(
        "SELECT o.id, o.sample_id, o.decision, o.note, o.created_at FROM overrides o "
        "JOIN (SELECT sample_id, max(id) AS id FROM overrides GROUP BY sample_id) n ON n.id = o.id ORDER BY o.sample_id");
    return readOverrides(st);
}

std::string ProjectStore::infoJson() {
    nlohmann::json j;
    j["project"] = std::filesystem::absolute(path()).string();
    j["schema_version"] = schemaVersion();
    j["samples"] = sampleCount();
    j["datasets"] = nlohmann::json::array();
    for (const auto& d : datasets()) {
        nlohmann::json report = nlohmann::json::parse(d.reportJson, nullptr, false);
        j["datasets"].push_back({{"id", d.id},
                                 {"path", d.path},
                                 {"name", d.name},
                                 {"sha256", d.sha256},
                                 {"format", d.format},
                                 {"status", d.status},
                                 {"imported_at", d.importedAt},
                                 {"size_bytes", d.sizeBytes},
                                 {"samples", d.sampleCount},
                                 {"errors", d.errorCount},
                                 {"report", report.is_discarded() ? nlohmann::json::object() : report}});
    }
    return j.dump(2);
}

}  // namespace gateau::db
