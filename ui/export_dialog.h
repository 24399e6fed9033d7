#pragma once
// Export of the curated subset: the rule (top k% or top N by the combined score, overrides
// applied), the formats (original-schema JSONL, scores CSV), the destinations and a live
// preview count. Writing happens on a worker thread; files are replaced atomically.
#include <QDialog>

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
    int previewCount() const { return previewCount_; }
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
};

}  // namespace gateau::ui
