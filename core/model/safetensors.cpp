#include "core/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace gateau::model {

namespace {

using nlohmann::json;

// A valid header nests three levels ({ tensor { shape [ ); anything far deeper is hostile
// and would only cost stack and memory in the JSON parser.
constexpr int kMaxJsonDepth = 8;

[[noreturn]] void fail(const std::string& source, const std::string& what) {
    throw ModelError(source + ": " + what);
}

[[noreturn]] void failTensor(const std::string& source, const std::string& tensor,
                             const std::string& what) {
    throw ModelError(source + ": tensor '" + tensor + "': " + what);
}

int jsonNestingDepth(const char* p, size_t n) {
    int depth = 0, maxDepth = 0;
    bool inString = false, escaped = false;
    for (size_t i = 0; i < n; ++i) {
        char c = p[i];
        if (inString) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') inString = false;
            continue;
        }
        if (c == '"') inString = true;
        else if (c == '{' || c == '[') maxDepth = std::max(maxDepth, ++depth);
        else if (c == '}' || c == ']') --depth;
        if (maxDepth > kMaxJsonDepth) break;
    }
    return maxDepth;
}

bool asU64(const json& v, uint64_t& out) {
    if (v.is_number_unsigned()) {
        out = v.get<uint64_t>();
        return true;
    }
    if (v.is_number_integer() && v.get<int64_t>() >= 0) {
        out = static_cast<uint64_t>(v.get<int64_t>());
        return true;
    }
    return false;
}

TensorInfo parseEntry(const std::string& source, const std::string& name, const json& v,
                      uint64_t dataSize) {
    if (!v.is_object()) failTensor(source, name, "header entry is not an object");
    TensorInfo t;
    t.name = name;

    auto dt = v.find("dtype");
    if (dt == v.end() || !dt->is_string()) failTensor(source, name, "missing or non-string 'dtype'");
    t.dtypeName = dt->get<std::string>();
    auto elemSize = safetensorsDtypeSize(t.dtypeName);
    if (!elemSize) failTensor(source, name, "unknown dtype '" + t.dtypeName + "'");
    t.dtype = dtypeFromName(t.dtypeName);

    auto sh = v.find("shape");
    if (sh == v.end() || !sh->is_array()) failTensor(source, name, "missing or non-array 'shape'");
    uint64_t numel = 1;
    bool overflow = false;
    for (const auto& d : *sh) {
        uint64_t dim;
        if (!asU64(d, dim) || dim > static_cast<uint64_t>(INT64_MAX))
            failTensor(source, name, "shape entries must be non-negative integers");
        t.shape.push_back(static_cast<int64_t>(dim));
        overflow = overflow || __builtin_mul_overflow(numel, dim, &numel);
    }

    auto off = v.find("data_offsets");
    if (off == v.end() || !off->is_array() || off->size() != 2 || !asU64((*off)[0], t.begin) ||
        !asU64((*off)[1], t.end))
        failTensor(source, name, "'data_offsets' must be two non-negative integers");
    if (t.begin > t.end)
        failTensor(source, name, "data_offsets begin " + std::to_string(t.begin) +
                                     " is after end " + std::to_string(t.end));
    if (t.end > dataSize)
        failTensor(source, name, "data_offsets end " + std::to_string(t.end) +
                                     " is beyond the data section (" + std::to_string(dataSize) +
                                     " bytes; file truncated?)");
    uint64_t expected = 0;
    if (overflow || __builtin_mul_overflow(numel, *elemSize, &expected) ||
        expected != t.end - t.begin) {
        std::string shape;
        for (auto d : t.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
        failTensor(source, name, "shape [" + shape + "] of " + t.dtypeName + " needs " +
                                     (overflow ? std::string("more than 2^64") : std::to_string(expected)) +
                                     " bytes but data_offsets span " + std::to_string(t.end - t.begin));
    }
    return t;
}

}  // namespace

uint64_t TensorInfo::numel() const {
    uint64_t n = 1;
    for (auto d : shape) n *= static_cast<uint64_t>(d);
    return n;
}

