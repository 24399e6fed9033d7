#pragma once
// The current sample's labels (a toggle per label of the project's set, keys 1-9), tags and
// evidence under the ranked table. It only shows state and reports clicks: BrowserPanel
// turns them into undoable edits of every highlighted sample.
#include "ui/browser/override_command.h"

#include <QStringList>
#include <QWidget>

#include <optional>
#include <string>
#include <vector>

class QHBoxLayout;
class QLabel;
class QLineEdit;
class QToolButton;

namespace gateau::ui {

class AnnotationBar : public QWidget {
    Q_OBJECT
public:
    explicit AnnotationBar(QWidget* parent = nullptr);
    void setLabelSet(const std::vector<std::string>& labels);
    // The sample the bar edits; null state: nothing to edit (disabled).
    void showState(qint64 sampleId, const OverrideState* state);

    QList<QToolButton*> labelButtons() const { return buttons_; }
    QLineEdit* tagsEdit() const { return tags_; }  // placed by the panel next to the note
    QLabel* evidenceLabel() const { return evidence_; }
    QLabel* teamLabel() const { return team_; }  // each annotator's decision, when several decided
    qint64 sampleId() const { return sampleId_; }
    // "a, b c, d" -> {"a", "b c", "d"}: comma-separated, trimmed, empty parts dropped.
    static QStringList parseTags(const QString& text);

signals:
    void labelClicked(const QString& label);
    void tagsEdited(qint64 sampleId, const QStringList& tags);
    void removeEvidence(qint64 sampleId);
    void editLabelSet();

private:
    QHBoxLayout* buttonRow_;
    QList<QToolButton*> buttons_;
    QLineEdit* tags_;
    QLabel* team_;
    QLabel* evidence_;
    QToolButton* removeEvidence_;
    qint64 sampleId_ = -1;
};

// The label set dialog: one label per line, "Defaults" offers the usual drop reasons.
// nullopt when cancelled.
std::optional<std::vector<std::string>> editLabelSetDialog(QWidget* parent, const std::vector<std::string>& current);

}  // namespace gateau::ui
