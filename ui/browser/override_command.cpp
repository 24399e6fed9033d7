#include "ui/browser/override_command.h"

#include <QCoreApplication>

namespace gateau::ui {

namespace {
QString tr(const char* text) { return QCoreApplication::translate("OverrideCommand", text); }

QString describe(const std::vector<OverrideChange>& changes) {
    if (changes.empty()) return QString();
    const OverrideChange& c = changes.front();
    const bool one = changes.size() == 1;
    const QString who = one ? tr("sample %1").arg(c.sampleId) : tr("%1 samples").arg(changes.size());
    if (c.after.team.isAdjudicated() && c.after.team.adjudicated != c.before.team.adjudicated)
        return tr("Adjudicate %1: %2").arg(who, QString::fromUtf8(db::decisionName(c.after.decision)));
    if (c.before.decision == c.after.decision) return tr("Edit note of %1").arg(who);
    switch (c.after.decision) {
        case db::Decision::Keep: return tr("Keep %1").arg(who);
        case db::Decision::Drop: return tr("Drop %1").arg(who);
        case db::Decision::None: break;
    }
    return tr("Clear decision of %1").arg(who);
}
}  // namespace

OverrideCommand::OverrideCommand(OverrideApplier apply, std::vector<OverrideChange> changes, const QString& text)
    : QUndoCommand(text.isEmpty() ? describe(changes) : text), apply_(std::move(apply)), changes_(std::move(changes)) {}

void OverrideCommand::apply(bool before) {
    std::vector<std::pair<qint64, OverrideState>> states;
    states.reserve(changes_.size());
    for (const OverrideChange& c : changes_) states.emplace_back(c.sampleId, before ? c.before : c.after);
    apply_(states);
}

}  // namespace gateau::ui
