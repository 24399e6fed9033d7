#pragma once
#include <cstdint>

namespace gateau::util {

// Peak resident set size of this process in bytes (getrusage).
int64_t peakRssBytes();

}  // namespace gateau::util
