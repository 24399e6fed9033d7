#include "core/util/process_stats.h"

#include <sys/resource.h>

namespace gateau::util {

int64_t peakRssBytes() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return int64_t(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace gateau::util
