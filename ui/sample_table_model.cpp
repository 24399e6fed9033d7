#include "ui/sample_table_model.h"

#include "ui/tasks/task_runner.h"

#include <QLocale>

namespace gateau::ui {

SampleTableModel::SampleTableModel(QObject* parent) : QAbstractTableModel(parent) {}

namespace {
const QString kReload = QStringLiteral("reload");
const QString kFetch = QStringLiteral("fetch");

struct FirstPage {
    int64_t total = 0;
    std::vector<db::SampleRow> rows;
};
}  // namespace

void SampleTableModel::setProject(const std::string& path) {
    path_ = path;
    reload();
}

void SampleTableModel::reload() {
    TaskRunner& runner = TaskRunner::instance();
    runner.drop(this, kFetch);  // a batch of the old list must not land in the new one
    fetching_ = false;
    if (path_.empty()) {
        runner.drop(this, kReload);
        loading_ = false;
        beginResetModel();
        rows_.clear();
        total_ = 0;
        exhausted_ = true;
        endResetModel();
        return;
    }
    loading_ = true;
    runner.run<FirstPage>(
        this, kReload,
        [path = path_](const CancelToken&) {
            auto store = db::ProjectStore::openReadOnly(path);
            FirstPage page;
            page.total = store.sampleCount();
            page.rows = store.samplesAfter(0, kBatch);
            return page;
        },
        [this](TaskResult<FirstPage>& r) {
            loading_ = false;
            beginResetModel();
            rows_.clear();
            total_ = 0;
            exhausted_ = true;
            if (r.status == TaskStatus::Finished) {
                total_ = r.value.total;
                exhausted_ = r.value.rows.size() < size_t(kBatch);
                rows_ = std::move(r.value.rows);
            }
            endResetModel();
            if (r.status == TaskStatus::Failed) emit loadFailed(r.error);
            if (r.status == TaskStatus::Finished) emit loaded();
        });
}

int64_t SampleTableModel::sampleIdAt(int row) const {
    return row >= 0 && size_t(row) < rows_.size() ? rows_[size_t(row)].id : -1;
}

int SampleTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int SampleTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

bool SampleTableModel::canFetchMore(const QModelIndex& parent) const { return !parent.isValid() && !exhausted_; }

void SampleTableModel::fetchMore(const QModelIndex& parent) {
    if (parent.isValid() || path_.empty() || exhausted_ || loading_ || fetching_) return;
    fetching_ = true;
    const int64_t after = rows_.empty() ? 0 : rows_.back().id;
    TaskRunner::instance().run<std::vector<db::SampleRow>>(
        this, kFetch,
        [path = path_, after](const CancelToken&) { return db::ProjectStore::openReadOnly(path).samplesAfter(after, kBatch); },
        [this](TaskResult<std::vector<db::SampleRow>>& r) {
            fetching_ = false;
            if (r.status != TaskStatus::Finished) {
                if (r.status == TaskStatus::Failed) emit loadFailed(r.error);
                return;
            }
            auto& batch = r.value;
            if (batch.size() < size_t(kBatch)) exhausted_ = true;
            if (batch.empty()) return;
            beginInsertRows({}, int(rows_.size()), int(rows_.size() + batch.size()) - 1);
            rows_.insert(rows_.end(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
            endInsertRows();
        });
}

QVariant SampleTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || size_t(index.row()) >= rows_.size()) return {};
    const auto& r = rows_[size_t(index.row())];
    if (role == Qt::DisplayRole) {
        QLocale loc;
        switch (index.column()) {
        case ColId: return qlonglong(r.id);
        case ColDataset: return QString::fromStdString(r.datasetName);
        case ColLine: return qlonglong(r.line);
        case ColExternalId: return QString::fromStdString(r.externalId);
        case ColTurns: return qlonglong(r.turns);
        case ColPromptChars: return loc.toString(qlonglong(r.promptChars));
        case ColResponseChars: return loc.toString(qlonglong(r.responseChars));
        case ColInstruction: return QString::fromStdString(r.preview);
        }
    } else if (role == Qt::TextAlignmentRole) {
        int c = index.column();
        if (c == ColId || c == ColLine || c == ColTurns || c == ColPromptChars || c == ColResponseChars)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::ToolTipRole && index.column() == ColInstruction) {
        return QString::fromStdString(r.preview);
    } else if (role == Qt::UserRole) {
        return qlonglong(r.id);
    }
    return {};
}

QVariant SampleTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole) {
        if (section == ColPromptChars) return tr("Characters before the response (context, instruction, earlier turns)");
        if (section == ColResponseChars) return tr("Characters of the scored response (last assistant turn)");
        if (section == ColInstruction) return tr("The instruction: last paragraph of the final user turn");
        return {};
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
    case ColId: return tr("#");
    case ColDataset: return tr("Dataset");
    case ColLine: return tr("Line");
    case ColExternalId: return tr("ID");
    case ColTurns: return tr("Turns");
    case ColPromptChars: return tr("Input");
    case ColResponseChars: return tr("Response");
    case ColInstruction: return tr("Instruction");
    }
    return {};
}

}  // namespace gateau::ui
