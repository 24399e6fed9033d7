#include "core/datasets/record_stream.h"

#include "core/datasets/record_parser.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace gateau::datasets {

namespace {
constexpr size_t kPad = RecordParser::kPadding;

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
}  // namespace

RecordStream::RecordStream(const std::string& path, uint64_t maxRecordBytes, size_t chunkBytes)
    : path_(path), maxRecord_(maxRecordBytes), chunk_(std::max<size_t>(chunkBytes, 1)) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd_, &st) != 0 || S_ISDIR(st.st_mode)) {
        ::close(fd_);
        throw std::runtime_error(path + ": not a regular file");
    }
    fileSize_ = uint64_t(st.st_size);
    posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    buf_.resize(chunk_ + kPad);
}

RecordStream::~RecordStream() {
    if (fd_ >= 0) ::close(fd_);
}

void RecordStream::compact() {
    if (begin_ == 0) return;
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
}

bool RecordStream::fill() {
    if (eof_) return false;
    compact();
    if (buf_.size() - kPad - end_ < (chunk_ + 1) / 2) buf_.resize(std::max(buf_.size() * 2, end_ + chunk_ + kPad));
    for (;;) {
        ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - kPad - end_);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(path_ + ": read error: " + std::strerror(errno));
        if (n == 0) {
            eof_ = true;
            return false;
        }
        hash_.update(buf_.data() + end_, size_t(n));
        end_ += size_t(n);
        bytesRead_ += uint64_t(n);
        return true;
    }
}

void RecordStream::start(std::vector<StreamIssue>& issues) {
    started_ = true;
    while (end_ - begin_ < 3 && fill()) {
    }
    if (end_ - begin_ >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) begin_ += 3;
    // The first non-blank byte decides: '[' is a JSON array (a JSONL record is never an array).
    for (;;) {
        size_t i = begin_;
        while (i < end_ && isSpace(buf_[i])) ++i;
        if (i < end_) {
            array_ = buf_[i] == '[';
            return;
        }
        if (!fill()) {
            issues.push_back({0, "file is empty"});
            done_ = true;
            return;
        }
    }
}

bool RecordStream::next(RawRecord& out, std::vector<StreamIssue>& issues) {
    if (!started_) start(issues);
    if (done_) return false;
    bool got = array_ ? nextArrayElement(out, issues) : nextLine(out, issues);
    if (!got) done_ = true;
    return got;
}

bool RecordStream::nextLine(RawRecord& out, std::vector<StreamIssue>& issues) {
    size_t scan = begin_;
    for (;;) {
        const char* nl = static_cast<const char*>(std::memchr(buf_.data() + scan, '\n', end_ - scan));
        if (!nl && end_ - begin_ > maxRecord_) {
            // Drop the over-long line without holding it: skip to its newline.
            issues.push_back({line_, "record longer than " + std::to_string(maxRecord_ >> 20) + " MiB; skipped"});
            for (;;) {
                begin_ = end_;
                if (!fill()) return false;
                nl = static_cast<const char*>(std::memchr(buf_.data() + begin_, '\n', end_ - begin_));
                if (nl) {
                    begin_ = size_t(nl - buf_.data()) + 1;
                    ++line_;
                    break;
                }
            }
            scan = begin_;
            continue;
        }
        if (!nl) {
            size_t scanned = end_ - begin_;
            if (fill()) {
                scan = begin_ + scanned;
                continue;
            }
            if (begin_ == end_) return false;
            nl = buf_.data() + end_;  // last line without a newline
        }
        size_t lineEnd = size_t(nl - buf_.data());
        size_t a = begin_, b = lineEnd;
        int64_t lineNo = line_;
        begin_ = std::min(lineEnd + 1, end_);
        ++line_;
        if (b - a > maxRecord_) {
            issues.push_back({lineNo, "record longer than " + std::to_string(maxRecord_ >> 20) + " MiB; skipped"});
            scan = begin_;
            continue;
        }
        while (a < b && isSpace(buf_[a])) ++a;
        while (b > a && isSpace(buf_[b - 1])) --b;
        if (a == b) {
            scan = begin_;
            continue;  // blank line
        }
        out.line = lineNo;
        out.text = std::string_view(buf_.data() + a, b - a);
        return true;
    }
}

// A byte scanner over the top-level array: finds each element's extent by tracking
// strings and nesting, so only one element is ever held in memory.
bool RecordStream::nextArrayElement(RawRecord& out, std::vector<StreamIssue>& issues) {
    auto need = [&](size_t pos) {  // ensures buf_[pos] is loaded; pos is relative to begin_
        while (begin_ + pos >= end_) {
            if (!fill()) return false;
        }
        return true;
    };
    auto advanceBegin = [&](size_t n) {
        for (size_t i = 0; i < n; ++i) line_ += buf_[begin_ + i] == '\n';
        begin_ += n;
    };
    // Skip whitespace, the opening '[' (first time) and separating commas.
    for (;;) {
        if (!need(0)) {
            issues.push_back({line_, "JSON array is not closed with ']'"});
            return false;
        }
        char c = buf_[begin_];
        if (isSpace(c) || c == ',') {
            advanceBegin(1);
            continue;
        }
        if (c == '[' && !sawOpen_) {
            sawOpen_ = true;
            advanceBegin(1);
            continue;
        }
        if (c == ']') {
            advanceBegin(1);
            size_t i = 0;
            while (need(i)) {
                if (!isSpace(buf_[begin_ + i])) {
                    issues.push_back({line_, "unexpected data after the closing ']' of the JSON array; ignored"});
                    break;
                }
                ++i;
            }
            return false;
        }
        break;
    }
    int depth = 0;
    bool inString = false, escape = false;
    size_t i = 0;
    for (;; ++i) {
        if (i > maxRecord_) {
            issues.push_back({line_, "array element longer than " + std::to_string(maxRecord_ >> 20) +
                                         " MiB; the rest of the file was not read"});
            return false;
        }
        if (!need(i)) {
            if (depth == 0 && !inString && i > 0) break;  // scalar ending the file
            issues.push_back({line_, "JSON array ends inside an element (truncated file?)"});
            return false;
        }
        char c = buf_[begin_ + i];
        if (inString) {
            if (escape) escape = false;
            else if (c == '\\') escape = true;
            else if (c == '"') inString = false;
            if (!inString && depth == 0) {
                ++i;
                break;
            }
            continue;
        }
        if (c == '"') inString = true;
        else if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') {
            if (depth == 0) {
                // A stray '}' where an element starts is an element of its own, which the
                // parser refuses: an empty one would never advance, and the import would
                // loop forever (found by fuzz_dataset_records: corpus/stray-brace-hang.json).
                if (i == 0) ++i;
                break;  // otherwise the array's own ']' ends a scalar element
            }
            if (--depth == 0) {
                ++i;
                break;
            }
        } else if (depth == 0 && (c == ',' || isSpace(c))) break;
    }
    out.line = line_;
    out.text = std::string_view(buf_.data() + begin_, i);
    advanceBegin(i);
    return true;
}

std::string RecordStream::sha256() {
    if (digest_.empty()) {
        while (fill()) begin_ = end_;  // hash whatever was not read (early stop)
        digest_ = hash_.hexDigest();
    }
    return digest_;
}

}  // namespace gateau::datasets
