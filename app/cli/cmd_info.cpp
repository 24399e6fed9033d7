#include "app/cli/command.h"
#include "db/project_store.h"

#include <cstdio>
#include <iostream>

namespace {

using namespace gateau;

int runInfo(const cli::Args& a) {
    cli::ArgParser p(a, {"json"}, {});
    p.requirePositionals(1, 1, "gateau info PROJECT [--json]");
    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    if (p.flag("json")) {
        std::cout << store.infoJson() << "\n";
        return 0;
    }
    auto datasets = store.datasets();
    std::printf("project %s: %lld samples in %zu datasets\n", store.path().c_str(), (long long)store.sampleCount(), datasets.size());
    for (const auto& d : datasets)
        std::printf("  #%lld %-30s %-9s %-8s %8lld samples %6lld skipped  %.1f MB  %s%s\n", (long long)d.id, d.name.c_str(),
                    d.format.c_str(), d.status.c_str(), (long long)d.sampleCount, (long long)d.errorCount,
                    double(d.sizeBytes) / 1e6, d.importedAt.c_str(), d.status == "complete" ? "" : "  (being imported, or interrupted: see gateau datasets)");
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("info", "gateau info PROJECT [--json]",
                   "Datasets, sample counts and import reports of a project.", runInfo);
