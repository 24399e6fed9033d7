#pragma once
#include <string>

namespace gateau::util {

// Console (stderr) + rotating file logger as spdlog's default logger.
// `logDir` empty: console only. Safe to call more than once.
void setupLogging(const std::string& logDir, bool verbose);

// $XDG_DATA_HOME/gateau/logs (or ~/.local/share/gateau/logs): used by the CLI.
std::string defaultLogDir();

}  // namespace gateau::util
