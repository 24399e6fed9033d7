#pragma once
#include "db/project_store.h"

#include <QMainWindow>

#include <memory>

class QLabel;
class QMenu;
class QSplitter;
class QTableView;

namespace gateau::ui {

class ConversationView;
class DatasetPanel;
class ImportController;
class SampleTableModel;
struct ImportOutcome;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens (or, with `create`, creates) a project; on failure shows why and returns false.
    bool openProject(const QString& path, bool create);
    void importFile(const QString& file, const QString& format = "auto");

    // For tests and screenshots.
    SampleTableModel* sampleModel() const { return model_; }
    QTableView* sampleTable() const { return table_; }
    ConversationView* conversationView() const { return view_; }
    DatasetPanel* datasetPanel() const { return datasets_; }
    ImportController* importController() const { return importer_; }
    QString projectPath() const;

protected:
    void closeEvent(QCloseEvent* e) override;

private:
    void buildMenus();
    void newProject();
    void openProjectDialog();
    void importDialog();
    void refresh();
    void showSelectedSample();
    void onImportFinished(const ImportOutcome& outcome);
    void rebuildRecentMenu();
    void notify(const QString& title, const QString& message, bool error);

    std::unique_ptr<db::ProjectStore> store_;
    SampleTableModel* model_;
    QTableView* table_;
    ConversationView* view_;
    DatasetPanel* datasets_;
    QSplitter* split_;
    ImportController* importer_;
    QMenu* recentMenu_ = nullptr;
    QLabel* projectLabel_;
    QLabel* countLabel_;
    QList<QAction*> projectActions_;
};

}  // namespace gateau::ui
