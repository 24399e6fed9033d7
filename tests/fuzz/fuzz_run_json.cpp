// libFuzzer: arbitrary bytes as RUN.json. Only ScoringError may come out (duplicate keys,
// absurd values and wrong types are refused by name, issue 15 item 12).
#include "core/scoring/formulas.h"
#include "core/scoring/run_config.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace gateau::scoring;
    try {
        (void)parseRunConfig(std::string(reinterpret_cast<const char*>(data), size), "RUN.json", "/base");
    } catch (const ScoringError&) {
    }
    return 0;
}
