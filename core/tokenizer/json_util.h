#pragma once
// Small checked accessors for tokenizer.json sections, so malformed files give one clear message.
#include <string>

#include <nlohmann/json.hpp>

#include "core/tokenizer/tokenizer.h"

namespace gateau::tok::jsonutil {

constexpr int kMaxDepth = 32;  // nested Sequence sections; deeper means a broken or hostile file

inline const nlohmann::json& field(const nlohmann::json& j, const char* key, const std::string& where,
                                   const std::string& sourceName) {
    if (!j.is_object() || !j.contains(key))
        throw TokenizerError(sourceName + ": " + where + " has no \"" + key + "\" field");
    return j.at(key);
}

inline std::string str(const nlohmann::json& j, const char* key, const std::string& where, const std::string& sourceName) {
    const auto& v = field(j, key, where, sourceName);
    if (!v.is_string()) throw TokenizerError(sourceName + ": " + where + ".\"" + key + "\" is not a string");
    return v.get<std::string>();
}

inline std::string strOr(const nlohmann::json& j, const char* key, const std::string& fallback) {
    if (j.is_object()) {
        auto it = j.find(key);
        if (it != j.end() && it->is_string()) return it->get<std::string>();
    }
    return fallback;
}

inline bool boolOr(const nlohmann::json& j, const char* key, bool fallback) {
    if (j.is_object()) {
        auto it = j.find(key);
        if (it != j.end() && it->is_boolean()) return it->get<bool>();
    }
    return fallback;
}

inline void checkDepth(int depth, const std::string& where, const std::string& sourceName) {
    if (depth > kMaxDepth) throw TokenizerError(sourceName + ": " + where + " nests Sequences too deeply");
}

// The "type" of a section, or a TokenizerError naming the section.
inline std::string type(const nlohmann::json& j, const std::string& where, const std::string& sourceName) {
    return str(j, "type", where, sourceName);
}

// A {"String": s} or {"Regex": r} pattern. Returns true for a regex.
inline bool pattern(const nlohmann::json& j, const std::string& where, const std::string& sourceName,
                    std::string& out) {
    const auto& p = field(j, "pattern", where, sourceName);
    if (p.is_object() && p.contains("Regex") && p["Regex"].is_string()) {
        out = p["Regex"].get<std::string>();
        return true;
    }
    if (p.is_object() && p.contains("String") && p["String"].is_string()) {
        out = p["String"].get<std::string>();
        return false;
    }
    throw TokenizerError(sourceName + ": " + where + ".pattern is neither {\"String\": ...} nor {\"Regex\": ...}");
}

}  // namespace gateau::tok::jsonutil
