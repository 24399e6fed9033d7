#pragma once
// A keep / drop / clear / note change as an undoable command. Redo and undo both append a
// row to the project's override history (never rewrite it), so the history shows every
// step, undo included, and survives reopening.
#include "db/project_store.h"

#include <QUndoCommand>

#include <functional>
#include <string>

namespace gateau::ui {

struct OverrideState {
    db::Decision decision = db::Decision::None;
    std::string note;
    bool operator==(const OverrideState& o) const { return decision == o.decision && note == o.note; }
};

// Writes one state of one sample (to the project and to the in-memory ranking).
using OverrideApplier = std::function<void(qint64 sampleId, const OverrideState& state)>;

class OverrideCommand : public QUndoCommand {
public:
    OverrideCommand(OverrideApplier apply, qint64 sampleId, OverrideState before, OverrideState after);
    void redo() override { apply_(sampleId_, after_); }
    void undo() override { apply_(sampleId_, before_); }

private:
    OverrideApplier apply_;
    qint64 sampleId_;
    OverrideState before_, after_;
};

}  // namespace gateau::ui
