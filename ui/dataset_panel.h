#pragma once
// The project's datasets and the stored import report of the selected one.
#include "db/project_store.h"

#include <QWidget>

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

private:
    void showReport();

    QTreeWidget* list_;
    QPlainTextEdit* report_;
    std::vector<db::DatasetInfo> datasets_;
};

}  // namespace gateau::ui
