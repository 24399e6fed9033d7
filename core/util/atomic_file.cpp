#include "core/util/atomic_file.h"

#include "core/util/process_identity.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace gateau::util {

namespace fs = std::filesystem;

namespace {

std::runtime_error ioError(const std::string& what, const std::string& path) {
    return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// Host names go into file names: keep them to a portable alphabet.
std::string safeHost() {
    std::string h = hostName();
    for (char& c : h)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
    return h;
}

fs::path folderOf(const std::string& path) {
    fs::path dir = fs::path(path).parent_path();
    return dir.empty() ? fs::path(".") : dir;
}

void fsyncFolder(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

// flock on a folder: serialises commits, recoveries and cleanups of files in it.
class FolderLock {
public:
    explicit FolderLock(const fs::path& dir) : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY)) {
        if (fd_ >= 0)
            while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
            }
    }
    ~FolderLock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock
    }
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;

private:
    int fd_;
};

// Registered temp paths for the signal handler: fixed slots, no allocation in the handler.
constexpr int kSlots = 32;
std::atomic<const char*> g_temps[kSlots];
// Set by removeRegisteredTempFiles: the process is ending on a signal, which another thread
// may be handling while this one commits.
std::atomic<bool> g_ending{false};

// Renames every (temp, target) pair of a journal whose temp still exists, then removes the
// journal copies. Temps are complete and fsynced before a journal exists, so completing is
// always right; a temp that is gone was renamed already.
void completeJournal(const std::string& journalPath) {
    std::ifstream in(journalPath);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.contains("files")) {  // torn journals are never renamed into place
        std::remove(journalPath.c_str());
        return;
    }
    std::set<fs::path> dirs;
    for (const auto& f : j["files"]) {
        const std::string temp = f.value("temp", ""), target = f.value("target", "");
        if (temp.empty() || target.empty()) continue;
        std::error_code ec;
        if (fs::exists(temp, ec)) std::rename(temp.c_str(), target.c_str());
        dirs.insert(folderOf(target));
    }
    for (const auto& d : dirs) fsyncFolder(d);
    for (const auto& f : j["files"]) {
        const std::string target = f.value("target", "");
        if (!target.empty()) std::remove(AtomicFileSet::journalPathFor(target).c_str());
    }
    std::remove(journalPath.c_str());
}

// A temp name's writer: "<base>.tmp-<host>-<pid>" (or "<base>.tmp-<pid>" of older versions,
// which wrote on this host). False when the suffix is not ours.
bool parseTempSuffix(const std::string& suffix, std::string& host, int64_t& pid) {
    const auto dash = suffix.rfind('-');
    const std::string digits = dash == std::string::npos ? suffix : suffix.substr(dash + 1);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return false;
    host = dash == std::string::npos ? safeHost() : suffix.substr(0, dash);
    pid = std::strtoll(digits.c_str(), nullptr, 10);
    return true;
}

void removeDeadTemps(const std::string& path) {
    const fs::path dir = folderOf(path);
    const std::string base = fs::path(path).filename().string();
    const std::string me = safeHost();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        for (const std::string& prefix : {base + ".tmp-", base + ".commit.tmp-"}) {
            if (name.compare(0, prefix.size(), prefix) != 0) continue;
            std::string host;
            int64_t pid = 0;
            if (parseTempSuffix(name.substr(prefix.size()), host, pid) && host == me && !processAlive(pid))
                fs::remove(e.path(), ec);
        }
    }
}

// Temp, fsync, rename; without AtomicFile, whose cleanup would take the folder lock the
// caller holds (flock does not nest across descriptors).
void writeSmallFileDurably(const std::string& path, const std::string& bytes) {
    TempFileGuard temp(tempPathFor(path));
    std::FILE* f = std::fopen(temp.path().c_str(), "wb");
    if (!f) throw ioError("cannot create", temp.path());
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0 &&
                    ::fsync(::fileno(f)) == 0;
    if (std::fclose(f) != 0 || !ok) throw ioError("cannot write", temp.path());
    if (std::rename(temp.path().c_str(), path.c_str()) != 0) throw ioError("cannot rename to", path);
    temp.release();
}

}  // namespace

std::string tempPathFor(const std::string& path) { return path + ".tmp-" + safeHost() + "-" + std::to_string(::getpid()); }

void cleanupAbandonedTemps(const std::string& path) {
    try {
        FolderLock lock(folderOf(path));
        const std::string journal = AtomicFileSet::journalPathFor(path);
        std::error_code ec;
        if (fs::exists(journal, ec)) completeJournal(journal);
        removeDeadTemps(path);
    } catch (const std::exception&) {
        // Cleaning up is a courtesy; the write that follows reports real problems.
    }
}

