// `gateau review`: the workbench's review edits from the command line (decision, note,
// labels, tags, evidence; several samples at once), a listing of the reviewed samples, and
// the project's label set. Writes go through db/annotations.h, like the workbench's.
#include "app/cli/command.h"
#include "db/annotations.h"
#include "db/team_review.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

namespace {

using namespace gateau;

const char* kUsage =
    "gateau review PROJECT (--sample ID... [--keep|--drop|--clear] [--note TEXT] [--label L]... [--unlabel L]... "
    "[--tag T]... [--untag T]... [--evidence START:END|--no-evidence] [--annotator NAME] [--adjudicate] | --list "
    "[--decision D] [--label L] [--tag T] [--has-note] [--json] | --disputes [--open] [--json] | --labels "
    "[--set-labels \"L1;L2\"])";

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ";") + s;
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::pair<int64_t, int64_t> parseEvidence(const std::string& text) {
    const auto colon = text.find(':');
    try {
        if (colon != std::string::npos) {
            size_t u1 = 0, u2 = 0;
            const long long a = std::stoll(text.substr(0, colon), &u1), b = std::stoll(text.substr(colon + 1), &u2);
            if (u1 == colon && u2 == text.size() - colon - 1 && a >= 0 && b > a) return {a, b};
        }
    } catch (const std::exception&) {
    }
    throw cli::CliError("--evidence wants START:END byte offsets with 0 <= START < END, got '" + text + "'", 2);
}

int labelsCommand(const cli::ArgParser& p) {
    if (p.has("set-labels")) {
        std::vector<std::string> names;
        const std::string all = p.value("set-labels");
        size_t from = 0;
        while (from <= all.size()) {
            const size_t semi = std::min(all.find(';', from), all.size());
            const std::string part = all.substr(from, semi - from);
            if (part.find_first_not_of(" \t") != std::string::npos) names.push_back(part);
            from = semi + 1;
        }
        auto store = db::ProjectStore::open(p.positionals()[0], false);
        try {
            db::setLabelSet(store, names);
        } catch (const db::DbError& e) {
            throw cli::CliError(std::string("--set-labels: ") + e.what(), 2);
        }
        store.finish();
    }
    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    for (const auto& l : db::labelSet(store)) std::printf("%s\n", l.c_str());
    return 0;
}

int listCommand(const cli::ArgParser& p) {
    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    struct Row {
        db::Decision decision = db::Decision::None;
        std::string note;
        db::Annotations a;
    };
    std::map<int64_t, Row> rows;
    for (const auto& o : store.currentOverrides()) rows[o.sampleId].note = o.note;
    for (const auto& [id, t] : db::teamVotes(store)) rows[id].decision = t.effective();  // what export applies
    for (auto& [id, a] : db::currentAnnotations(store)) rows[id].a = a;
    const std::string decision = p.value("decision"), label = p.value("label"), tag = p.value("tag");
    if (!decision.empty() && decision != "keep" && decision != "drop" && decision != "none")
        throw cli::CliError("--decision is keep, drop or none, got '" + decision + "'", 2);
    nlohmann::json out = nlohmann::json::array();
    if (!p.flag("json")) std::printf("sample_id\tdecision\tlabels\ttags\tevidence\tnote\n");
    for (const auto& [id, r] : rows) {
        if (r.decision == db::Decision::None && r.note.empty() && r.a.empty()) continue;  // cleared: nothing to list
        if (!decision.empty() && decision != db::decisionName(r.decision)) continue;
        if (!label.empty() && !contains(r.a.labels, label)) continue;
        if (!tag.empty() && !contains(r.a.tags, tag)) continue;
        if (p.flag("has-note") && r.note.empty()) continue;
        const std::string ev = r.a.hasEvidence() ? std::to_string(r.a.evidenceStart) + ":" + std::to_string(r.a.evidenceEnd) : "";
        if (p.flag("json")) {
            out.push_back({{"sample_id", id}, {"decision", db::decisionName(r.decision)}, {"note", r.note},
                           {"labels", r.a.labels}, {"tags", r.a.tags},
                           {"evidence", r.a.hasEvidence() ? nlohmann::json{r.a.evidenceStart, r.a.evidenceEnd} : nlohmann::json(nullptr)}});
        } else {
            std::string note = r.note;
            std::replace_if(note.begin(), note.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
            std::printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)id, db::decisionName(r.decision), join(r.a.labels).c_str(),
                        join(r.a.tags).c_str(), ev.c_str(), note.c_str());
        }
    }
    if (p.flag("json")) std::cout << out.dump() << "\n";
    return 0;
}

