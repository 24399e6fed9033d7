#include "ui/export_dialog.h"

#include "db/export.h"
#include "ui/browser/cut_rule.h"
#include "ui/browser/ranking_session.h"
#include "ui/tasks/task_runner.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QToolButton>


namespace gateau::ui {

ExportDialog::ExportDialog(RankingSession* session, QWidget* parent) : QDialog(parent), session_(session) {
    setWindowTitle(tr("Export Selection"));
    mode_ = new QComboBox;
    cut_rule::fillCombo(mode_, true);
    value_ = new QDoubleSpinBox;
    alpha_ = new QDoubleSpinBox;
    alpha_->setRange(0, 1);
    alpha_->setSingleStep(0.05);
    alpha_->setDecimals(2);
    alpha_->setValue(session->alpha());
    const auto& sel = session->selection();
    const int mode = cut_rule::indexOf(sel.mode);
    mode_->setCurrentIndex(mode);
    cut_rule::configureValue(value_, mode);
    value_->setValue(cut_rule::valueOf(sel));

    const QSettings s;
    const QString base = QFileInfo(session->projectPath()).completeBaseName();
    const QString dir = s.value("export/dir", QFileInfo(session->projectPath()).absolutePath()).toString();
    jsonl_ = new QCheckBox(tr("Selected samples, original schema (JSONL)"));
    jsonl_->setChecked(true);
    csv_ = new QCheckBox(tr("Scores of every sample (CSV)"));
    csv_->setChecked(s.value("export/csv", true).toBool());
    jsonlPath_ = new QLineEdit(dir + "/" + base + "-selected.jsonl");
    csvPath_ = new QLineEdit(dir + "/" + base + "-scores.csv");
    auto pathRow = [this](QLineEdit* edit, const QString& filter) {
        auto* row = new QHBoxLayout;
        auto* browse = new QToolButton;
        browse->setText(tr("…"));
        connect(browse, &QToolButton::clicked, this, [this, edit, filter] {
            const QString p = QFileDialog::getSaveFileName(this, tr("Export to"), edit->text(), filter);
            if (!p.isEmpty()) edit->setText(p);
        });
        row->addWidget(edit, 1);
        row->addWidget(browse);
        return row;
    };
    preview_ = new QLabel;
    preview_->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Rule"), mode_);
    form->addRow(tr("Keep"), value_);
    form->addRow(tr("alpha"), alpha_);
    form->addRow(jsonl_);
    form->addRow(tr("File"), pathRow(jsonlPath_, tr("JSON Lines (*.jsonl)")));
    form->addRow(csv_);
    form->addRow(tr("File"), pathRow(csvPath_, tr("CSV (*.csv)")));
    form->addRow(preview_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    exportButton_ = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(exportButton_, &QPushButton::clicked, this, &ExportDialog::startExport);
    auto* col = new QVBoxLayout(this);
    col->addLayout(form);
    col->addWidget(buttons);

    connect(mode_, &QComboBox::currentIndexChanged, this, [this](int m) {
        const double start = cut_rule::defaultValue(m, session_->ranking().cut, session_->ranking().selectedTokens);
        cut_rule::configureValue(value_, m);
        value_->setValue(start);
        updatePreview();
    });
    connect(value_, &QDoubleSpinBox::valueChanged, this, &ExportDialog::updatePreview);
    connect(alpha_, &QDoubleSpinBox::valueChanged, this, &ExportDialog::updatePreview);
    for (QCheckBox* c : {jsonl_, csv_}) connect(c, &QCheckBox::toggled, this, &ExportDialog::updatePreview);
    updatePreview();
    resize(560, sizeHint().height());
}

void ExportDialog::setDestinations(const QString& jsonl, const QString& csv) {
    jsonl_->setChecked(!jsonl.isEmpty());
    jsonlPath_->setText(jsonl);
    csv_->setChecked(!csv.isEmpty());
    csvPath_->setText(csv);
}

void ExportDialog::setRule(bool topPercent, double value, double alpha) {
    setRule(scoring::Selection::Mode(topPercent ? scoring::Selection::Mode::TopPercent : scoring::Selection::Mode::TopN),
            value, alpha);
}

void ExportDialog::setRule(scoring::Selection::Mode mode, double value, double alpha) {
    mode_->setCurrentIndex(cut_rule::indexOf(mode));
    value_->setValue(value);
    alpha_->setValue(alpha);
    updatePreview();
}

void ExportDialog::updatePreview() {
    if (!session_->hasRun()) {
        preview_->setText(tr("No scored run is open."));
        exportButton_->setEnabled(false);
        return;
    }
    const auto selection = cut_rule::selection(mode_->currentIndex(), value_->value());
    const db::Ranking r = db::rankPool(session_->inputs(), alpha_->value(), selection);
    int kept = 0, dropped = 0;
    for (const auto& s : session_->inputs().samples) {
        kept += s.decision == db::Decision::Keep;
        dropped += s.decision == db::Decision::Drop;
    }
    previewCount_ = int(r.selected);
    const QLocale l;
    previewTokens_ = r.selectedTokens;
    preview_->setText(tr("<b>%1</b> of %2 scored samples will be exported, %3 tokens (cut %4; overrides: %5 kept, %6 "
                         "dropped by hand). Samples that failed to score are never exported.")
                          .arg(l.toString(qlonglong(r.selected)), l.toString(qlonglong(r.pool)),
                               l.toString(qlonglong(r.selectedTokens)), l.toString(qlonglong(r.cut)))
                          .arg(kept)
                          .arg(dropped));
    exportButton_->setEnabled(jsonl_->isChecked() || csv_->isChecked());
}

void ExportDialog::startExport() {
    if (!session_->hasRun()) return;
    const auto selection = cut_rule::selection(mode_->currentIndex(), value_->value());
    const double alpha = alpha_->value();
    const std::string project = session_->projectPath().toStdString();
    const std::string jsonl = jsonl_->isChecked() ? jsonlPath_->text().toStdString() : std::string();
    const std::string csv = csv_->isChecked() ? csvPath_->text().toStdString() : std::string();
    QSettings s;
    s.setValue("export/dir", QFileInfo(jsonlPath_->text()).absolutePath());
    s.setValue("export/csv", csv_->isChecked());
    exportButton_->setEnabled(false);
    preview_->setText(tr("Exporting…"));
    // The worker gets its own copy of the pool and its own connection.
    auto inputs = std::make_shared<db::RankInputs>(session_->inputs());
    // An export is not superseded; a dialog closed meanwhile still gets its files written.
    TaskRunner::instance().run<QString>(
        this, QString(),
        [inputs, selection, alpha, project, jsonl, csv](const CancelToken&) {
            auto store = db::ProjectStore::openReadOnly(project);
            const db::Ranking r = db::rankPool(*inputs, alpha, selection);
            const db::ExportCounts n = db::exportRun(store, *inputs, r, jsonl, csv);
            QStringList parts;
            if (!jsonl.empty())
                parts << QCoreApplication::translate("ExportDialog", "%1 samples to %2")
                             .arg(n.selected)
                             .arg(QString::fromStdString(jsonl));
            if (!csv.empty())
                parts << QCoreApplication::translate("ExportDialog", "scores of %1 samples to %2")
                             .arg(n.csvRows)
                             .arg(QString::fromStdString(csv));
            return QCoreApplication::translate("ExportDialog", "Exported ") + parts.join("; ");
        },
        [this](TaskResult<QString>& r) {
            if (r.status != TaskStatus::Finished) {
                updatePreview();
                emit exportFailed(r.error);
                return;
            }
            emit exported(r.value);
            accept();
        });
}

}  // namespace gateau::ui
