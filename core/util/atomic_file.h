#pragma once
// Writes a file so that readers see either the old file or the complete new one: the data
// goes to a temporary file next to the target, is flushed and fsynced, then renamed over
// it. A crash or an exception before commit() leaves no half-written file behind.
#include <cstdio>
#include <string>
#include <string_view>

namespace gateau::util {

class AtomicFile {
public:
    // Creates "<path>.tmp-<pid>"; throws std::runtime_error naming the path on failure.
    explicit AtomicFile(std::string path);
    ~AtomicFile();  // removes the temporary file unless committed
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::string_view bytes);  // throws on a short write (disk full)
    void commit();                       // flush, fsync, rename; throws naming the path

    const std::string& tempPath() const { return temp_; }

private:
    std::string path_, temp_;
    std::FILE* f_ = nullptr;
    bool committed_ = false;
};

}  // namespace gateau::util
