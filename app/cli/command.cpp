#include "app/cli/command.h"

#include <algorithm>

namespace gateau::cli {

std::vector<Command>& registry() {
    static std::vector<Command> r;
    return r;
}

ArgParser::ArgParser(const Args& args, std::vector<std::string> flagNames, std::vector<std::string> valueNames) {
    auto known = [](const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
            std::string name = a.substr(2), value;
            bool inlineValue = false;
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                inlineValue = true;
            }
            if (known(flagNames, name) && !inlineValue) {
                flags_.push_back(name);
            } else if (known(valueNames, name)) {
                if (!inlineValue) {
                    if (i + 1 >= args.size()) throw CliError("option --" + name + " needs a value", 2);
                    value = args[++i];
                }
                values_.emplace_back(name, value);
            } else {
                throw CliError("unknown option --" + name, 2);
            }
        } else {
            positionals_.push_back(a);
        }
    }
}

bool ArgParser::flag(const std::string& name) const { return std::find(flags_.begin(), flags_.end(), name) != flags_.end(); }

bool ArgParser::has(const std::string& name) const {
    return std::any_of(values_.begin(), values_.end(), [&](const auto& kv) { return kv.first == name; });
}

std::string ArgParser::value(const std::string& name, const std::string& fallback) const {
    for (auto it = values_.rbegin(); it != values_.rend(); ++it)
        if (it->first == name) return it->second;
    return fallback;
}

std::vector<std::string> ArgParser::values(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& kv : values_)
        if (kv.first == name) out.push_back(kv.second);
    return out;
}

long long ArgParser::intValue(const std::string& name, long long fallback) const {
    if (!has(name)) return fallback;
    std::string v = value(name);
    try {
        size_t used = 0;
        long long r = std::stoll(v, &used);
        if (used == v.size()) return r;
    } catch (const std::exception&) {
    }
    throw CliError("option --" + name + " expects an integer, got '" + v + "'", 2);
}

double ArgParser::doubleValue(const std::string& name, double fallback) const {
    if (!has(name)) return fallback;
    std::string v = value(name);
    try {
        size_t used = 0;
        double r = std::stod(v, &used);
        if (used == v.size()) return r;
    } catch (const std::exception&) {
    }
    throw CliError("option --" + name + " expects a number, got '" + v + "'", 2);
}

void ArgParser::requirePositionals(size_t min, size_t max, const std::string& usage) const {
    if (positionals_.size() < min || positionals_.size() > max) throw CliError("usage: " + usage, 2);
}

}  // namespace gateau::cli
