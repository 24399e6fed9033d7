#include "app/cli/command.h"
#include "db/backup.h"
#include "db/project_store.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace {

using namespace gateau;

const char* kUsage = "gateau backup PROJECT OUT";

int runBackup(const cli::Args& a) {
    cli::ArgParser p(a, {}, {});
    p.requirePositionals(2, 2, kUsage);
    const std::string out = p.positionals()[1];
    auto store = db::ProjectStore::open(p.positionals()[0], false);
    const auto t0 = std::chrono::steady_clock::now();
    db::backupProject(store.db(), out);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::error_code ec;
    const double mb = double(std::filesystem::file_size(out, ec)) / 1e6;
    std::printf("backed up %s to %s (%.1f MB, one self-contained file) in %.2f s\n", store.path().c_str(), out.c_str(),
                mb, s);
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("backup", kUsage,
                   "Copy PROJECT to OUT (a new file) consistently while other processes may be writing it: SQLite's "
                   "online backup, checked, one self-contained file.",
                   runBackup);
