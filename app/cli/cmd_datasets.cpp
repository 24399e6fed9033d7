#include "app/cli/command.h"
#include "db/dataset_admin.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace {

using namespace gateau;

const char* kUsage = "gateau datasets PROJECT [--delete ID [--force]] [--json]";

nlohmann::json removedJson(const db::RemovedDataset& r) {
    return {{"id", r.id}, {"name", r.name}, {"samples", r.samples}, {"scores", r.scores}, {"overrides", r.overrides}};
}

int runDatasets(const cli::Args& a) {
    cli::ArgParser p(a, {"json", "force"}, {"delete"});
    p.requirePositionals(1, 1, kUsage);
    if (p.flag("force") && !p.has("delete")) throw cli::CliError("--force goes with --delete ID", 2);

    if (p.has("delete")) {
        const long long id = p.intValue("delete", 0);
        auto store = db::ProjectStore::open(p.positionals()[0], false);
        const db::RemovedDataset r = db::deleteDataset(store, id, p.flag("force"));
        if (p.flag("json")) {
            std::cout << nlohmann::json{{"deleted", removedJson(r)}}.dump() << "\n";
        } else {
            std::printf("deleted dataset #%lld (%s): %lld samples, %lld scores, %lld override entries\n", id,
                        r.name.c_str(), (long long)r.samples, (long long)r.scores, (long long)r.overrides);
        }
        return 0;
    }

    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    const auto usage = db::datasetUsage(store);
    if (p.flag("json")) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& u : usage)
            out.push_back({{"id", u.info.id},
                           {"name", u.info.name},
                           {"path", u.info.path},
                           {"status", u.info.status},
                           {"state", u.state},
                           {"samples", u.samples},
                           {"scores", u.scores},
                           {"overrides", u.overrides},
                           {"size_bytes", u.info.sizeBytes},
                           {"imported_at", u.info.importedAt},
                           {"importer_pid", u.ownerPid ? nlohmann::json(u.ownerPid) : nlohmann::json(nullptr)},
                           {"importer_host", u.ownerHost.empty() ? nlohmann::json(nullptr) : nlohmann::json(u.ownerHost)}});
        std::cout << nlohmann::json{{"project", store.path()}, {"datasets", out}}.dump(2) << "\n";
        return 0;
    }
    std::printf("%5s  %-30s %-11s %9s %9s %9s  %s\n", "id", "name", "state", "samples", "scores", "overrides", "imported");
    for (const auto& u : usage) {
        std::string state = u.state;
        if (u.state == "importing" || u.state == "elsewhere")
            state += " (pid " + std::to_string(u.ownerPid) + (u.state == "elsewhere" ? " on " + u.ownerHost : "") + ")";
        std::printf("%5lld  %-30s %-11s %9lld %9lld %9lld  %s\n", (long long)u.info.id, u.info.name.c_str(), state.c_str(),
                    (long long)u.samples, (long long)u.scores, (long long)u.overrides, u.info.importedAt.c_str());
    }
    if (usage.empty()) std::printf("(no datasets)\n");
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("datasets", kUsage,
                   "List the datasets of PROJECT with their samples, scores and import state; --delete ID removes one "
                   "with its samples, scores and overrides (one transaction).",
                   runDatasets);
