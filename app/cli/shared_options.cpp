#include "app/cli/shared_options.h"

#include "core/scoring/model_pair.h"
#include "db/ranking.h"

#include <cstdio>

namespace gateau::cli {

RankOptions parseRankOptions(const ArgParser& p, const char* usage) {
    RankOptions o;
    if (!p.has("run")) throw CliError(std::string("--run ID is required; usage: ") + usage, 2);
    if (int(p.has("top")) + int(p.has("top-n")) + int(p.has("budget-tokens")) > 1)
        throw CliError("--top, --top-n and --budget-tokens are exclusive", 2);
    o.runId = p.intValue("run", 0);
    try {
        if (p.has("top")) o.selection = db::parseTopPercent(p.value("top"));
    } catch (const scoring::ScoringError& e) {
        throw CliError(std::string("--top: ") + e.what(), 2);
    }
    if (p.has("top-n")) {
        const long long n = p.intValue("top-n", 0);
        if (n < 0) throw CliError("--top-n must be >= 0", 2);
        o.selection = scoring::Selection::topN(n);
    }
    try {
        if (p.has("budget-tokens")) o.selection = db::parseTokenBudget(p.value("budget-tokens"));
    } catch (const scoring::ScoringError& e) {
        throw CliError(std::string("--budget-tokens: ") + e.what(), 2);
    }
    return o;
}

double alphaOption(const ArgParser& p, db::Database& db) {
    if (!p.has("alpha")) return db::projectAlpha(db);
    const double alpha = p.doubleValue("alpha", db::kDefaultAlpha);
    if (!(alpha >= 0 && alpha <= 1)) throw CliError("--alpha must be in [0, 1]", 2);
    return alpha;
}

jobs::JobOptions parseJobOptions(const ArgParser& p) {
    jobs::JobOptions options;
    try {
        options.config = scoring::loadRunConfig(p.value("config"));
        options.devices = jobs::parseDeviceList(p.value("devices", options.config.device));
        jobs::resolveAutoDtype(options);
        // Refusals (B's window, A's tokenizer) before anything is hashed or loaded.
        for (const auto& note : scoring::checkRunModels(options.config, p.value("config")))
            std::fprintf(stderr, "gateau: %s\n", note.c_str());
    } catch (const scoring::ScoringError& e) {
        throw CliError(e.what(), 2);
    }
    options.cpuThreads = int(p.intValue("threads", 0));
    return options;
}

}  // namespace gateau::cli
