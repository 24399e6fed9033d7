// gateau: the command-line front end. Every score and export is reproducible from here alone.
#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "core/util/logging.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

using namespace gateau::cli;

static void printHelp() {
    auto cmds = registry();
    std::sort(cmds.begin(), cmds.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
    std::cout << "gateau: long-context SFT data curation (GATEAU)\n\nCommands:\n";
    for (const auto& c : cmds) std::cout << "  " << c.usage << "\n      " << c.summary << "\n";
    std::cout << "\nGlobal: -v/--verbose for debug logging. Exit status is non-zero on any failure.\n";
}

int main(int argc, char** argv) {
    Args args;
    bool verbose = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-v") || !std::strcmp(argv[i], "--verbose")) verbose = true;
        else args.emplace_back(argv[i]);
    }
    gateau::util::setupLogging(gateau::util::defaultLogDir(), verbose);
    installSignalHandlers();
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        printHelp();
        return args.empty() ? 2 : 0;
    }
    const std::string name = args[0];
    args.erase(args.begin());
    // Test hook (tests/app/test_chaos.cpp): tells the parent that start-up (loading LibTorch,
    // static initialisers) is over and the command's work begins, so that random kills land
    // in the work rather than in the dynamic loader.
    if (const char* announce = std::getenv("GATEAU_ANNOUNCE_START"); announce && *announce == '1') {
        std::fprintf(stderr, "gateau: %s started\n", name.c_str());
        std::fflush(stderr);
    }
    // Help is answered here, once for every command, before its own parser (which knows
    // no --help) sees the arguments.
    const bool wantsHelp = std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
    for (const auto& c : registry()) {
        if (c.name != name) continue;
        if (wantsHelp) {
            std::cout << "usage: " << c.usage << "\n\n" << c.summary << "\n";
            return 0;
        }
        try {
            return c.run(args);
        } catch (const CliError& e) {
            std::cerr << "gateau " << name << ": " << e.what() << "\n";
            return e.exitCode;
        } catch (const std::exception& e) {
            spdlog::debug("{} failed: {}", name, e.what());
            std::cerr << "gateau " << name << ": " << e.what() << "\n";
            return 1;
        }
    }
    std::cerr << "gateau: unknown command '" << name << "' (try: gateau help)\n";
    return 2;
}
