#pragma once
// Writes files so that readers see either the old files or the complete new ones (docs/scoring.md
// "Export"): the data goes to a temporary file next to each target ("<path>.tmp-<host>-<pid>"),
// is flushed and fsynced, then renamed over it.
//
// Leftovers are cleaned, not hoped away: a temp file is removed by its destructor, by SIGINT /
// SIGTERM / SIGHUP (removeRegisteredTempFiles, called from the CLI's signal handler), and a
// kill -9's temp files are removed by the next AtomicFile in the same folder once their
// process is gone. Several files committed as one (AtomicFileSet) are renamed under a journal,
// so a kill between two renames is completed by the next writer in that folder.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gateau::util {

// "<path>.tmp-<host>-<pid>": the name of this process's temporary file for `path`.
std::string tempPathFor(const std::string& path);

// Completes any commit journal left in `path`'s folder by a killed writer, then removes the
// temporary files of targets in that folder whose writer (this host, pid) no longer runs.
// Holds the folder's lock (flock) meanwhile. Best effort: errors are ignored.
void cleanupAbandonedTemps(const std::string& path);

// Async-signal-safe: unlinks every temporary file registered by a live AtomicFile (or
// TempFileGuard) of this process. For signal handlers, which must then end the process: a
// commit on another thread that has not renamed anything yet waits for that end instead.
// (The handler may run on any thread, concurrently with the one writing.)
void removeRegisteredTempFiles() noexcept;

// Registers a temporary file for removeRegisteredTempFiles while alive; the destructor
// unregisters it (and removes the file unless release() was called).
class TempFileGuard {
public:
    explicit TempFileGuard(std::string path);
    ~TempFileGuard();
    TempFileGuard(const TempFileGuard&) = delete;
    TempFileGuard& operator=(const TempFileGuard&) = delete;
    void release();  // the file is no longer temporary (renamed, or handed to a journal)
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int slot_ = -1;
    bool released_ = false;
};

class AtomicFile {
public:
    // Creates tempPathFor(path) (after cleanupAbandonedTemps); throws std::runtime_error naming
    // the path on failure.
    explicit AtomicFile(std::string path);
    ~AtomicFile();  // removes the temporary file unless committed
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::string_view bytes);  // throws on a short write (disk full)
    void commit();                       // flush, fsync, rename; throws naming the path

    const std::string& tempPath() const { return guard_.path(); }
    const std::string& path() const { return path_; }

private:
    friend class AtomicFileSet;
    void flushAndClose();  // flush, fsync, close: the temp file is complete on disk

    std::string path_;
    TempFileGuard guard_;
    std::FILE* f_ = nullptr;
    bool committed_ = false;
};

// Several files replaced together: all temp files are written and fsynced, then a journal
// "<first>.commit" listing (temp, target) pairs is written atomically, the temps are renamed
// one by one, and the journal is removed. A process killed after the journal was written
// leaves it behind; the next AtomicFile or AtomicFileSet in that folder (the next export)
// finishes the renames first. So every target is old or new together, except while a
// "<first>.commit" file exists, which says that a commit is under way or awaits completion.
class AtomicFileSet {
public:
    explicit AtomicFileSet(const std::vector<std::string>& paths);
    AtomicFile& file(size_t i) { return *files_.at(i); }
    size_t size() const { return files_.size(); }
    void commit();  // throws naming the file; a failure before the journal changes no target

    static std::string journalPathFor(const std::string& firstPath) { return firstPath + ".commit"; }

private:
    std::vector<std::unique_ptr<AtomicFile>> files_;
};

// Test hook for crash tests: when the environment variable GATEAU_CRASH_AT equals `point`,
// the process kills itself (SIGKILL) there; GATEAU_STOP_AT stops it (SIGSTOP) so that a test
// can signal it at that very point. No effect otherwise.
void crashPoint(const char* point);

}  // namespace gateau::util