void removeRegisteredTempFiles() noexcept {
    g_ending.store(true);  // first: a commit that releases its temps after this renames nothing
    for (auto& slot : g_temps)
        if (const char* p = slot.load()) ::unlink(p);
}

TempFileGuard::TempFileGuard(std::string path) : path_(std::move(path)) {
    for (int i = 0; i < kSlots; ++i) {
        const char* expected = nullptr;
        if (g_temps[i].compare_exchange_strong(expected, path_.c_str())) {
            slot_ = i;
            break;
        }
    }
}

TempFileGuard::~TempFileGuard() {
    if (slot_ >= 0) g_temps[slot_].store(nullptr);
    if (!released_) std::remove(path_.c_str());
}

void TempFileGuard::release() {
    if (slot_ >= 0) g_temps[slot_].store(nullptr);
    slot_ = -1;
    released_ = true;
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), guard_((cleanupAbandonedTemps(path_), tempPathFor(path_))) {
    f_ = std::fopen(tempPath().c_str(), "wb");
    if (!f_) throw ioError("cannot create", tempPath());
}

AtomicFile::~AtomicFile() {
    if (f_) std::fclose(f_);
}

void AtomicFile::write(std::string_view bytes) {
    if (!f_) throw std::runtime_error(path_ + ": write after commit");
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size())
        throw ioError("cannot write", tempPath());
}

void AtomicFile::flushAndClose() {
    if (!f_) throw std::runtime_error(path_ + ": committed twice");
    if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0) throw ioError("cannot flush", tempPath());
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) throw ioError("cannot close", tempPath());
}

void AtomicFile::commit() {
    flushAndClose();
    if (std::rename(tempPath().c_str(), path_.c_str()) != 0) throw ioError("cannot rename to", path_);
    guard_.release();
    committed_ = true;
    fsyncFolder(folderOf(path_));
}

AtomicFileSet::AtomicFileSet(const std::vector<std::string>& paths) {
    for (const auto& p : paths) files_.push_back(std::make_unique<AtomicFile>(p));
}

void AtomicFileSet::commit() {
    crashPoint("commit-start");
    for (auto& f : files_) f->flushAndClose();
    crashPoint("commit-temps-written");
    std::set<fs::path> dirs;
    for (auto& f : files_) dirs.insert(fs::absolute(folderOf(f->path())));
    std::vector<std::unique_ptr<FolderLock>> locks;  // sorted order: no deadlock between writers
    for (const auto& d : dirs) locks.push_back(std::make_unique<FolderLock>(d));

    nlohmann::json j;
    j["pid"] = ::getpid();
    j["host"] = hostName();
    auto& list = j["files"] = nlohmann::json::array();
    for (auto& f : files_) list.push_back({{"temp", fs::absolute(f->tempPath()).string()}, {"target", fs::absolute(f->path()).string()}});
    // From here on the temps belong to the journal: a signal must not delete them. A signal
    // handled on another thread may have removed some already: then rename nothing and
    // wait for the end (the handler ends the process), so the targets stay the old pair.
    for (auto& f : files_) f->guard_.release();
    while (g_ending.load()) ::pause();
    try {
        for (auto& f : files_) writeSmallFileDurably(journalPathFor(f->path()), j.dump());
    } catch (...) {  // nothing renamed yet: undo, so that no later writer completes this commit
        for (auto& f : files_) std::remove(journalPathFor(f->path()).c_str());
        for (auto& f : files_) std::remove(f->tempPath().c_str());
        throw;
    }
    crashPoint("commit-journal-written");
    for (size_t i = 0; i < files_.size(); ++i) {
        AtomicFile& f = *files_[i];
        if (std::rename(f.tempPath().c_str(), f.path().c_str()) != 0) throw ioError("cannot rename to", f.path());
        f.committed_ = true;
        if (i == 0) crashPoint("commit-renamed-first");
    }
    for (const auto& d : dirs) fsyncFolder(d);
    crashPoint("commit-renamed-all");
    for (auto& f : files_) std::remove(journalPathFor(f->path()).c_str());
}

void crashPoint(const char* point) {
    static const char* crash = std::getenv("GATEAU_CRASH_AT");
    static const char* stop = std::getenv("GATEAU_STOP_AT");
    if (crash && std::strcmp(crash, point) == 0) std::raise(SIGKILL);
    if (stop && std::strcmp(stop, point) == 0) std::raise(SIGSTOP);  // the test signals, then continues us
}

}  // namespace gateau::util
