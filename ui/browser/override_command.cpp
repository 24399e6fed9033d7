#include "ui/browser/override_command.h"

#include <QCoreApplication>

namespace gateau::ui {

namespace {
QString describe(qint64 id, const OverrideState& before, const OverrideState& after) {
    if (before.decision == after.decision)
        return QCoreApplication::translate("OverrideCommand", "Edit note of sample %1").arg(id);
    switch (after.decision) {
        case db::Decision::Keep: return QCoreApplication::translate("OverrideCommand", "Keep sample %1").arg(id);
        case db::Decision::Drop: return QCoreApplication::translate("OverrideCommand", "Drop sample %1").arg(id);
        case db::Decision::None: break;
    }
    return QCoreApplication::translate("OverrideCommand", "Clear decision of sample %1").arg(id);
}
}  // namespace

OverrideCommand::OverrideCommand(OverrideApplier apply, qint64 sampleId, OverrideState before, OverrideState after)
    : QUndoCommand(describe(sampleId, before, after)),
      apply_(std::move(apply)),
      sampleId_(sampleId),
      before_(std::move(before)),
      after_(std::move(after)) {}

}  // namespace gateau::ui
