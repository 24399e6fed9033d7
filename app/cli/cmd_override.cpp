#include "app/cli/command.h"
#include "db/annotations.h"
#include "db/project_store.h"

#include <cstdio>

namespace {

using namespace gateau;

const char* kUsage = "gateau override PROJECT (--keep | --drop | --clear) SAMPLE_ID... [--note TEXT] [--annotator NAME]";

// The CLI twin of the browser's K / D / U: one transaction for all the ids, like a bulk
// decision in the GUI, so a kill leaves either every new decision or none (the chaos test
// relies on that).
int runOverride(const cli::Args& a) {
    cli::ArgParser p(a, {"keep", "drop", "clear"}, {"note", "annotator"});
    p.requirePositionals(2, 1000000, kUsage);
    const int chosen = int(p.flag("keep")) + int(p.flag("drop")) + int(p.flag("clear"));
    if (chosen != 1) throw cli::CliError("give exactly one of --keep, --drop, --clear\nusage: " + std::string(kUsage), 2);
    const db::Decision d = p.flag("keep") ? db::Decision::Keep : p.flag("drop") ? db::Decision::Drop : db::Decision::None;

    std::vector<int64_t> ids;
    for (size_t i = 1; i < p.positionals().size(); ++i) {
        const std::string& s = p.positionals()[i];
        size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != s.size() || v <= 0) throw cli::CliError("not a sample id: '" + s + "'", 2);
        ids.push_back(v);
    }

    auto store = db::ProjectStore::open(p.positionals()[0], false);
    {
        db::Transaction tx(store.db());
        auto exists = store.db().prepare("SELECT 1 FROM samples WHERE id = ?1");
        for (int64_t id : ids) {
            exists.reset();
            exists.bind(1, id);
            if (!exists.step())
                throw cli::CliError(store.path() + ": no sample #" + std::to_string(id) + " (nothing was changed)");
            // Named like gateau review's rows: an unnamed row would lose to any named one (db/team_review.h).
            db::addOverrideBy(store, id, d, p.value("note"), p.value("annotator", db::defaultAnnotator()));
        }
        tx.commit();
    }
    store.finish();
    std::printf("%s %zu samples\n", d == db::Decision::Keep ? "kept" : d == db::Decision::Drop ? "dropped" : "cleared",
                ids.size());
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("override", kUsage,
                   "Keep, drop or clear the manual decision on samples (appended to their history, one transaction "
                   "for all), as the browser's K / D / U do.",
                   runOverride);
