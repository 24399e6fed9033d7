// `gateau merge-reviews PROJECT COPY...`: fold annotators' copies of a project into it
// (db/team_review.h). Every copy is checked before any is merged, so a copy of another
// project leaves PROJECT untouched.
#include "app/cli/command.h"
#include "db/team_review.h"

#include <cstdio>

namespace {

using namespace gateau;

const char* kUsage = "gateau merge-reviews PROJECT COPY... [--unnamed-as NAME]";

int runMergeReviews(const cli::Args& a) {
    cli::ArgParser p(a, {}, {"unnamed-as"});
    p.requirePositionals(2, 100000, kUsage);
    auto store = db::ProjectStore::open(p.positionals()[0], false);
    for (size_t i = 1; i < p.positionals().size(); ++i) db::checkReviewCopy(store, p.positionals()[i]);
    for (size_t i = 1; i < p.positionals().size(); ++i) {
        const std::string& copy = p.positionals()[i];
        const std::string unnamed = p.value("unnamed-as", db::defaultCopyAnnotator(copy));
        const db::ReviewMergeResult r = db::mergeReviewCopy(store, copy, unnamed);
        std::string who;
        for (const auto& n : r.annotators) who += (who.empty() ? "" : ", ") + n;
        std::printf("%s: %lld review rows added, %lld already present (annotators: %s)%s\n", copy.c_str(),
                    (long long)r.added, (long long)r.alreadyPresent, who.empty() ? "none" : who.c_str(),
                    r.labelsAdded ? (", " + std::to_string(r.labelsAdded) + " labels added to the label set").c_str() : "");
    }
    store.finish();
    const db::AgreementReport rep = db::agreementReport(store);
    std::printf("%zu annotators, %lld samples decided, %lld disputed (%lld adjudicated); see gateau agreement\n",
                rep.annotators.size(), (long long)rep.decided, (long long)rep.disputed, (long long)rep.adjudicated);
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("merge-reviews", kUsage,
                   "Fold the review rows (decisions, notes, labels, tags, evidence, adjudications) of annotators' copies "
                   "of PROJECT into it, with their annotator and time; nothing is overwritten and merging twice adds nothing.",
                   runMergeReviews);
