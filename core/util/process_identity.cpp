#include "core/util/process_identity.h"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace gateau::util {

std::string hostName() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
    return buf;
}

std::string processStartTime(int64_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) return {};
    // Field 2 (the command) is in parentheses and may hold spaces: count from the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 > stat.size()) return {};
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i)
        if (i == 22) return field;
    return {};
}

bool processAlive(int64_t pid, const std::string& startTime) {
    if (pid <= 0) return false;
    if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH) return false;
    if (startTime.empty()) return true;
    const std::string now = processStartTime(pid);
    return now.empty() || now == startTime;
}

}  // namespace gateau::util