SafetensorsHeader parseSafetensorsHeader(const uint8_t* bytes, size_t size, uint64_t fileSize,
                                         const std::string& source) {
    if (fileSize < 8 || size < 8)
        fail(source, "file is " + std::to_string(fileSize) +
                         " bytes, too small for a safetensors header length");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
    if (n > kMaxSafetensorsHeaderBytes)
        fail(source, "header length " + std::to_string(n) + " exceeds the " +
                         std::to_string(kMaxSafetensorsHeaderBytes) + "-byte limit (corrupt file?)");
    if (n > fileSize - 8)
        fail(source, "header length " + std::to_string(n) + " is larger than the file (" +
                         std::to_string(fileSize) + " bytes; truncated?)");
    if (n > size - 8) fail(source, "header is not fully available in memory");
    if (n < 2) fail(source, "header of " + std::to_string(n) + " bytes cannot hold a JSON object");

    const char* text = reinterpret_cast<const char*>(bytes + 8);
    if (text[0] != '{') fail(source, "header does not start with '{'");
    if (jsonNestingDepth(text, n) > kMaxJsonDepth) fail(source, "header JSON is nested too deeply");
    json root = json::parse(text, text + n, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) fail(source, "header is not valid JSON");
    if (!root.is_object()) fail(source, "header JSON is not an object");

    SafetensorsHeader h;
    h.headerLength = n;
    h.dataOffset = 8 + n;
    const uint64_t dataSize = fileSize - h.dataOffset;
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it->is_object()) fail(source, "__metadata__ is not an object");
            for (auto m = it->begin(); m != it->end(); ++m) {
                if (!m->is_string())
                    fail(source, "__metadata__ value for '" + m.key() + "' is not a string");
                h.metadata[m.key()] = m->get<std::string>();
            }
            continue;
        }
        h.tensors.push_back(parseEntry(source, it.key(), *it, dataSize));
    }

    std::vector<const TensorInfo*> byOffset;
    for (const auto& t : h.tensors)
        if (t.end > t.begin) byOffset.push_back(&t);
    std::sort(byOffset.begin(), byOffset.end(), [](const TensorInfo* a, const TensorInfo* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    for (size_t i = 1; i < byOffset.size(); ++i)
        if (byOffset[i]->begin < byOffset[i - 1]->end)
            failTensor(source, byOffset[i]->name,
                       "byte range [" + std::to_string(byOffset[i]->begin) + ", " +
                           std::to_string(byOffset[i]->end) + ") overlaps tensor '" +
                           byOffset[i - 1]->name + "' [" + std::to_string(byOffset[i - 1]->begin) +
                           ", " + std::to_string(byOffset[i - 1]->end) + ")");
    return h;  // nlohmann's object is a std::map, so tensors are already sorted by name
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path, "not a regular file");
    }
    SafetensorsFile f;
    f.path_ = path;
    f.size_ = static_cast<uint64_t>(st.st_size);
    if (f.size_ < 8) {
        ::close(fd);
        fail(path, "file is " + std::to_string(f.size_) +
                       " bytes, too small for a safetensors header length");
    }
    void* p = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    int mapErr = errno;
    ::close(fd);
    if (p == MAP_FAILED) fail(path, std::string("mmap failed: ") + std::strerror(mapErr));
    f.base_ = static_cast<const uint8_t*>(p);
    f.header_ = parseSafetensorsHeader(f.base_, f.size_, f.size_, path);  // ~f unmaps on throw
    return f;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept
    : path_(std::move(o.path_)), base_(o.base_), size_(o.size_), header_(std::move(o.header_)) {
    o.base_ = nullptr;
    o.size_ = 0;
}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& o) noexcept {
    if (this != &o) {
        unmap();
        path_ = std::move(o.path_);
        base_ = o.base_;
        size_ = o.size_;
        header_ = std::move(o.header_);
        o.base_ = nullptr;
        o.size_ = 0;
    }
    return *this;
}

SafetensorsFile::~SafetensorsFile() { unmap(); }

void SafetensorsFile::unmap() {
    if (base_) ::munmap(const_cast<uint8_t*>(base_), size_);
    base_ = nullptr;
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    auto it = std::lower_bound(header_.tensors.begin(), header_.tensors.end(), name,
                               [](const TensorInfo& t, const std::string& n) { return t.name < n; });
    return it != header_.tensors.end() && it->name == name ? &*it : nullptr;
}

void SafetensorsFile::requireSupportedDtype(const TensorInfo& t) const {
    if (!dtypeSupported(t.dtype))
        failTensor(path_, t.name, "dtype " + t.dtypeName + " is not supported (only F32, F16, BF16)");
}

}  // namespace gateau::model

