#pragma once
// The workbench's side of team review (docs/review-team.md): File > Merge Reviews… and
// Sample > Agreement…, both run on the task runner against the project's path (their own
// store connection), so the GUI thread never waits on the merge's writes or the counting.
#include "db/team_review.h"

#include <QDialog>
#include <QString>
#include <QStringList>

#include <functional>
#include <string>

class QTableWidget;

namespace gateau::ui {

// Checks every copy, then merges each (unnamed rows named after the copy's file); returns one
// line per copy and the totals, as `gateau merge-reviews` prints them. Throws DbError (nothing
// merged) on a copy of another project.
QString mergeReviewCopies(const std::string& projectPath, const QStringList& copies);

// Asks for the copies, merges them on the task runner, then done(message, failed) on the GUI thread.
void askAndMergeReviews(QWidget* parent, const std::string& projectPath, std::function<void(const QString&, bool)> done);

// Agreement per pair and overall, for keep / drop and each label, as `gateau agreement` shows it.
class AgreementDialog : public QDialog {
    Q_OBJECT
public:
    AgreementDialog(const db::AgreementReport& report, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }

signals:
    void adjudicationQueueRequested();  // "Open the adjudication queue"

private:
    QTableWidget* table_;
};

// Computes the report on the task runner and shows the dialog (non-modal, deleted on close).
// queue: what "Open the adjudication queue" does.
void showAgreement(QWidget* parent, const std::string& projectPath, std::function<void()> queue);

}  // namespace gateau::ui