// The adjudication queue: samples whose annotators disagree, with each one's decision.
int disputesCommand(const cli::ArgParser& p) {
    auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
    nlohmann::json out = nlohmann::json::array();
    if (!p.flag("json")) std::printf("sample_id\tdecisions\tadjudicated\tadjudicator\n");
    for (const auto& [id, t] : db::teamVotes(store)) {
        if (!t.disputed() || (p.flag("open") && t.isAdjudicated())) continue;
        const char* adj = t.isAdjudicated() ? db::decisionName(t.adjudicated) : "";
        if (p.flag("json")) {
            nlohmann::json votes = nlohmann::json::object();
            for (const auto& [who, d] : t.votes) votes[who] = db::decisionName(d);
            out.push_back({{"sample_id", id}, {"decisions", votes},
                           {"adjudicated", t.isAdjudicated() ? nlohmann::json(adj) : nlohmann::json(nullptr)},
                           {"adjudicator", t.adjudicator}, {"note", t.adjudicationNote}});
        } else {
            std::printf("%lld\t%s\t%s\t%s\n", (long long)id, t.describe().c_str(), adj, t.adjudicator.c_str());
        }
    }
    if (p.flag("json")) std::cout << out.dump() << "\n";
    return 0;
}

int editCommand(const cli::ArgParser& p) {
    const int decisions = int(p.flag("keep")) + int(p.flag("drop")) + int(p.flag("clear"));
    if (decisions > 1) throw cli::CliError("--keep, --drop and --clear exclude each other", 2);
    if (p.has("evidence") && p.flag("no-evidence")) throw cli::CliError("--evidence and --no-evidence exclude each other", 2);
    if (p.flag("adjudicate") && decisions != 1)
        throw cli::CliError("--adjudicate records a lead's decision: say --keep, --drop or --clear (withdraws it)", 2);
    std::vector<int64_t> ids;
    for (const auto& s : p.values("sample")) {
        try {
            size_t used = 0;
            const long long id = std::stoll(s, &used);
            if (used == s.size() && id > 0) {
                ids.push_back(id);
                continue;
            }
        } catch (const std::exception&) {
        }
        throw cli::CliError("--sample wants a sample id (a positive integer), got '" + s + "'", 2);
    }
    const std::string annotator = p.value("annotator", db::defaultAnnotator());
    auto store = db::ProjectStore::open(p.positionals()[0], false);
    const std::vector<std::string> labelSet = db::labelSet(store);
    auto names = [&](const char* option, db::MarkKind kind) {
        std::vector<std::string> out;
        for (const auto& v : p.values(option)) {
            std::string n;
            try {
                n = db::checkMarkName(v, std::string("--") + option);
            } catch (const db::DbError& e) {
                throw cli::CliError(e.what(), 2);
            }
            if (kind == db::MarkKind::Label && std::string(option) == "label" && !contains(labelSet, n))
                throw cli::CliError("--label \"" + n + "\" is not in the project's label set (" + join(labelSet) +
                                        "); add it with --labels --set-labels", 2);
            out.push_back(n);
        }
        return out;
    };
    const auto addLabels = names("label", db::MarkKind::Label), removeLabels = names("unlabel", db::MarkKind::Label);
    const auto addTags = names("tag", db::MarkKind::Tag), removeTags = names("untag", db::MarkKind::Tag);
    const auto evidence = p.has("evidence") ? parseEvidence(p.value("evidence")) : std::make_pair(int64_t(-1), int64_t(-1));

    db::Transaction tx(store.db());  // every sample or none
    for (int64_t id : ids) {
        auto exists = store.db().prepare("SELECT 1 FROM samples WHERE id = ?1");
        exists.bind(1, id);
        if (!exists.step()) throw cli::CliError("no sample #" + std::to_string(id) + " in " + store.path());
        const auto current = store.currentOverride(id);
        const db::TeamVotes team = db::teamVotesOf(store, id);
        // An annotator changes their own decision; the others' stay as they are.
        const db::Decision was = team.ownVote(annotator);
        const std::string wasNote = current ? current->note : std::string();
        const db::Decision now = p.flag("keep") ? db::Decision::Keep : p.flag("drop") ? db::Decision::Drop
                                 : p.flag("clear") ? db::Decision::None : was;
        const std::string note = p.has("note") ? p.value("note") : wasNote;
        if (p.flag("adjudicate")) {
            db::addAdjudication(store, id, now, note, annotator);
            if (note != wasNote) db::addOverrideBy(store, id, was, note, annotator);
        } else if (now != was || note != wasNote) {
            db::addOverrideBy(store, id, now, note, annotator);
        }
        const db::Annotations before = db::annotationsOf(store, id);
        db::Annotations after = before;
        auto apply = [](std::vector<std::string>& v, const std::vector<std::string>& add, const std::vector<std::string>& remove) {
            for (const auto& n : add)
                if (!contains(v, n)) v.push_back(n);
            for (const auto& n : remove) v.erase(std::remove(v.begin(), v.end(), n), v.end());
            std::sort(v.begin(), v.end());
        };
        apply(after.labels, addLabels, removeLabels);
        apply(after.tags, addTags, removeTags);
        if (p.has("evidence")) after.evidenceStart = evidence.first, after.evidenceEnd = evidence.second;
        if (p.flag("no-evidence")) after.evidenceStart = after.evidenceEnd = -1;
        db::writeAnnotationChange(store, id, before, after, annotator);
        std::printf("#%lld: %s%s%s%s%s%s%s\n", (long long)id, db::decisionName(now), p.flag("adjudicate") ? " (adjudicated)" : "",
                    after.labels.empty() ? "" : (", labels " + join(after.labels)).c_str(),
                    after.tags.empty() ? "" : (", tags " + join(after.tags)).c_str(),
                    after.hasEvidence() ? (", evidence " + std::to_string(after.evidenceStart) + ":" + std::to_string(after.evidenceEnd)).c_str() : "",
                    note.empty() ? "" : ", note: ", note.c_str());
    }
    tx.commit();
    store.finish();
    return 0;
}

int runReview(const cli::Args& a) {
    cli::ArgParser p(a, {"keep", "drop", "clear", "no-evidence", "list", "has-note", "json", "labels", "disputes", "open", "adjudicate"},
                     {"sample", "note", "label", "unlabel", "tag", "untag", "evidence", "annotator", "decision", "set-labels"});
    p.requirePositionals(1, 1, kUsage);
    const int modes = int(p.flag("list")) + int(p.flag("labels")) + int(p.has("sample")) + int(p.flag("disputes"));
    if (modes != 1) throw cli::CliError(std::string("say one of --sample ID, --list, --disputes or --labels\nusage: ") + kUsage, 2);
    if (p.flag("labels")) return labelsCommand(p);
    if (p.flag("disputes")) return disputesCommand(p);
    if (p.flag("list")) return listCommand(p);
    return editCommand(p);
}

}  // namespace

GATEAU_CLI_COMMAND("review", kUsage,
                   "Review samples without the workbench: keep / drop / clear, note, labels, tags and evidence span of one or "
                   "several samples (each change recorded with its annotator), adjudicate disputed samples, list the reviewed "
                   "or disputed samples, or show and set the project's label set.",
                   runReview);
