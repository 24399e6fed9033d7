#pragma once
// A review edit of one or several samples (decision, note, labels, tags, evidence) as one
// undoable command. Redo and undo both append rows to the project's history (never rewrite
// it), so the history shows every step, undo included, and survives reopening.
#include "db/annotations.h"
#include "db/project_store.h"
#include "db/team_review.h"

#include <QUndoCommand>

#include <functional>
#include <string>
#include <vector>

namespace gateau::ui {

// Everything a reviewer sets on one sample.
struct OverrideState {
    db::Decision decision = db::Decision::None;  // team.effective()
    std::string note;
    db::Annotations annotations;
    db::TeamVotes team;  // each annotator's decision and the adjudication (migration 7)
    bool operator==(const OverrideState& o) const {
        return decision == o.decision && note == o.note && annotations == o.annotations && team == o.team;
    }
};

struct OverrideChange {
    qint64 sampleId = 0;
    OverrideState before, after;
};

// Writes one state per sample (to the project and to the in-memory ranking), all at once:
// a bulk edit is one transaction and one re-rank.
using OverrideApplier = std::function<void(const std::vector<std::pair<qint64, OverrideState>>& states)>;

class OverrideCommand : public QUndoCommand {
public:
    // text: what the Edit menu says ("Label 3 samples truncated"); empty: derived from the changes.
    OverrideCommand(OverrideApplier apply, std::vector<OverrideChange> changes, const QString& text = {});
    void redo() override { apply(false); }
    void undo() override { apply(true); }

private:
    void apply(bool before);

    OverrideApplier apply_;
    std::vector<OverrideChange> changes_;
};

}  // namespace gateau::ui
