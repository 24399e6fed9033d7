#include "app/cli/command.h"
#include "app/cli/shared_options.h"
#include "db/export.h"

#include <cstdio>

namespace {

using namespace gateau;

const char* kUsage =
    "gateau export PROJECT OUT.jsonl --run ID [--alpha A] [--top 10% | --top-n N | --budget-tokens 50M] [--scores-csv FILE] [--annotator NAME]";

int runExport(const cli::Args& a) {
    auto names = cli::kRankValueNames;
    names.push_back("scores-csv");
    names.push_back("annotator");
    cli::ArgParser p(a, {}, names);
    p.requirePositionals(2, 2, kUsage);
    const cli::RankOptions o = cli::parseRankOptions(p, kUsage);

    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    db::RankInputs in = db::loadRankInputs(store, o.runId);
    if (p.has("annotator")) {
        try {
            db::useAnnotatorDecisions(in, p.value("annotator"));
        } catch (const db::DbError& e) {
            throw cli::CliError(e.what(), 2);
        }
    }
    if (in.samples.empty()) throw cli::CliError("run #" + std::to_string(o.runId) + " has no scored samples yet");
    const double alpha = cli::alphaOption(p, store.db());
    const db::Ranking ranking = db::rankPool(in, alpha, o.selection);
    const std::string csv = p.value("scores-csv");
    const db::ExportCounts n = db::exportRun(store, in, ranking, p.positionals()[1], csv);
    std::printf("exported %lld of %lld samples, %lld tokens (run #%lld, alpha %.2f, overrides applied) to %s\n",
                (long long)n.selected, (long long)ranking.pool, (long long)ranking.selectedTokens, (long long)o.runId,
                alpha, p.positionals()[1].c_str());
    if (p.has("annotator")) std::printf("decisions: %s's alone\n", p.value("annotator").c_str());
    if (!csv.empty()) std::printf("wrote scores of %lld samples to %s\n", (long long)n.csvRows, csv.c_str());
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("export", kUsage,
                   "Write the selected samples of a run, in rank order and their original schema, to a JSONL file "
                   "and optionally every sample's raw and normalised scores as CSV, both replaced together and atomically; "
                   "decisions are the adjudicated ones, or one annotator's with --annotator.",
                   runExport);
