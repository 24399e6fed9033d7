#pragma once
// CLI subcommands register themselves here, so adding one touches only its own file.
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gateau::cli {

using Args = std::vector<std::string>;  // arguments after the subcommand name
using Handler = std::function<int(const Args&)>;

struct Command {
    std::string name;
    std::string usage;    // one line: "gateau NAME ARGS..."
    std::string summary;  // one sentence for `gateau help`
    Handler run;
};

std::vector<Command>& registry();

struct Registrar {
    Registrar(Command c) { registry().push_back(std::move(c)); }
};

// Thrown for bad usage or failures; main prints "gateau: <what>" on one line and exits non-zero.
struct CliError : std::runtime_error {
    explicit CliError(const std::string& m, int code = 1) : std::runtime_error(m), exitCode(code) {}
    int exitCode;
};

// Minimal option parser shared by all commands: positionals plus --name value / --flag.
class ArgParser {
public:
    ArgParser(const Args& args, std::vector<std::string> flagNames, std::vector<std::string> valueNames);
    const std::vector<std::string>& positionals() const { return positionals_; }
    bool flag(const std::string& name) const;
    bool has(const std::string& name) const;
    std::string value(const std::string& name, const std::string& fallback = {}) const;
    std::vector<std::string> values(const std::string& name) const;  // every occurrence, in order
    long long intValue(const std::string& name, long long fallback) const;
    double doubleValue(const std::string& name, double fallback) const;
    void requirePositionals(size_t min, size_t max, const std::string& usage) const;

private:
    std::vector<std::string> positionals_;
    std::vector<std::pair<std::string, std::string>> values_;
    std::vector<std::string> flags_;
};

}  // namespace gateau::cli

#define GATEAU_CLI_CONCAT2(a, b) a##b
#define GATEAU_CLI_CONCAT(a, b) GATEAU_CLI_CONCAT2(a, b)
#define GATEAU_CLI_COMMAND(...) \
    static ::gateau::cli::Registrar GATEAU_CLI_CONCAT(gateauCliRegistrar_, __LINE__)(::gateau::cli::Command{__VA_ARGS__})
