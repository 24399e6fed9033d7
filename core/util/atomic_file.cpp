#include "core/util/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <unistd.h>

namespace gateau::util {

namespace {
std::runtime_error ioError(const std::string& what, const std::string& path) {
    return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
    temp_ = path_ + ".tmp-" + std::to_string(::getpid());
    f_ = std::fopen(temp_.c_str(), "wb");
    if (!f_) throw ioError("cannot create", temp_);
}

AtomicFile::~AtomicFile() {
    if (f_) std::fclose(f_);
    if (!committed_) std::remove(temp_.c_str());
}

void AtomicFile::write(std::string_view bytes) {
    if (!f_) throw std::runtime_error(path_ + ": write after commit");
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size())
        throw ioError("cannot write", temp_);
}

void AtomicFile::commit() {
    if (!f_) throw std::runtime_error(path_ + ": committed twice");
    if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0) throw ioError("cannot flush", temp_);
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) throw ioError("cannot close", temp_);
    if (std::rename(temp_.c_str(), path_.c_str()) != 0) throw ioError("cannot rename to", path_);
    committed_ = true;
}

}  // namespace gateau::util
