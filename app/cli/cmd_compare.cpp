#include "app/cli/command.h"
#include "app/cli/shared_options.h"
#include "db/ranking.h"
#include "db/score_columns.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace {

using namespace gateau;

const char* kUsage = "gateau compare PROJECT --run ID [--alpha A] [--scores A,B] [--top 20] [--json]";

// NaN (a constant score orders nothing) is JSON null, not an invalid token.
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json matrixJson(const std::vector<std::vector<double>>& m) {
    auto j = nlohmann::json::array();
    for (const auto& row : m) {
        auto r = nlohmann::json::array();
        for (double v : row) r.push_back(number(v));
        j.push_back(std::move(r));
    }
    return j;
}

void printMatrix(const char* title, const std::vector<scoring::ScoreColumn>& cols,
                 const std::vector<std::vector<double>>& m) {
    std::printf("%s\n%-10s", title, "");
    for (const auto& c : cols) std::printf(" %9s", c.displayName.c_str());
    std::printf("\n");
    for (size_t a = 0; a < cols.size(); ++a) {
        std::printf("%-10s", cols[a].displayName.c_str());
        for (size_t b = 0; b < cols.size(); ++b) std::printf(" %9.3f", m[a][b]);
        std::printf("\n");
    }
}

int column(const std::vector<scoring::ScoreColumn>& cols, const std::string& name) {
    const int c = scoring::findScoreColumn(cols, name);
    if (c >= 0) return c;
    std::string known;
    for (const auto& s : cols) known += (known.empty() ? "" : ", ") + s.key;
    throw cli::CliError("--scores: no score '" + name + "' (known: " + known + ")", 2);
}

int runCompare(const cli::Args& a) {
    cli::ArgParser p(a, {"json"}, {"run", "alpha", "scores", "top"});
    p.requirePositionals(1, 1, kUsage);
    if (!p.has("run")) throw cli::CliError(std::string("--run ID is required; usage: ") + kUsage, 2);
    const int64_t runId = p.intValue("run", 0);
    const long long top = p.intValue("top", 20);
    if (top < 0) throw cli::CliError("--top must be >= 0", 2);

    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    const db::RankInputs in = db::loadRankInputs(store, runId);
    if (in.samples.empty()) throw cli::CliError("run #" + std::to_string(runId) + " has no scored samples yet");
    const double alpha = cli::alphaOption(p, store.db());
    const db::Ranking ranking = db::rankPool(in, alpha, scoring::Selection::topPercent(100));
    const std::vector<scoring::ScoreColumn> cols = db::scoreColumns(in, ranking);
    const std::vector<int64_t> ids = db::sampleIds(in);
    const scoring::AgreementMatrix m = scoring::agreementMatrix(cols);

    int ca = -1, cb = -1;
    if (p.has("scores")) {
        const std::string s = p.value("scores");
        const size_t comma = s.find(',');
        if (comma == std::string::npos || s.find(',', comma + 1) != std::string::npos)
            throw cli::CliError("--scores takes two scores separated by a comma, e.g. hmg,ifd; got '" + s + "'", 2);
        ca = column(cols, s.substr(0, comma));
        cb = column(cols, s.substr(comma + 1));
    }
    std::vector<scoring::RankDisagreement> pairs;
    if (ca >= 0) pairs = scoring::mostDisagreeing(ids, cols[size_t(ca)], cols[size_t(cb)], size_t(top));

    if (p.flag("json")) {
        nlohmann::json j;
        j["run"] = runId;
        j["alpha"] = alpha;
        j["pool"] = ids.size();
        auto& scores = j["scores"] = nlohmann::json::array();
        for (const auto& c : cols)
            scores.push_back({{"key", c.key}, {"name", c.displayName}, {"higher_is_selected", c.higherIsSelected}});
        j["spearman"] = matrixJson(m.spearman);
        j["kendall"] = matrixJson(m.kendall);
        if (ca >= 0) {
            const auto &A = cols[size_t(ca)], &B = cols[size_t(cb)];
            nlohmann::json pair{{"a", A.key},
                                {"b", B.key},
                                {"spearman", number(m.spearman[size_t(ca)][size_t(cb)])},
                                {"kendall", number(m.kendall[size_t(ca)][size_t(cb)])}};
            auto& samples = pair["samples"] = nlohmann::json::array();
            for (const auto& d : pairs)
                samples.push_back({{"sample_id", ids[d.index]},
                                   {"external_id", in.samples[d.index].externalId},
                                   {"rank_a", d.rankA},
                                   {"rank_b", d.rankB},
                                   {"rank_difference", d.difference()},
                                   {"value_a", number(A.values[d.index])},
                                   {"value_b", number(B.values[d.index])}});
            j["pair"] = std::move(pair);
        }
        std::cout << j.dump() << "\n";
        return 0;
    }
    std::printf("run #%lld  alpha %.2f  pool %zu  (rank 1 = selected first under each score)\n", (long long)runId,
                alpha, ids.size());
    printMatrix("Spearman rho", cols, m.spearman);
    printMatrix("Kendall tau-b", cols, m.kendall);
    if (ca < 0) return 0;
    const auto &A = cols[size_t(ca)], &B = cols[size_t(cb)];
    std::printf("\n%zu samples ranked most differently by %s and %s\n", pairs.size(), A.displayName.c_str(),
                B.displayName.c_str());
    std::printf("%9s  %-16s %8s %8s %8s %12s %12s\n", "sample", "external_id", "rank_a", "rank_b", "diff",
                A.displayName.c_str(), B.displayName.c_str());
    for (const auto& d : pairs) {
        const std::string& e = in.samples[d.index].externalId;
        const std::string ext = e.size() > 16 ? e.substr(0, 15) + "~" : e;
        std::printf("%9lld  %-16s %8lld %8lld %8lld %12.6g %12.6g\n", (long long)ids[d.index], ext.c_str(),
                    (long long)d.rankA, (long long)d.rankB, (long long)d.difference(), A.values[d.index],
                    B.values[d.index]);
    }
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("compare", kUsage,
                   "Where the scorers disagree: Spearman and Kendall tau-b between every pair of a run's scores, and "
                   "with --scores A,B the samples whose ranks under A and B differ most.",
                   runCompare);
