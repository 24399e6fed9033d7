#include "ui/import_controller.h"

#include "db/importer.h"

#include <QFileInfo>
#include <QProgressDialog>
#include <QThread>

#include <spdlog/spdlog.h>

namespace gateau::ui {

ImportController::ImportController(QWidget* dialogParent, QObject* parent) : QObject(parent), dialogParent_(dialogParent) {
    qRegisterMetaType<gateau::ui::ImportOutcome>();
}

ImportController::~ImportController() {
    cancel();
    if (thread_) thread_->wait();
}

void ImportController::cancel() {
    if (cancel_) cancel_->store(true);
}

void ImportController::start(const QString& projectPath, const QString& file, const QString& format) {
    if (thread_) return;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    dialog_ = new QProgressDialog(tr("Importing %1 ...").arg(QFileInfo(file).fileName()), tr("Cancel"), 0, 1000, dialogParent_);
    dialog_->setWindowTitle(tr("Import dataset"));
    dialog_->setMinimumDuration(300);
    dialog_->setAutoClose(false);
    dialog_->setAutoReset(false);
    dialog_->setMinimumWidth(460);
    connect(dialog_, &QProgressDialog::canceled, this, &ImportController::cancel);

    auto flag = cancel_;
    const std::string project = projectPath.toStdString(), path = file.toStdString(), fmt = format.toStdString();
    thread_ = QThread::create([this, flag, project, path, fmt, file] {
        ImportOutcome out;
        out.file = file;
        try {
            auto store = db::ProjectStore::open(project, false);
            db::ImportOptions opts;
            opts.format = datasets::parseFormat(fmt).value_or(datasets::Format::Auto);
            opts.cancel = flag.get();
            opts.progress = [this](const db::ImportProgress& p) {
                QMetaObject::invokeMethod(this, [=] { onProgress(qint64(p.bytesRead), qint64(p.totalBytes), p.records, p.errors, p.seconds); },
                                          Qt::QueuedConnection);
            };
            auto r = db::importDataset(store, path, opts);
            out.datasetId = r.datasetId;
            out.samples = r.samples;
            out.errors = r.errors;
            switch (r.status) {
            case db::ImportResult::Status::Imported:
                out.kind = ImportOutcome::Kind::Imported;
                out.message = tr("Imported %1 samples from %2 (%3 records skipped, %4 MB/s)")
                                  .arg(r.samples).arg(QFileInfo(file).fileName()).arg(r.errors)
                                  .arg(r.seconds > 0 ? double(r.bytes) / 1e6 / r.seconds : 0.0, 0, 'f', 0);
                if (r.duplicates > 0) out.message += tr("; %1 records already in the project were not added again").arg(r.duplicates);
                if (!r.removedInterrupted.empty()) out.message += "; " + QString::fromStdString(db::describeRemoved(r.removedInterrupted));
                break;
            case db::ImportResult::Status::AlreadyImported:
                out.kind = ImportOutcome::Kind::AlreadyImported;
                out.message = r.duplicates > 0
                                  ? tr("Every record of %1 is already in the project: nothing added").arg(QFileInfo(file).fileName())
                                  : tr("%1 is already imported (dataset #%2): nothing added").arg(QFileInfo(file).fileName()).arg(r.datasetId);
                break;
            case db::ImportResult::Status::Cancelled:
                out.kind = ImportOutcome::Kind::Cancelled;
                out.message = tr("Import of %1 cancelled: nothing was added").arg(QFileInfo(file).fileName());
                break;
            }
        } catch (const std::exception& e) {
            out.kind = ImportOutcome::Kind::Failed;
            out.message = QString::fromStdString(e.what());
            spdlog::error("import failed: {}", e.what());
        }
        QMetaObject::invokeMethod(this, [this, out] { onDone(out); }, Qt::QueuedConnection);
    });
    thread_->start();
}

void ImportController::onProgress(qint64 bytes, qint64 total, qint64 records, qint64 errors, double seconds) {
    if (!dialog_) return;
    dialog_->setValue(total > 0 ? int(1000.0 * double(bytes) / double(total)) : 0);
    dialog_->setLabelText(tr("%1 of %2 MB  ·  %3 MB/s\n%4 samples  ·  %5 records skipped")
                              .arg(double(bytes) / 1e6, 0, 'f', 0).arg(double(total) / 1e6, 0, 'f', 0)
                              .arg(seconds > 0 ? double(bytes) / 1e6 / seconds : 0.0, 0, 'f', 0).arg(records).arg(errors));
}

void ImportController::onDone(const ImportOutcome& outcome) {
    thread_->wait();
    delete thread_;
    thread_ = nullptr;
    if (dialog_) dialog_->deleteLater();
    emit finished(outcome);
}

}  // namespace gateau::ui
