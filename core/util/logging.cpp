#include "core/util/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

namespace gateau::util {

void setupLogging(const std::string& logDir, bool verbose) {
    std::vector<spdlog::sink_ptr> sinks;
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
    sinks.push_back(console);
    if (!logDir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(logDir, ec);
        if (!ec) {
            try {
                auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                    logDir + "/gateau.log", 5 * 1024 * 1024, 3);
                file->set_level(spdlog::level::debug);
                sinks.push_back(file);
            } catch (const spdlog::spdlog_ex&) {
                // An unwritable log folder must not stop the tool; the console still works.
            }
        }
    }
    auto logger = std::make_shared<spdlog::logger>("gateau", sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::debug);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

std::string defaultLogDir() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/gateau/logs";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.local/share/gateau/logs";
    return {};
}

}  // namespace gateau::util
