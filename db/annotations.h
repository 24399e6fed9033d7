#pragma once
// Review annotations beyond keep / drop and the note (migration 6, docs/store.md): the
// project's label set, labels and free tags per sample, and one evidence span per sample.
// Like overrides, every change appends a row naming its annotator; the newest row of a
// (sample, kind, name) or of a sample's evidence is current. Callers batch writes in a
// Transaction of their own.
#include "db/project_store.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gateau::db {

enum class MarkKind { Label, Tag };
const char* markKindName(MarkKind k);

// The current labels and tags (sorted by name) and evidence of one sample.
struct Annotations {
    std::vector<std::string> labels, tags;
    // Byte offsets [evidenceStart, evidenceEnd) into the sample's context text (the context
    // as scoring::splitConversation makes it); -1 when the sample has no evidence.
    int64_t evidenceStart = -1, evidenceEnd = -1;
    bool hasEvidence() const { return evidenceStart >= 0; }
    bool empty() const { return labels.empty() && tags.empty() && !hasEvidence(); }
    bool operator==(const Annotations& o) const {
        return labels == o.labels && tags == o.tags && evidenceStart == o.evidenceStart && evidenceEnd == o.evidenceEnd;
    }
};

// The annotator recorded when none is configured: the OS user name ($USER, $USERNAME), else "unknown".
std::string defaultAnnotator();

// Label and tag names: trimmed, 1..64 bytes, no ';' (the CSV joins names with it) and no
// control characters. Returns the trimmed name; throws DbError naming `what` and the problem.
std::string checkMarkName(const std::string& name, const std::string& what);

// The project's labels in their order (the first nine get keys 1..9 in the workbench).
std::vector<std::string> labelSet(ProjectStore& store);
// Replaces the label set (names checked, duplicates refused). Marks already given with a
// label that leaves the set stay on their samples.
void setLabelSet(ProjectStore& store, const std::vector<std::string>& names);

// Every sample with a current label, tag or evidence.
std::map<int64_t, Annotations> currentAnnotations(ProjectStore& store);
Annotations annotationsOf(ProjectStore& store, int64_t sampleId);

// The reviewer's form of ProjectStore::addOverride: the row names its annotator.
void addOverrideBy(ProjectStore& store, int64_t sampleId, Decision decision, const std::string& note,
                   const std::string& annotator);
// Who wrote each override row of a sample, oldest first ("" before migration 6).
std::vector<std::string> overrideAnnotators(ProjectStore& store, int64_t sampleId);

// Appends a row giving or removing one label or tag.
void setMark(ProjectStore& store, int64_t sampleId, MarkKind kind, const std::string& name, bool present,
             const std::string& annotator);
// Appends an evidence row; start < 0 removes the evidence. Throws DbError unless 0 <= start < end.
void setEvidence(ProjectStore& store, int64_t sampleId, int64_t start, int64_t end, const std::string& annotator);

// Writes the rows that take `from` to `to` (labels and tags given or removed, evidence set or
// removed): the one place a whole annotation state is saved, for the GUI's undo and the CLI.
void writeAnnotationChange(ProjectStore& store, int64_t sampleId, const Annotations& from, const Annotations& to,
                           const std::string& annotator);

}  // namespace gateau::db
