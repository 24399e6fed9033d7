#include "app/cli/command.h"
#include "app/cli/shared_options.h"
#include "core/scoring/auroc.h"
#include "core/scoring/spearman.h"
#include "db/ranking.h"
#include "db/score_columns.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace {

using namespace gateau;

const char* kUsage = "gateau evaluate PROJECT --run ID --label FIELD.PATH=VALUE [--alpha A] [--json]";

// The record's value at a dotted path ("gateau_demo.dependency"), as text; empty when absent.
std::string fieldText(const nlohmann::json& record, const std::string& path) {
    const nlohmann::json* at = &record;
    std::stringstream ss(path);
    std::string key;
    while (std::getline(ss, key, '.')) {
        if (!at->is_object() || !at->contains(key)) return {};
        at = &(*at)[key];
    }
    return at->is_string() ? at->get<std::string>() : at->dump();
}

int runEvaluate(const cli::Args& a) {
    cli::ArgParser p(a, {"json"}, {"run", "label", "alpha"});
    p.requirePositionals(1, 1, kUsage);
    if (!p.has("run") || !p.has("label")) throw cli::CliError(std::string("usage: ") + kUsage, 2);
    const std::string label = p.value("label");
    const auto eq = label.find('=');
    if (eq == std::string::npos || eq == 0) throw cli::CliError("--label expects FIELD.PATH=VALUE, e.g. gateau_demo.dependency=long", 2);
    const std::string path = label.substr(0, eq), positiveValue = label.substr(eq + 1);
    const int64_t runId = p.intValue("run", 0);

    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    const db::RankInputs in = db::loadRankInputs(store, runId);
    if (in.samples.empty()) throw cli::CliError("run #" + std::to_string(runId) + " has no scored samples yet");
    const double alpha = cli::alphaOption(p, store.db());
    const db::Ranking ranking = db::rankPool(in, alpha, scoring::Selection::topPercent(100));
    std::vector<double> contextTokens;
    std::vector<bool> positive;
    int64_t unlabeled = 0;
    for (const auto& s : in.samples) {
        auto text = store.sampleText(s.sampleId);
        const auto record = nlohmann::json::parse(text ? text->raw : std::string("{}"), nullptr, false);
        const std::string v = record.is_discarded() ? std::string() : fieldText(record, path);
        if (v.empty()) ++unlabeled;
        positive.push_back(v == positiveValue);
        contextTokens.push_back(double(s.contextTokens));
    }
    int64_t pos = 0;
    for (bool b : positive) pos += b ? 1 : 0;
    // Every registered score (db/score_columns.h), turned so that high means "keep first", as
    // the workbench ranks it: a score whose direction is low-first (CAS) is negated.
    std::vector<std::pair<std::string, std::vector<double>>> scores;
    for (auto& c : db::scoreColumns(in, ranking)) {
        if (!c.higherIsSelected)
            for (double& v : c.values) v = -v;
        scores.emplace_back(c.key, std::move(c.values));
    }
    nlohmann::json j;
    j["run"] = runId;
    j["alpha"] = alpha;
    j["label"] = label;
    j["samples"] = int64_t(in.samples.size());
    j["positive"] = pos;
    j["unlabeled"] = unlabeled;
    for (const auto& [name, v] : scores) {
        try {
            j["auroc"][name] = scoring::auroc(v, positive);
        } catch (const scoring::ScoringError& e) {
            throw cli::CliError(std::string("cannot compute AUROC: ") + e.what());
        }
    }
    // The length confound: with flat segment importance cam_raw grows with the number of
    // segments, i.e. with the context tokens as scored (after left truncation).
    for (const auto& [name, v] : scores) {
        const double rho = scoring::spearman(v, contextTokens);
        j["spearman_context_tokens"][name] = std::isnan(rho) ? nlohmann::json(nullptr) : nlohmann::json(rho);
    }
    if (p.flag("json")) {
        std::cout << j.dump() << "\n";
        return 0;
    }
    std::printf("run #%lld, %zu scored samples, %lld with %s (positive), %lld without the field\n", (long long)runId,
                in.samples.size(), (long long)pos, label.c_str(), (long long)unlabeled);
    std::printf("AUROC (0.5 = chance; every score ranked as the workbench ranks it, CAS low first):\n");
    for (const auto& [name, v] : scores) std::printf("  %-15s %.4f\n", name.c_str(), j["auroc"][name].get<double>());
    std::printf("Spearman correlation with context length (context tokens as scored, after truncation; "
                "near +-1: the score mostly measures length):\n");
    for (const auto& [name, v] : scores) {
        const auto& rho = j["spearman_context_tokens"][name];
        if (rho.is_null()) std::printf("  %-15s -  (constant)\n", name.c_str());
        else std::printf("  %-15s %+.4f\n", name.c_str(), rho.get<double>());
    }
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("evaluate", kUsage,
                   "How well each score of a run separates samples whose record has FIELD.PATH == VALUE from the rest "
                   "(AUROC), e.g. the demo's ground-truth long-dependency tags, and each score's Spearman correlation "
                   "with context length.",
                   runEvaluate);
