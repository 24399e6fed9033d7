#include "db/annotations.h"

#include <algorithm>
#include <cstdlib>

namespace gateau::db {

const char* markKindName(MarkKind k) { return k == MarkKind::Label ? "label" : "tag"; }

std::string defaultAnnotator() {
    for (const char* var : {"USER", "USERNAME", "LOGNAME"})
        if (const char* v = std::getenv(var); v && *v) return v;
    return "unknown";
}

std::string checkMarkName(const std::string& name, const std::string& what) {
    const auto b = name.find_first_not_of(" \t");
    const auto e = name.find_last_not_of(" \t");
    const std::string t = b == std::string::npos ? std::string() : name.substr(b, e - b + 1);
    if (t.empty()) throw DbError(what + " is empty");
    if (t.size() > 64) throw DbError(what + " \"" + t.substr(0, 20) + "...\" is longer than 64 bytes");
    if (t.find(';') != std::string::npos) throw DbError(what + " \"" + t + "\" contains ';' (it separates names in the CSV)");
    for (unsigned char c : t)
        if (c < 0x20 || c == 0x7f) throw DbError(what + " \"" + t + "\" contains a control character");
    return t;
}

std::vector<std::string> labelSet(ProjectStore& store) {
    auto st = store.db().prepare("SELECT name FROM label_set ORDER BY position, name");
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.text(0));
    return out;
}

void setLabelSet(ProjectStore& store, const std::vector<std::string>& names) {
    std::vector<std::string> clean;
    for (size_t i = 0; i < names.size(); ++i) {
        std::string n = checkMarkName(names[i], "label " + std::to_string(i + 1));
        if (std::find(clean.begin(), clean.end(), n) != clean.end()) throw DbError("label \"" + n + "\" is listed twice");
        clean.push_back(std::move(n));
    }
    Transaction tx(store.db());
    store.db().exec("DELETE FROM label_set");
    auto ins = store.db().prepare("INSERT INTO label_set(name, position) VALUES (?1, ?2)");
    for (size_t i = 0; i < clean.size(); ++i) {
        ins.bind(1, clean[i]).bind(2, int64_t(i + 1)).run();
        ins.reset();
    }
    tx.commit();
}

namespace {

const char* kCurrentMarks =
    "SELECT m.sample_id, m.kind, m.name FROM sample_marks m "
    "JOIN (SELECT max(id) AS id FROM sample_marks GROUP BY sample_id, kind, name) n ON n.id = m.id "
    "WHERE m.present = 1 ";
const char* kCurrentEvidence =
    "SELECT e.sample_id, e.start_byte, e.end_byte FROM evidence e "
    "JOIN (SELECT max(id) AS id FROM evidence GROUP BY sample_id) n ON n.id = e.id WHERE e.start_byte IS NOT NULL ";

void readInto(Statement& marks, Statement& evidence, std::map<int64_t, Annotations>& out) {
    while (marks.step()) {
        Annotations& a = out[marks.int64(0)];
        (marks.textView(1) == "label" ? a.labels : a.tags).push_back(marks.text(2));
    }
    while (evidence.step()) {
        Annotations& a = out[evidence.int64(0)];
        a.evidenceStart = evidence.int64(1);
        a.evidenceEnd = evidence.int64(2);
    }
    for (auto& [id, a] : out) {
        std::sort(a.labels.begin(), a.labels.end());
        std::sort(a.tags.begin(), a.tags.end());
    }
}

}  // namespace

std::map<int64_t, Annotations> currentAnnotations(ProjectStore& store) {
    auto marks = store.db().prepare(kCurrentMarks);
    auto evidence = store.db().prepare(kCurrentEvidence);
    std::map<int64_t, Annotations> out;
    readInto(marks, evidence, out);
    return out;
}

Annotations annotationsOf(ProjectStore& store, int64_t sampleId) {
    auto marks = store.db().prepare(std::string(kCurrentMarks) + "AND m.sample_id = ?1");
    marks.bind(1, sampleId);
    auto evidence = store.db().prepare(std::string(kCurrentEvidence) + "AND e.sample_id = ?1");
    evidence.bind(1, sampleId);
    std::map<int64_t, Annotations> out;
    readInto(marks, evidence, out);
    return out.count(sampleId) ? out[sampleId] : Annotations{};
}

void addOverrideBy(ProjectStore& store, int64_t sampleId, Decision decision, const std::string& note,
                   const std::string& annotator) {
    store.db()
        .prepare("INSERT INTO overrides(sample_id, decision, note, created_at, annotator) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(1, sampleId).bind(2, decisionName(decision)).bind(3, note).bind(4, utcNow()).bind(5, annotator)
        .run();
}

std::vector<std::string> overrideAnnotators(ProjectStore& store, int64_t sampleId) {
    auto st = store.db().prepare("SELECT annotator FROM overrides WHERE sample_id = ?1 ORDER BY id");
    st.bind(1, sampleId);
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.text(0));
    return out;
}

void setMark(ProjectStore& store, int64_t sampleId, MarkKind kind, const std::string& name, bool present,
             const std::string& annotator) {
    const std::string n = checkMarkName(name, markKindName(kind));
    store.db()
        .prepare("INSERT INTO sample_marks(sample_id, kind, name, present, annotator, created_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, sampleId).bind(2, markKindName(kind)).bind(3, n).bind(4, int64_t(present ? 1 : 0))
        .bind(5, annotator).bind(6, utcNow())
        .run();
}

void setEvidence(ProjectStore& store, int64_t sampleId, int64_t start, int64_t end, const std::string& annotator) {
    auto st = store.db().prepare(
        "INSERT INTO evidence(sample_id, start_byte, end_byte, annotator, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    st.bind(1, sampleId);
    if (start < 0) {
        st.bindNull(2).bindNull(3);
    } else {
        if (end <= start)
            throw DbError("evidence span " + std::to_string(start) + ".." + std::to_string(end) + " is empty or reversed");
        st.bind(2, start).bind(3, end);
    }
    st.bind(4, annotator).bind(5, utcNow()).run();
}

void writeAnnotationChange(ProjectStore& store, int64_t sampleId, const Annotations& from, const Annotations& to,
                           const std::string& annotator) {
    auto diff = [&](MarkKind kind, const std::vector<std::string>& a, const std::vector<std::string>& b) {
        for (const auto& n : a)
            if (std::find(b.begin(), b.end(), n) == b.end()) setMark(store, sampleId, kind, n, false, annotator);
        for (const auto& n : b)
            if (std::find(a.begin(), a.end(), n) == a.end()) setMark(store, sampleId, kind, n, true, annotator);
    };
    diff(MarkKind::Label, from.labels, to.labels);
    diff(MarkKind::Tag, from.tags, to.tags);
    if (from.evidenceStart != to.evidenceStart || from.evidenceEnd != to.evidenceEnd)
        setEvidence(store, sampleId, to.evidenceStart, to.evidenceEnd, annotator);
}

}  // namespace gateau::db
