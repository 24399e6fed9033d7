#pragma once
// Telling a live process from a dead one, for files and rows that name their writer
// (export temp files, project workers): host name, pid and the pid's start time.
#include <cstdint>
#include <string>

namespace gateau::util {

// This machine's name (gethostname).
std::string hostName();
// The process's start time as the kernel counts it (/proc/PID/stat field 22): with the pid
// it names one process even after the pid is reused. Empty when unknown.
std::string processStartTime(int64_t pid);
// Whether `pid` runs on this host; with a non-empty startTime, whether that very process
// does (a reused pid has another start time).
bool processAlive(int64_t pid, const std::string& startTime = {});

}  // namespace gateau::util
