#pragma once
// Export of the curated subset: the rule (top k%, top N or a token budget, overrides
// applied), the formats (original-schema JSONL, scores CSV), the destinations and a live
// preview count. Writing happens on a worker thread; files are replaced atomically.
#include "core/scoring/formulas.h"

#include <QDialog>

#include <cstdint>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace gateau::ui {

class RankingSession;

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    ExportDialog(RankingSession* session, QWidget* parent = nullptr);

    // For tests: fill in and run without the file dialogs.
    void setDestinations(const QString& jsonl, const QString& csv);
    void setRule(bool topPercent, double value, double alpha);
    void setRule(scoring::Selection::Mode mode, double value, double alpha);
    int previewCount() const { return previewCount_; }
    int64_t previewTokens() const { return previewTokens_; }
    QComboBox* ruleCombo() const { return mode_; }
    void startExport();

signals:
    void exported(QString summary);
    void exportFailed(QString message);

private:
    void updatePreview();

    RankingSession* session_;
    QComboBox* mode_;
    QDoubleSpinBox* value_;
    QDoubleSpinBox* alpha_;
    QCheckBox* jsonl_;
    QCheckBox* csv_;
    QLineEdit* jsonlPath_;
    QLineEdit* csvPath_;
    QLabel* preview_;
    QPushButton* exportButton_;
    int previewCount_ = 0;
    int64_t previewTokens_ = 0;
};

}  // namespace gateau::ui
