#pragma once
// Team review (migration 7, docs/review-team.md): several annotators decide the same samples,
// each in a copy of the project; `gateau merge-reviews` folds their rows into one project;
// agreement is measured on each annotator's newest decision; a lead adjudicates where they
// disagree. Nothing here rewrites a row: merges and adjudications append.
#include "core/review/agreement.h"
#include "db/project_store.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gateau::db {

// What the team said about one sample.
struct TeamVotes {
    // Each annotator's newest keep / drop. An annotator whose newest row is 'none' has
    // withdrawn and is not listed. Rows of no name ("", from before migration 6) count as one
    // annotator "" only while no named annotator has a row on the sample.
    std::map<std::string, Decision> votes;
    Decision adjudicated = Decision::None;  // the newest adjudication, None when absent or withdrawn
    std::string adjudicator, adjudicationNote;

    bool isAdjudicated() const { return adjudicated != Decision::None; }
    // Annotators gave different decisions.
    bool disputed() const;
    // The decision they all gave; None when nobody decided or they disagree.
    Decision consensus() const;
    // What ranking and export apply: the adjudication, else the consensus.
    Decision effective() const { return isAdjudicated() ? adjudicated : consensus(); }
    // What `who` decides now: their own vote, else the unnamed rows' (which an edit by `who`
    // adopts, as a named row supersedes them), else None.
    Decision ownVote(const std::string& who) const;
    // "alice=keep;bob=drop" (annotator order), the CSV's decisions column.
    std::string describe() const;
    bool operator==(const TeamVotes& o) const {
        return votes == o.votes && adjudicated == o.adjudicated && adjudicator == o.adjudicator &&
               adjudicationNote == o.adjudicationNote;
    }
};

// Every sample with a vote or an adjudication.
std::map<int64_t, TeamVotes> teamVotes(ProjectStore& store);
TeamVotes teamVotesOf(ProjectStore& store, int64_t sampleId);

// Appends an adjudication row; Decision::None withdraws the current one. Callers batch in a
// Transaction of their own.
void addAdjudication(ProjectStore& store, int64_t sampleId, Decision decision, const std::string& note,
                     const std::string& adjudicator);

// Named annotators with at least one keep / drop in the project, sorted.
std::vector<std::string> annotatorsOf(ProjectStore& store);

// --- Merging annotators' copies -------------------------------------------------------------

struct ReviewMergeResult {
    int64_t added = 0, alreadyPresent = 0;  // rows over overrides, marks, evidence, adjudications
    int64_t labelsAdded = 0;                // label-set entries the project lacked
    std::vector<std::string> annotators;    // names on the copy's rows (after unnamedAs)
};

// Throws DbError (nothing written) unless every sample the copy has review rows on is a sample
// of `main` (same dataset sha256 and line; ids may differ).
void checkReviewCopy(ProjectStore& main, const std::string& copyPath);

// Appends the copy's override, label/tag, evidence and adjudication rows to `main` with their
// annotator and timestamp, in one transaction, skipping rows `main` already holds (so merging
// a copy twice adds nothing). Rows of no annotator are given `unnamedAs`. Labels of the copy's
// label set that `main` lacks are appended to it. Throws DbError as checkReviewCopy.
ReviewMergeResult mergeReviewCopy(ProjectStore& main, const std::string& copyPath, const std::string& unnamedAs);

// The name given to a copy's unnamed rows by default: its file name without the extension.
std::string defaultCopyAnnotator(const std::string& copyPath);

// --- Agreement --------------------------------------------------------------------------------

struct PairReport {
    std::string a, b;
    review::PairAgreement agreement;
};

struct AgreementScope {
    std::string what;  // "decision" or "label NAME"
    std::vector<PairReport> pairs;
    review::GroupAgreement overall;  // Fleiss over the samples every annotator decided
};

struct AgreementReport {
    std::vector<std::string> annotators;
    // scopes[0]: keep / drop over the samples both (all) annotators decided; then one scope
    // per label of the label set: given or not, over the same samples.
    std::vector<AgreementScope> scopes;
    int64_t decided = 0;      // samples with at least one vote
    int64_t disputed = 0;     // samples whose annotators disagree
    int64_t adjudicated = 0;  // disputed samples with an adjudication
};

// Throws DbError when an annotator in `only` gave no decision. `only` empty: every annotator.
AgreementReport agreementReport(ProjectStore& store, const std::vector<std::string>& only = {});

}  // namespace gateau::db
