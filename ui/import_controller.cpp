#include "ui/import_controller.h"

#include "db/importer.h"

#include <QFileInfo>
#include <QProgressDialog>
#include "ui/tasks/task_runner.h"

#include <spdlog/spdlog.h>

namespace gateau::ui {

ImportController::ImportController(QWidget* dialogParent, QObject* parent) : QObject(parent), dialogParent_(dialogParent) {
    qRegisterMetaType<gateau::ui::ImportOutcome>();
}

namespace {
const QString kImportLane = QStringLiteral("import");
}

// The import stops at its next record; the runner (which waits for its pool on exit) lets
// it finish its transaction rollback without this object.
ImportController::~ImportController() { cancel(); }

bool ImportController::busy() const { return TaskRunner::instance().busy(const_cast<ImportController*>(this), kImportLane); }

void ImportController::cancel() {
    if (cancel_) cancel_->store(true);
}

void ImportController::start(const QString& projectPath, const QString& file, const QString& format) {
    if (busy()) return;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    dialog_ = new QProgressDialog(tr("Importing %1 ...").arg(QFileInfo(file).fileName()), tr("Cancel"), 0, 1000, dialogParent_);
    dialog_->setWindowTitle(tr("Import dataset"));
    dialog_->setMinimumDuration(300);
    dialog_->setAutoClose(false);
    dialog_->setAutoReset(false);
    dialog_->setMinimumWidth(460);
    connect(dialog_, &QProgressDialog::canceled, this, &ImportController::cancel);

    auto flag = cancel_;
    auto counts = counts_ = std::make_shared<Counts>();
    const std::string project = projectPath.toStdString(), path = file.toStdString(), fmt = format.toStdString();
    TaskRunner::instance().run<ImportOutcome>(this, kImportLane, [flag, counts, project, path, fmt, file](const CancelToken& token) {
        ImportOutcome out;
        out.file = file;
        try {
            auto store = db::ProjectStore::open(project, false);
            db::ImportOptions opts;
            opts.format = datasets::parseFormat(fmt).value_or(datasets::Format::Auto);
            opts.cancel = flag.get();
            opts.progress = [&token, counts](const db::ImportProgress& p) {
                counts->records = p.records;  // the runner's progress carries bytes; these ride along
                counts->errors = p.errors;
                counts->seconds = p.seconds;
                token.progress(qint64(p.bytesRead), qint64(p.totalBytes));
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
        return out;
    }, [this, file](TaskResult<ImportOutcome>& r) {
        if (r.status == TaskStatus::Failed) {  // importDataset's own errors are caught above
            r.value.kind = ImportOutcome::Kind::Failed;
            r.value.file = file;
            r.value.message = r.error;
        }
        onDone(r.value);
    }, LaneMode::Serial, [this, counts](qint64 bytes, qint64 total) {
        onProgress(bytes, total, counts->records, counts->errors, counts->seconds);
    });
}

void ImportController::onProgress(qint64 bytes, qint64 total, qint64 records, qint64 errors, double seconds) {
    if (!dialog_) return;
    dialog_->setValue(total > 0 ? int(1000.0 * double(bytes) / double(total)) : 0);
    dialog_->setLabelText(tr("%1 of %2 MB  ·  %3 MB/s\n%4 samples  ·  %5 records skipped")
                              .arg(double(bytes) / 1e6, 0, 'f', 0).arg(double(total) / 1e6, 0, 'f', 0)
                              .arg(seconds > 0 ? double(bytes) / 1e6 / seconds : 0.0, 0, 'f', 0).arg(records).arg(errors));
}

void ImportController::onDone(const ImportOutcome& outcome) {
    if (dialog_) dialog_->deleteLater();
    emit finished(outcome);
}

}  // namespace gateau::ui
