#pragma once
// Streams the records of a JSONL or JSON-array file with bounded memory: a record is
// held only while it is being parsed, whatever the file size.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/sha256.h"

namespace gateau::datasets {

struct StreamIssue {
    int64_t line;  // 1-based line where the problem starts; 0 for the whole file
    std::string message;
};

struct RawRecord {
    int64_t line = 0;       // 1-based line where the record starts
    std::string_view text;  // valid until the next call; followed by readable padding bytes
};

class RecordStream {
public:
    // Throws std::runtime_error naming the file when it cannot be opened. `chunkBytes` is read
    // at a time (the buffer starts at that size); the fuzzer and the tests use a few bytes so
    // that records, lines and the BOM straddle reads.
    explicit RecordStream(const std::string& path, uint64_t maxRecordBytes = 256ull << 20,
                          size_t chunkBytes = size_t(4) << 20);
    ~RecordStream();
    RecordStream(const RecordStream&) = delete;
    RecordStream& operator=(const RecordStream&) = delete;

    // Next record, or false at the end. Structural problems (over-long record, broken
    // array) are appended to `issues`; the stream skips past them where it can.
    bool next(RawRecord& out, std::vector<StreamIssue>& issues);

    bool isJsonArray() const { return array_; }
    uint64_t fileSize() const { return fileSize_; }
    uint64_t bytesRead() const { return bytesRead_; }
    // SHA-256 of every byte of the file; only valid once next() has returned false.
    std::string sha256();

private:
    bool fill();  // reads more bytes after end_; false at EOF
    void compact();
    bool nextLine(RawRecord& out, std::vector<StreamIssue>& issues);
    bool nextArrayElement(RawRecord& out, std::vector<StreamIssue>& issues);
    void start(std::vector<StreamIssue>& issues);

    std::string path_;
    int fd_ = -1;
    uint64_t maxRecord_;
    size_t chunk_;
    uint64_t fileSize_ = 0;
    uint64_t bytesRead_ = 0;
    bool eof_ = false;
    bool started_ = false;
    bool array_ = false;
    bool done_ = false;
    bool sawOpen_ = false;
    std::vector<char> buf_;
    size_t begin_ = 0, end_ = 0;  // unconsumed bytes are buf_[begin_, end_)
    int64_t line_ = 1;            // line number at buf_[begin_]
    util::Sha256 hash_;
    std::string digest_;
};

}  // namespace gateau::datasets
