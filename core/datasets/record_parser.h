#pragma once
// Turns one JSON record (a JSONL line or a JSON-array element) into a Conversation.
#include "core/datasets/conversation.h"

#include <memory>
#include <string>
#include <string_view>

namespace gateau::datasets {

struct ParsedRecord {
    Format format = Format::Auto;  // the schema the record matched
    Conversation conversation;
    std::string externalId;        // "id"/"_id"/"uuid"/"sample_id"/"idx" when present
};

class RecordParser {
public:
    RecordParser();
    ~RecordParser();
    RecordParser(const RecordParser&) = delete;
    RecordParser& operator=(const RecordParser&) = delete;

    // `json` must be followed by at least kPadding readable bytes (their content is irrelevant):
    // this lets the parser read the stream buffer in place. `format` Auto detects per record.
    // Returns false and sets `error` to a one-line reason (no file/line prefix) when the record
    // is malformed, in an unsupported schema, or has no assistant turn.
    bool parse(std::string_view json, Format format, ParsedRecord& out, std::string& error);

    static constexpr size_t kPadding = 64;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gateau::datasets
