#pragma once
#include <optional>
#include <string>

namespace gateau::util {

// Whole file as text; transparently gunzips files ending in ".gz". nullopt when unreadable.
std::optional<std::string> readTextFile(const std::string& path);

}  // namespace gateau::util
