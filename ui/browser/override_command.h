#pragma once
// A keep / drop / clear / note change of one or several samples as one undoable command.
// Redo and undo both append rows to the project's override history (never rewrite it), so
// the history shows every step, undo included, and survives reopening.
#include "db/project_store.h"

#include <QUndoCommand>

#include <functional>
#include <string>
#include <vector>

namespace gateau::ui {

struct OverrideState {
    db::Decision decision = db::Decision::None;
    std::string note;
    bool operator==(const OverrideState& o) const { return decision == o.decision && note == o.note; }
};

struct OverrideChange {
    qint64 sampleId = 0;
    OverrideState before, after;
};

// Writes one state per sample (to the project and to the in-memory ranking), all at once:
// a bulk decision is one transaction and one re-rank.
using OverrideApplier = std::function<void(const std::vector<std::pair<qint64, OverrideState>>& states)>;

class OverrideCommand : public QUndoCommand {
public:
    OverrideCommand(OverrideApplier apply, std::vector<OverrideChange> changes);
    void redo() override { apply(false); }
    void undo() override { apply(true); }

private:
    void apply(bool before);

    OverrideApplier apply_;
    std::vector<OverrideChange> changes_;
};

}  // namespace gateau::ui
