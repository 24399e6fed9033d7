// libFuzzer: arbitrary bytes as a dataset file through the streaming reader and the
// record parser (JSONL and JSON-array paths), as an import would see them.
//
// Reads of 64 bytes make records, CRLFs and the BOM straddle reads, which the default 4 MiB
// reads of a small input never did, and spare a 4 MiB zero-fill per input. The file lives in
// /dev/shm when there is one. (Its old ~22 execs/s were one input looping forever: a stray
// '}' in a JSON array, corpus/stray-brace-hang.json; docs/testing.md "Fuzzing".)
#include "core/datasets/record_parser.h"
#include "core/datasets/record_stream.h"

#include <cstdio>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = std::string(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") +
                                    "/gateau-fuzz-records-" + std::to_string(getpid()) + ".jsonl";
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    using namespace gateau::datasets;
    RecordStream stream(path, 1 << 16, 64);  // a small limit so over-long paths are reached too
    static RecordParser parser;              // reused like an import does (its buffers grow once)
    RawRecord raw;
    ParsedRecord rec;
    std::string error;
    std::vector<StreamIssue> issues;
    while (stream.next(raw, issues)) {
        if (parser.parse(raw.text, Format::Auto, rec, error)) {
            (void)rec.conversation.instructionText();
            (void)rec.conversation.promptChars();
            (void)Conversation::fromJson(rec.conversation.toJson());
        }
    }
    (void)stream.sha256();
    return 0;
}
