#include "db/team_review.h"

#include "db/annotations.h"

#include <algorithm>
#include <filesystem>
#include <cmath>
#include <functional>
#include <set>

namespace gateau::db {

bool TeamVotes::disputed() const {
    for (const auto& [who, d] : votes)
        if (d != votes.begin()->second) return true;
    return false;
}

Decision TeamVotes::consensus() const { return votes.empty() || disputed() ? Decision::None : votes.begin()->second; }

Decision TeamVotes::ownVote(const std::string& who) const {
    if (auto v = votes.find(who); v != votes.end()) return v->second;
    if (auto v = votes.find(""); v != votes.end()) return v->second;
    return Decision::None;
}

std::string TeamVotes::describe() const {
    std::string out;
    for (const auto& [who, d] : votes) out += (out.empty() ? "" : ";") + who + "=" + decisionName(d);
    return out;
}

namespace {

// Each annotator's newest override row per sample (the index overrides_annotator serves it).
const char* kNewestVotes =
    "SELECT o.sample_id, o.annotator, o.decision FROM overrides o "
    "JOIN (SELECT max(id) AS id FROM overrides GROUP BY sample_id, annotator) n ON n.id = o.id ";
const char* kNewestAdjudications =
    "SELECT a.sample_id, a.decision, a.adjudicator, a.note FROM adjudications a "
    "JOIN (SELECT max(id) AS id FROM adjudications GROUP BY sample_id) n ON n.id = a.id ";

void readVotes(Statement& votes, Statement& adjudications, std::map<int64_t, TeamVotes>& out) {
    std::map<int64_t, std::map<std::string, Decision>> newest;  // 'none' rows included
    while (votes.step()) newest[votes.int64(0)][votes.text(1)] = decisionFromName(votes.textView(2));
    for (auto& [id, rows] : newest) {
        if (rows.size() > 1) rows.erase("");  // a named row supersedes the unnamed ones
        TeamVotes* t = nullptr;
        for (const auto& [who, d] : rows) {
            if (d == Decision::None) continue;
            if (!t) t = &out[id];
            t->votes[who] = d;
        }
    }
    while (adjudications.step()) {
        const Decision d = decisionFromName(adjudications.textView(1));
        if (d == Decision::None) continue;
        TeamVotes& t = out[adjudications.int64(0)];
        t.adjudicated = d;
        t.adjudicator = adjudications.text(2);
        t.adjudicationNote = adjudications.text(3);
    }
}

}  // namespace

std::map<int64_t, TeamVotes> teamVotes(ProjectStore& store) {
    auto v = store.db().prepare(kNewestVotes);
    auto a = store.db().prepare(kNewestAdjudications);
    std::map<int64_t, TeamVotes> out;
    readVotes(v, a, out);
    return out;
}

TeamVotes teamVotesOf(ProjectStore& store, int64_t sampleId) {
    auto v = store.db().prepare(
        "SELECT o.sample_id, o.annotator, o.decision FROM overrides o "
        "JOIN (SELECT max(id) AS id FROM overrides WHERE sample_id = ?1 GROUP BY annotator) n ON n.id = o.id");
    v.bind(1, sampleId);
    auto a = store.db().prepare(
        "SELECT sample_id, decision, adjudicator, note FROM adjudications WHERE sample_id = ?1 ORDER BY id DESC LIMIT 1");
    a.bind(1, sampleId);
    std::map<int64_t, TeamVotes> out;
    readVotes(v, a, out);
    return out.count(sampleId) ? out[sampleId] : TeamVotes{};
}

void addAdjudication(ProjectStore& store, int64_t sampleId, Decision decision, const std::string& note,
                     const std::string& adjudicator) {
    store.db()
        .prepare("INSERT INTO adjudications(sample_id, decision, note, adjudicator, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(1, sampleId).bind(2, decisionName(decision)).bind(3, note).bind(4, adjudicator).bind(5, utcNow())
        .run();
}

std::vector<std::string> annotatorsOf(ProjectStore& store) {
    std::set<std::string> names;
    for (const auto& [id, t] : teamVotes(store))
        for (const auto& [who, d] : t.votes)
            if (!who.empty()) names.insert(who);
    return {names.begin(), names.end()};
}

// --- Merge ------------------------------------------------------------------------------------

std::string defaultCopyAnnotator(const std::string& copyPath) {
    return std::filesystem::path(copyPath).stem().string();
}

namespace {

// (dataset sha256, line) -> sample id: the identity a sample keeps across copies of a
// project, whatever order their datasets were imported in.
std::map<std::pair<std::string, int64_t>, int64_t> samplesByOrigin(ProjectStore& store) {
    auto st = store.db().prepare(
        "SELECT s.id, coalesce(d.sha256, ''), s.line FROM samples s JOIN datasets d ON d.id = s.dataset_id "
        "WHERE d.status = 'complete'");
    std::map<std::pair<std::string, int64_t>, int64_t> out;
    while (st.step()) out[{st.text(1), st.int64(2)}] = st.int64(0);
    return out;
}

// Copy sample id -> main sample id for every sample the copy has review rows on.
std::map<int64_t, int64_t> mapCopySamples(ProjectStore& main, ProjectStore& copy) {
    const auto mainIds = samplesByOrigin(main);
    auto st = copy.db().prepare(
        "SELECT s.id, coalesce(d.sha256, ''), s.line FROM samples s JOIN datasets d ON d.id = s.dataset_id "
        "WHERE s.id IN (SELECT sample_id FROM overrides UNION SELECT sample_id FROM sample_marks "
        "UNION SELECT sample_id FROM evidence UNION SELECT sample_id FROM adjudications)");
    std::map<int64_t, int64_t> out;
    while (st.step()) {
        auto it = mainIds.find({st.text(1), st.int64(2)});
        if (it == mainIds.end())
            throw DbError(copy.path() + ": sample #" + std::to_string(st.int64(0)) + " (line " +
                          std::to_string(st.int64(2)) + " of dataset sha256 " + st.text(1).substr(0, 12) +
                          ") is not in " + main.path() + "; a review copy must be a copy of the same project");
        out[st.int64(0)] = it->second;
    }
    return out;
}

// One table's rows copied over: `columns` after sample_id, the annotator column named
// `who`; a row equal in every column to one main holds is skipped.
void copyRows(ProjectStore& main, ProjectStore& copy, const std::map<int64_t, int64_t>& ids, const std::string& table,
              const std::vector<std::string>& columns, const std::string& who, const std::string& unnamedAs,
              ReviewMergeResult& r, std::set<std::string>& names) {
    std::string cols = "sample_id", params = "?1", same = "sample_id IS ?1";
    for (size_t i = 0; i < columns.size(); ++i) {
        const std::string p = "?" + std::to_string(i + 2);
        cols += ", " + columns[i];
        params += ", " + p;
        same += " AND " + columns[i] + " IS " + p;
    }
    auto read = copy.db().prepare("SELECT " + cols + " FROM " + table + " ORDER BY id");
    auto exists = main.db().prepare("SELECT 1 FROM " + table + " WHERE " + same + " LIMIT 1");
    auto insert = main.db().prepare("INSERT INTO " + table + "(" + cols + ") VALUES (" + params + ")");
    const size_t whoCol = size_t(std::find(columns.begin(), columns.end(), who) - columns.begin()) + 1;
    while (read.step()) {
        auto bindRow = [&](Statement& st) {
            st.bind(1, ids.at(read.int64(0)));
            for (size_t c = 1; c <= columns.size(); ++c) {
                const int p = int(c + 1);
                if (c == whoCol) {
                    const std::string name = read.text(int(c)).empty() ? unnamedAs : read.text(int(c));
                    names.insert(name);
                    st.bind(p, name);
                } else if (read.isNull(int(c))) {
                    st.bindNull(p);
                } else if (columns[c - 1] == "present" || columns[c - 1] == "start_byte" || columns[c - 1] == "end_byte") {
                    st.bind(p, read.int64(int(c)));
                } else {
                    st.bind(p, read.text(int(c)));
                }
            }
        };
        bindRow(exists);
        const bool have = exists.step();
        exists.reset();
        if (have) {
            ++r.alreadyPresent;
            continue;
        }
        bindRow(insert);
        insert.run();
        insert.reset();
        ++r.added;
    }
}

}  // namespace

void checkReviewCopy(ProjectStore& main, const std::string& copyPath) {
    auto copy = ProjectStore::openReadOnly(copyPath);
    mapCopySamples(main, copy);
}

ReviewMergeResult mergeReviewCopy(ProjectStore& main, const std::string& copyPath, const std::string& unnamedAs) {
    auto copy = ProjectStore::openReadOnly(copyPath);
    if (std::filesystem::equivalent(std::filesystem::path(copy.path()), std::filesystem::path(main.path())))
        throw DbError(copyPath + " is the project itself");
    const auto ids = mapCopySamples(main, copy);
    ReviewMergeResult r;
    std::set<std::string> names;
    Transaction tx(main.db());
    copyRows(main, copy, ids, "overrides", {"decision", "note", "created_at", "annotator"}, "annotator", unnamedAs, r, names);
    copyRows(main, copy, ids, "sample_marks", {"kind", "name", "present", "annotator", "created_at"}, "annotator",
             unnamedAs, r, names);
    copyRows(main, copy, ids, "evidence", {"start_byte", "end_byte", "annotator", "created_at"}, "annotator", unnamedAs,
             r, names);
    copyRows(main, copy, ids, "adjudications", {"decision", "note", "adjudicator", "created_at"}, "adjudicator",
             unnamedAs, r, names);
    std::vector<std::string> labels = labelSet(main);
    for (const auto& l : labelSet(copy))
        if (std::find(labels.begin(), labels.end(), l) == labels.end()) {
            labels.push_back(l);
            ++r.labelsAdded;
        }
    if (r.labelsAdded) {
        main.db().exec("DELETE FROM label_set");
        auto ins = main.db().prepare("INSERT INTO label_set(name, position) VALUES (?1, ?2)");
        for (size_t i = 0; i < labels.size(); ++i) {
            ins.bind(1, labels[i]).bind(2, int64_t(i + 1)).run();
            ins.reset();
        }
    }
    tx.commit();
    r.annotators.assign(names.begin(), names.end());
    return r;
}

// --- Agreement --------------------------------------------------------------------------------

namespace {

int category(Decision d) { return d == Decision::Keep ? 0 : 1; }

// Each annotator's current labels per sample (newest row per sample, label, annotator).
std::map<int64_t, std::map<std::string, std::set<std::string>>> labelsByAnnotator(ProjectStore& store) {
    auto st = store.db().prepare(
        "SELECT m.sample_id, m.annotator, m.name FROM sample_marks m "
        "JOIN (SELECT max(id) AS id FROM sample_marks WHERE kind = 'label' GROUP BY sample_id, name, annotator) n "
        "ON n.id = m.id WHERE m.present = 1");
    std::map<int64_t, std::map<std::string, std::set<std::string>>> out;
    while (st.step()) out[st.int64(0)][st.text(1)].insert(st.text(2));
    return out;
}

}  // namespace

AgreementReport agreementReport(ProjectStore& store, const std::vector<std::string>& only) {
    AgreementReport rep;
    const auto votes = teamVotes(store);
    const std::vector<std::string> all = annotatorsOf(store);
    rep.annotators = only.empty() ? all : only;
    for (const auto& n : rep.annotators)
        if (std::find(all.begin(), all.end(), n) == all.end())
            throw DbError(store.path() + ": annotator \"" + n + "\" has no keep or drop decision in this project");
    for (const auto& [id, t] : votes) {
        rep.decided += t.votes.empty() ? 0 : 1;
        if (t.disputed()) {
            ++rep.disputed;
            rep.adjudicated += t.isAdjudicated() ? 1 : 0;
        }
    }
    const auto labels = labelsByAnnotator(store);
    auto hasLabel = [&](int64_t id, const std::string& who, const std::string& label) {
        auto s = labels.find(id);
        if (s == labels.end()) return 0;
        auto a = s->second.find(who);
        return a != s->second.end() && a->second.count(label) ? 1 : 0;
    };
    // The same rating function for decisions and for each label, so both scopes count the
    // same samples: those the annotators in question both (all) decided.
    using Rating = std::function<int(int64_t, const std::string&, Decision)>;
    auto scope = [&](const std::string& what, int categories, const Rating& rate) {
        AgreementScope s;
        s.what = what;
        const auto& A = rep.annotators;
        for (size_t i = 0; i < A.size(); ++i)
            for (size_t j = i + 1; j < A.size(); ++j) {
                std::vector<int> a, b;
                for (const auto& [id, t] : votes) {
                    auto x = t.votes.find(A[i]), y = t.votes.find(A[j]);
                    if (x == t.votes.end() || y == t.votes.end()) continue;
                    a.push_back(rate(id, A[i], x->second));
                    b.push_back(rate(id, A[j], y->second));
                }
                s.pairs.push_back({A[i], A[j], review::cohenKappa(a, b, categories)});
            }
        std::vector<std::vector<int>> counts;
        if (A.size() >= 2)
            for (const auto& [id, t] : votes) {
                std::vector<int> row(size_t(categories), 0);
                bool everyone = true;
                for (const auto& who : A) {
                    auto x = t.votes.find(who);
                    if (x == t.votes.end()) {
                        everyone = false;
                        break;
                    }
                    ++row[size_t(rate(id, who, x->second))];
                }
                if (everyone) counts.push_back(std::move(row));
            }
        s.overall = A.size() >= 2 ? review::fleissKappa(counts) : review::GroupAgreement{};
        if (A.size() < 2) s.overall.kappa = s.overall.observed = s.overall.expected = std::nan("");
        rep.scopes.push_back(std::move(s));
    };
    scope("decision", 2, [](int64_t, const std::string&, Decision d) { return category(d); });
    for (const auto& label : labelSet(store))
        scope("label " + label, 2,
              [&](int64_t id, const std::string& who, Decision) { return hasLabel(id, who, label); });
    return rep;
}

}  // namespace gateau::db
