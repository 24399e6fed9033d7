#pragma once
// The project's datasets and the stored import report of the selected one; "Delete
// dataset..." asks the window to delete the selected one (MainWindow::deleteDataset).
#include "db/dataset_admin.h"
#include "db/project_store.h"

#include <QWidget>

class QPushButton;
class QTreeWidget;
class QPlainTextEdit;

namespace gateau::ui {

class DatasetPanel : public QWidget {
    Q_OBJECT
public:
    explicit DatasetPanel(QWidget* parent = nullptr);
    void setDatasets(const std::vector<db::DatasetInfo>& datasets);
    void selectDataset(qint64 id);
    int datasetCount() const;
    qint64 selectedDataset() const;  // 0: none
    QPushButton* deleteButton() const { return delete_; }

    // The confirmation naming what deleting the dataset removes.
    static QString deleteConfirmation(const db::DatasetUsage& usage);

signals:
    void deleteRequested(qint64 datasetId);

private:
    void showReport();

    QTreeWidget* list_;
    QPushButton* delete_;
    QPlainTextEdit* report_;
    std::vector<db::DatasetInfo> datasets_;
};

}  // namespace gateau::ui
