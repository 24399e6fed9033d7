// `gateau agreement PROJECT`: inter-annotator agreement over keep / drop and each label
// (db/team_review.h), per pair (Cohen's kappa) and overall (Fleiss' kappa).
#include "app/cli/command.h"
#include "db/team_review.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace {

using namespace gateau;

const char* kUsage = "gateau agreement PROJECT [--annotator NAME]... [--json]";

std::string fixed(double v) {
    if (std::isnan(v)) return "n/a";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}

nlohmann::json num(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

int runAgreement(const cli::Args& a) {
    cli::ArgParser p(a, {"json"}, {"annotator"});
    p.requirePositionals(1, 1, kUsage);
    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    db::AgreementReport rep;
    try {
        rep = db::agreementReport(store, p.values("annotator"));
    } catch (const db::DbError& e) {
        throw cli::CliError(e.what(), 2);
    }
    if (p.flag("json")) {
        nlohmann::json j = {{"annotators", rep.annotators}, {"decided", rep.decided}, {"disputed", rep.disputed},
                            {"adjudicated", rep.adjudicated}, {"scopes", nlohmann::json::array()}};
        for (const auto& s : rep.scopes) {
            nlohmann::json pairs = nlohmann::json::array();
            for (const auto& pr : s.pairs)
                pairs.push_back({{"a", pr.a}, {"b", pr.b}, {"samples", pr.agreement.items},
                                 {"agreement", num(pr.agreement.observed)}, {"cohen_kappa", num(pr.agreement.kappa)}});
            j["scopes"].push_back({{"scope", s.what}, {"pairs", pairs},
                                   {"overall", {{"samples", s.overall.items}, {"agreement", num(s.overall.observed)},
                                                {"fleiss_kappa", num(s.overall.kappa)}}}});
        }
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::string who;
    for (const auto& n : rep.annotators) who += (who.empty() ? "" : ", ") + n;
    std::printf("annotators: %s\nsamples decided: %lld, disputed: %lld, adjudicated: %lld\n",
                who.empty() ? "none" : who.c_str(), (long long)rep.decided, (long long)rep.disputed,
                (long long)rep.adjudicated);
    if (rep.annotators.size() < 2) {
        std::printf("agreement needs two annotators' decisions (merge their copies with gateau merge-reviews)\n");
        return 0;
    }
    std::printf("\n%-32s %-24s %8s %10s %8s\n", "scope", "annotators", "samples", "agreement", "kappa");
    for (const auto& s : rep.scopes) {
        for (const auto& pr : s.pairs)
            std::printf("%-32s %-24s %8zu %10s %8s\n", s.what.c_str(), (pr.a + " / " + pr.b).c_str(),
                        pr.agreement.items, fixed(pr.agreement.observed).c_str(), fixed(pr.agreement.kappa).c_str());
        if (rep.annotators.size() > 2)
            std::printf("%-32s %-24s %8zu %10s %8s\n", s.what.c_str(), "all (Fleiss)", s.overall.items,
                        fixed(s.overall.observed).c_str(), fixed(s.overall.kappa).c_str());
    }
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("agreement", kUsage,
                   "Inter-annotator agreement of a merged project: raw agreement and Cohen's kappa per pair of annotators, "
                   "Fleiss' kappa over all, for keep / drop and for each label of the label set.",
                   runAgreement);
