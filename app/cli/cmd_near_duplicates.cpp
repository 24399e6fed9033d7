#include "app/cli/command.h"
#include "db/near_duplicates.h"
#include "db/project_store.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace {

using namespace gateau;

const char* kUsage = "gateau near-duplicates PROJECT [--threshold 0.8] [--json]";

struct Where {
    std::string dataset, externalId;
    int64_t line = 0;
};

Where where(db::Database& db, int64_t sampleId) {
    auto st = db.prepare("SELECT d.name, s.line, coalesce(s.external_id, '') FROM samples s JOIN datasets d ON d.id = s.dataset_id "
                         "WHERE s.id = ?1");
    st.bind(1, sampleId);
    return st.step() ? Where{st.text(0), st.text(2), st.int64(1)} : Where{};
}

int runNearDuplicates(const cli::Args& a) {
    cli::ArgParser p(a, {"json"}, {"threshold"});
    p.requirePositionals(1, 1, kUsage);
    std::optional<db::ProjectStore> store;
    if (p.has("threshold")) {  // re-matching writes: the new threshold stays for later imports
        const double t = p.doubleValue("threshold", 0);
        store.emplace(db::ProjectStore::open(p.positionals()[0], false));
        db::Transaction tx(store->db());
        try {
            db::relinkNearDuplicates(store->db(), t);
        } catch (const std::invalid_argument& e) {
            throw cli::CliError(std::string("--threshold: ") + e.what(), 2);
        }
        tx.commit();
    } else {
        store.emplace(db::ProjectStore::openReadOnly(p.positionals()[0]));
    }
    auto& db = store->db();
    const double threshold = db::nearDuplicateThreshold(db);
    const auto groups = db::nearDuplicateGroups(db);
    size_t members = 0;
    for (const auto& g : groups) members += g.members.size();

    if (p.flag("json")) {
        auto sample = [&](int64_t id) {
            const Where w = where(db, id);
            return nlohmann::json{{"sample_id", id}, {"dataset", w.dataset}, {"line", w.line}, {"external_id", w.externalId}};
        };
        nlohmann::json out = nlohmann::json::array();
        for (const auto& g : groups) {
            nlohmann::json m = nlohmann::json::array();
            for (const auto& x : g.members) {
                auto j = sample(x.sampleId);
                j["similarity"] = x.similarity;
                m.push_back(j);
            }
            out.push_back({{"first", sample(g.first)}, {"near_duplicates", m}});
        }
        std::cout << nlohmann::json{{"threshold", threshold}, {"groups", out}}.dump(2) << "\n";
        return 0;
    }
    std::printf("%zu samples nearly duplicate an earlier one, in %zu groups (estimated Jaccard similarity of word "
                "5-grams >= %.2f)\n", members, groups.size(), threshold);
    auto show = [&](int64_t id) {
        const Where w = where(db, id);
        return "#" + std::to_string(id) + " " + w.dataset + ":" + std::to_string(w.line) +
               (w.externalId.empty() ? "" : " (" + w.externalId + ")");
    };
    for (const auto& g : groups) {
        std::printf("%s\n", show(g.first).c_str());
        for (const auto& x : g.members) std::printf("  %.2f  %s\n", x.similarity, show(x.sampleId).c_str());
    }
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("near-duplicates", kUsage,
                   "List the samples of PROJECT that nearly duplicate an earlier one (MinHash of the conversation), "
                   "grouped; --threshold re-matches every sample at that similarity and keeps it for later imports.",
                   runNearDuplicates);
