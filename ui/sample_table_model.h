#pragma once
// The sample table over the project store: rows arrive in batches as the view scrolls
// (canFetchMore/fetchMore), so 100k samples open instantly and scroll smoothly.
#include "db/project_store.h"

#include <QAbstractTableModel>

#include <vector>

namespace gateau::ui {

class SampleTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { ColId, ColDataset, ColLine, ColExternalId, ColTurns, ColPromptChars, ColResponseChars, ColInstruction, ColumnCount };
    static constexpr int kBatch = 2000;

    explicit SampleTableModel(QObject* parent = nullptr);

    // The store outlives the model's use of it; nullptr clears the table.
    void setStore(db::ProjectStore* store);
    void reload();
    int64_t totalSamples() const { return total_; }
    int64_t sampleIdAt(int row) const;
    int rowOfSample(int64_t sampleId);  // fetches batches until found; -1 if absent

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

private:
    db::ProjectStore* store_ = nullptr;
    std::vector<db::SampleRow> rows_;
    int64_t total_ = 0;
    bool exhausted_ = true;
};

}  // namespace gateau::ui
