#pragma once
// Reader for the safetensors format: u64 LE header length, JSON header, raw tensor bytes.
// Every offset in the header is checked before any tensor byte is touched, so corrupt or
// truncated files give a ModelError naming the file and tensor instead of a crash.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/model/config.h"
#include "core/model/dtype.h"

namespace gateau::model {

constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull * 1024 * 1024;

struct TensorInfo {
    std::string name;
    std::string dtypeName;  // as written: "BF16", "I64", ...
    DType dtype = DType::Other;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // data_offsets, relative to the end of the header
    uint64_t end = 0;

    uint64_t numel() const;
    uint64_t nbytes() const { return end - begin; }
};

struct SafetensorsHeader {
    uint64_t headerLength = 0;
    uint64_t dataOffset = 0;  // 8 + headerLength: where tensor bytes start in the file
    std::vector<TensorInfo> tensors;  // sorted by name
    std::map<std::string, std::string> metadata;
};

// Parses and validates the header. `bytes` holds the first `size` bytes of a file whose
// total length is `fileSize` (size may be less, as long as it covers the header).
// `source` names the file in error messages.
SafetensorsHeader parseSafetensorsHeader(const uint8_t* bytes, size_t size, uint64_t fileSize,
                                         const std::string& source);

// A read-only memory-mapped .safetensors file.
class SafetensorsFile {
public:
    static SafetensorsFile open(const std::string& path);
    SafetensorsFile(SafetensorsFile&& o) noexcept;
    SafetensorsFile& operator=(SafetensorsFile&& o) noexcept;
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;
    ~SafetensorsFile();

    const std::string& path() const { return path_; }
    uint64_t fileSize() const { return size_; }
    const SafetensorsHeader& header() const { return header_; }
    const std::vector<TensorInfo>& tensors() const { return header_.tensors; }
    const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
    const TensorInfo* find(const std::string& name) const;  // nullptr when absent
    // Start of the tensor's bytes; not necessarily aligned for its dtype.
    const uint8_t* data(const TensorInfo& t) const { return base_ + header_.dataOffset + t.begin; }
    // Throws unless the dtype is F32/F16/BF16, naming file and tensor.
    void requireSupportedDtype(const TensorInfo& t) const;

private:
    SafetensorsFile() = default;
    void unmap();

    std::string path_;
    const uint8_t* base_ = nullptr;
    uint64_t size_ = 0;
    SafetensorsHeader header_;
};

}  // namespace gateau::model
