#include "app/cli/command.h"
#include "core/scoring/formulas.h"
#include "db/run_store.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>

namespace {

using namespace gateau;

double parsePercent(std::string v) {
    if (!v.empty() && v.back() == '%') v.pop_back();
    try {
        size_t used = 0;
        double k = std::stod(v, &used);
        if (used == v.size() && k > 0 && k <= 100) return k;
    } catch (const std::exception&) {
    }
    throw cli::CliError("--top expects a percentage in (0, 100], e.g. 10%", 2);
}

const char* overrideName(scoring::Override o) {
    return o == scoring::Override::Keep ? "keep" : o == scoring::Override::Drop ? "drop" : "none";
}

int runRank(const cli::Args& a) {
    const char* usage = "gateau rank PROJECT --run ID [--alpha 0.7] [--top 10% | --top-n N] [--json]";
    cli::ArgParser p(a, {"json"}, {"run", "alpha", "top", "top-n"});
    p.requirePositionals(1, 1, usage);
    if (!p.has("run")) throw cli::CliError(std::string("usage: ") + usage, 2);
    if (p.has("top") && p.has("top-n")) throw cli::CliError("--top and --top-n are exclusive", 2);
    const int64_t runId = p.intValue("run", 0);
    const double alpha = p.doubleValue("alpha", 0.7);
    if (!(alpha >= 0 && alpha <= 1)) throw cli::CliError("--alpha must be in [0, 1]", 2);
    scoring::Selection sel = scoring::Selection::topPercent(10.0);
    if (p.has("top")) sel = scoring::Selection::topPercent(parsePercent(p.value("top")));
    if (p.has("top-n")) {
        const long long n = p.intValue("top-n", 0);
        if (n < 0) throw cli::CliError("--top-n must be >= 0", 2);
        sel = scoring::Selection::topN(n);
    }

    auto store = db::ProjectStore::open(p.positionals()[0], false);
    if (!db::findRun(store, runId)) throw cli::CliError(store.path() + ": no run #" + std::to_string(runId));
    std::vector<db::StoredScore> rows;
    for (auto& r : db::loadRawScores(store, runId))
        if (r.status == "done") rows.push_back(std::move(r));
    if (rows.empty()) throw cli::CliError("run #" + std::to_string(runId) + " has no scored samples yet");

    std::vector<int64_t> ids;
    std::vector<double> pplA, pplB, camRaw;
    std::map<int64_t, size_t> index;
    for (size_t i = 0; i < rows.size(); ++i) {
        ids.push_back(rows[i].sampleId);
        pplA.push_back(rows[i].pplA);
        pplB.push_back(rows[i].pplB);
        camRaw.push_back(rows[i].camRaw);
        index[rows[i].sampleId] = i;
        if (auto o = store.currentOverride(rows[i].sampleId)) {
            if (o->decision == db::Decision::Keep) sel.overrides[rows[i].sampleId] = scoring::Override::Keep;
            if (o->decision == db::Decision::Drop) sel.overrides[rows[i].sampleId] = scoring::Override::Drop;
        }
    }
    const std::vector<double> hmg = scoring::hmgScores(pplA, pplB);
    const std::vector<double> cam = scoring::camScores(camRaw);
    const std::vector<double> score = scoring::combined(hmg, cam, alpha);
    const auto ranked = scoring::rankAndSelect(ids, score, sel);
    int64_t selected = 0;
    for (const auto& r : ranked) selected += r.selected ? 1 : 0;

    auto overrideOf = [&](int64_t id) {
        auto it = sel.overrides.find(id);
        return it == sel.overrides.end() ? scoring::Override::None : it->second;
    };
    if (p.flag("json")) {
        nlohmann::json j;
        j["run"] = runId;
        j["alpha"] = alpha;
        j["pool"] = int64_t(rows.size());
        j["selected"] = selected;
        auto& samples = j["samples"] = nlohmann::json::array();
        for (const auto& r : ranked) {
            const size_t i = index[r.sampleId];
            samples.push_back({{"rank", r.rank},
                               {"sample_id", r.sampleId},
                               {"external_id", rows[i].externalId},
                               {"score", r.score},
                               {"hmg", hmg[i]},
                               {"cam", cam[i]},
                               {"ppl_a", rows[i].pplA},
                               {"ppl_b", rows[i].pplB},
                               {"ifd", rows[i].ifd},
                               {"cas", rows[i].cas},
                               {"selected", r.selected},
                               {"override", overrideName(overrideOf(r.sampleId))}});
        }
        std::cout << j.dump() << "\n";
        return 0;
    }
    std::printf("run #%lld  alpha %.2f  pool %zu  selected %lld\n", (long long)runId, alpha, rows.size(), (long long)selected);
    std::printf("%5s %9s  %-16s %12s %12s %12s %10s %8s  %s\n", "rank", "sample", "external_id", "combined", "HMG", "CAM",
                "PPL_B", "IFD", "selected");
    for (const auto& r : ranked) {
        const size_t i = index[r.sampleId];
        std::string ext = rows[i].externalId.size() > 16 ? rows[i].externalId.substr(0, 15) + "~" : rows[i].externalId;
        const auto o = overrideOf(r.sampleId);
        std::printf("%5d %9lld  %-16s %12.6g %12.6g %12.6g %10.4g %8.4g  %s%s\n", r.rank, (long long)r.sampleId,
                    ext.c_str(), r.score, hmg[i], cam[i], rows[i].pplB, rows[i].ifd, r.selected ? "yes" : "no",
                    o == scoring::Override::None ? "" : (std::string(" (") + overrideName(o) + ")").c_str());
    }
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("rank", "gateau rank PROJECT --run ID [--alpha 0.7] [--top 10% | --top-n N] [--json]",
                   "Rank the scored samples of a run by alpha * HMG + (1 - alpha) * CAM and select the top k% or N, "
                   "manual overrides applied.",
                   runRank);
