#include "ui/dataset_panel.h"

#include <QHeaderView>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

namespace gateau::ui {

DatasetPanel::DatasetPanel(QWidget* parent) : QWidget(parent) {
    list_ = new QTreeWidget;
    list_->setRootIsDecorated(false);
    list_->setHeaderLabels({tr("#"), tr("Dataset"), tr("Format"), tr("Samples"), tr("Skipped"), tr("Size"), tr("Status"), tr("Imported")});
    list_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    report_ = new QPlainTextEdit;
    report_->setReadOnly(true);
    report_->setPlaceholderText(tr("Select a dataset to see its import report."));
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(list_);
    split->addWidget(report_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    delete_ = new QPushButton(tr("Delete dataset..."));
    delete_->setToolTip(tr("Remove the selected dataset with its samples, their scores and overrides"));
    delete_->setEnabled(false);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(split);
    lay->addWidget(delete_, 0, Qt::AlignRight);
    connect(list_, &QTreeWidget::currentItemChanged, this, [this] {
        delete_->setEnabled(selectedDataset() != 0);
        showReport();
    });
    connect(delete_, &QPushButton::clicked, this, [this] {
        if (const qint64 id = selectedDataset()) emit deleteRequested(id);
    });
}

qint64 DatasetPanel::selectedDataset() const {
    auto* it = list_->currentItem();
    return it ? it->data(0, Qt::UserRole).toLongLong() : 0;
}

QString DatasetPanel::deleteConfirmation(const db::DatasetUsage& u) {
    QLocale loc;
    return tr("Delete dataset #%1 \"%2\" from this project?\n\nThis removes its %3 samples, %4 scores (in every run) "
              "and %5 override entries. The file %6 itself is not touched. This cannot be undone.")
        .arg(u.info.id)
        .arg(QString::fromStdString(u.info.name))
        .arg(loc.toString(qlonglong(u.samples)))
        .arg(loc.toString(qlonglong(u.scores)))
        .arg(loc.toString(qlonglong(u.overrides)))
        .arg(QString::fromStdString(u.info.path));
}

int DatasetPanel::datasetCount() const { return int(datasets_.size()); }

void DatasetPanel::setDatasets(const std::vector<db::DatasetInfo>& datasets) {
    datasets_ = datasets;
    list_->clear();
    QLocale loc;
    for (const auto& d : datasets_) {
        auto* it = new QTreeWidgetItem(list_);
        it->setText(0, QString::number(d.id));
        it->setText(1, QString::fromStdString(d.name));
        it->setToolTip(1, QString::fromStdString(d.path));
        it->setText(2, QString::fromStdString(d.format));
        it->setText(3, loc.toString(qlonglong(d.sampleCount)));
        it->setText(4, loc.toString(qlonglong(d.errorCount)));
        it->setText(5, loc.formattedDataSize(d.sizeBytes));
        it->setText(6, d.status == "complete" ? tr("complete") : tr("interrupted"));
        it->setText(7, QString::fromStdString(d.importedAt));
        if (d.errorCount > 0) it->setForeground(4, QColor(0xB0, 0x40, 0x00));
        it->setData(0, Qt::UserRole, qlonglong(d.id));
    }
    if (!datasets_.empty()) list_->setCurrentItem(list_->topLevelItem(list_->topLevelItemCount() - 1));
    else report_->clear();
    delete_->setEnabled(selectedDataset() != 0);
}

void DatasetPanel::selectDataset(qint64 id) {
    for (int i = 0; i < list_->topLevelItemCount(); ++i)
        if (list_->topLevelItem(i)->data(0, Qt::UserRole).toLongLong() == id) list_->setCurrentItem(list_->topLevelItem(i));
}

void DatasetPanel::showReport() {
    auto* it = list_->currentItem();
    if (!it) return;
    qint64 id = it->data(0, Qt::UserRole).toLongLong();
    for (const auto& d : datasets_) {
        if (d.id != id) continue;
        auto j = nlohmann::json::parse(d.reportJson, nullptr, false);
        QString text = tr("%1\nSHA-256 %2\n").arg(QString::fromStdString(d.path), QString::fromStdString(d.sha256));
        if (d.status != "complete") {
            text += tr("\nThis import was interrupted (or is still running in another process); the next import "
                       "removes it once its process is gone, or delete it here.\n");
        } else if (!j.is_discarded()) {
            text += tr("%1 records imported, %2 skipped, %3 s (%4 MB/s)\n")
                        .arg(j.value("records_ok", 0)).arg(j.value("records_failed", 0))
                        .arg(j.value("seconds", 0.0), 0, 'f', 2).arg(j.value("mb_per_s", 0.0), 0, 'f', 0);
            const auto& issues = j.value("issues", nlohmann::json::array());
            if (!issues.empty()) text += tr("\nProblems (file:line: message):\n");
            for (const auto& i : issues)
                text += QString("%1:%2: %3\n").arg(QString::fromStdString(d.name)).arg(i.value("line", 0))
                            .arg(QString::fromStdString(i.value("message", std::string())));
            int total = j.value("issues_total", 0);
            if (total > int(issues.size())) text += tr("... and %1 more\n").arg(total - int(issues.size()));
        }
        report_->setPlainText(text);
    }
}

}  // namespace gateau::ui
