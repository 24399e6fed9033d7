#include "app/cli/command.h"
#include "core/model/hf_cache.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace {

using namespace gateau;

const char* kUsage = "gateau models [--json]";

int runModels(const cli::Args& a) {
    cli::ArgParser p(a, {"json"}, {});
    p.requirePositionals(0, 0, kUsage);
    const std::string cacheDir = model::hfHubCacheDir();
    const auto models = model::listCachedModels(cacheDir);
    if (p.flag("json")) {
        nlohmann::json out{{"cache", cacheDir}, {"models", nlohmann::json::array()}};
        for (const auto& m : models)
            out["models"].push_back({{"repo_id", m.repoId},
                                     {"revision", m.revision},
                                     {"commit", m.commit},
                                     {"spec", m.spec()},
                                     {"path", m.dir},
                                     {"model_type", m.modelType},
                                     {"size_bytes", m.sizeBytes},
                                     {"supported", m.supported},
                                     {"problem", m.problem}});
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::printf("Hugging Face cache %s: %zu model snapshot(s)\n", cacheDir.c_str(), models.size());
    if (models.empty()) return 0;
    size_t w = 8;
    for (const auto& m : models) w = std::max(w, m.spec().size());
    std::printf("%-*s  %-12s  %-14s  %9s  %s\n", int(w), "MODEL", "COMMIT", "MODEL_TYPE", "SIZE", "SUPPORTED");
    for (const auto& m : models)
        std::printf("%-*s  %-12.12s  %-14s  %7.2f GB  %s\n", int(w), m.spec().c_str(), m.commit.c_str(),
                    m.modelType.empty() ? "?" : m.modelType.c_str(), double(m.sizeBytes) / 1e9,
                    m.supported ? "yes" : ("no: " + m.problem).c_str());
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("models", kUsage,
                   "The models in the local Hugging Face cache (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub): "
                   "repo id, revision, model_type, size, and whether the engine supports the family.",
                   runModels);
