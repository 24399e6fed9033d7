#include "app/cli/command.h"
#include "app/cli/shared_options.h"
#include "db/ranking.h"
#include "db/score_columns.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace {

using namespace gateau;

const char* kUsage = "gateau rank PROJECT --run ID [--alpha A] [--top 10% | --top-n N | --budget-tokens 50M] [--json]";

int runRank(const cli::Args& a) {
    cli::ArgParser p(a, {"json"}, cli::kRankValueNames);
    p.requirePositionals(1, 1, kUsage);
    const cli::RankOptions o = cli::parseRankOptions(p, kUsage);

    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    const db::RankInputs in = db::loadRankInputs(store, o.runId);
    if (in.samples.empty()) throw cli::CliError("run #" + std::to_string(o.runId) + " has no scored samples yet");
    const double alpha = cli::alphaOption(p, store.db());
    const db::Ranking ranking = db::rankPool(in, alpha, o.selection);

    // Every registered score (db/score_columns.h); "combined" is printed as "score".
    const std::vector<db::ScoreColumn> columns = db::scoreColumns(in, ranking);
    if (p.flag("json")) {
        nlohmann::json j;
        j["run"] = o.runId;
        j["alpha"] = alpha;
        j["pool"] = ranking.pool;
        j["cut"] = ranking.cut;
        j["selected"] = ranking.selected;
        j["selected_tokens"] = ranking.selectedTokens;
        if (o.selection.mode == scoring::Selection::Mode::TokenBudget) j["budget_tokens"] = o.selection.budgetTokens;
        j["failed"] = in.failed;
        auto& samples = j["samples"] = nlohmann::json::array();
        for (const auto& r : ranking.rows) {
            const db::RankInput& s = in.samples[r.input];
            nlohmann::json row = {{"rank", r.rank},
                                  {"sample_id", s.sampleId},
                                  {"external_id", s.externalId},
                                  {"score", r.score},
                                  {"tokens", s.totalTokens()},
                                  {"selected", r.selected},
                                  {"override", db::decisionName(s.decision)}};
            for (const auto& c : columns)
                if (c.key != "combined") row[c.key] = c.values[r.input];
            samples.push_back(std::move(row));
        }
        std::cout << j.dump() << "\n";
        return 0;
    }
    std::printf("run #%lld  alpha %.2f  pool %lld  selected %lld (%lld tokens)  (failed samples not ranked: %lld)\n",
                (long long)o.runId, alpha, (long long)ranking.pool, (long long)ranking.selected,
                (long long)ranking.selectedTokens, (long long)in.failed);
    std::printf("%5s %9s  %-16s", "rank", "sample", "external_id");
    for (const auto& c : columns) std::printf(" %12s", c.displayName.c_str());
    std::printf("  %s\n", "selected");
    for (const auto& r : ranking.rows) {
        const db::RankInput& s = in.samples[r.input];
        const std::string ext = s.externalId.size() > 16 ? s.externalId.substr(0, 15) + "~" : s.externalId;
        const std::string ovr = s.decision == db::Decision::None ? "" : std::string(" (") + db::decisionName(s.decision) + ")";
        std::printf("%5d %9lld  %-16s", r.rank, (long long)s.sampleId, ext.c_str());
        for (const auto& c : columns) std::printf(" %12.6g", c.values[r.input]);
        std::printf("  %s%s\n", r.selected ? "yes" : "no", ovr.c_str());
    }
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("rank", kUsage,
                   "Rank the scored samples of a run by alpha * HMG + (1 - alpha) * CAM and select the top k%, the top N "
                   "or the best samples within a token budget, manual overrides applied.",
                   runRank);
