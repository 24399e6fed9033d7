#pragma once
// Runs a dataset import on the task runner (lane "import") with its own store connection and
// a cancellable progress dialog; the GUI thread never waits on SQLite writes.
#include <QObject>
#include <QPointer>
#include <QString>

#include <atomic>
#include <memory>

class QProgressDialog;
class QWidget;

namespace gateau::ui {

struct ImportOutcome {
    enum class Kind { Imported, AlreadyImported, Cancelled, Failed } kind = Kind::Failed;
    QString file;
    QString message;  // one line for the status bar / notification
    qint64 datasetId = 0;
    qint64 samples = 0, errors = 0;
};

class ImportController : public QObject {
    Q_OBJECT
public:
    ImportController(QWidget* dialogParent, QObject* parent = nullptr);
    ~ImportController() override;
    bool busy() const;
    // Starts importing `file` into the project at `projectPath`; format: "auto", "messages", ...
    void start(const QString& projectPath, const QString& file, const QString& format);
    void cancel();

signals:
    void finished(const gateau::ui::ImportOutcome& outcome);

private:
    void onProgress(qint64 bytes, qint64 total, qint64 records, qint64 errors, double seconds);
    void onDone(const gateau::ui::ImportOutcome& outcome);

    QWidget* dialogParent_;
    QPointer<QProgressDialog> dialog_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    struct Counts {  // written by the import, read with its progress
        std::atomic<qint64> records{0}, errors{0};
        std::atomic<double> seconds{0};
    };
    std::shared_ptr<Counts> counts_;
};

}  // namespace gateau::ui

Q_DECLARE_METATYPE(gateau::ui::ImportOutcome)
