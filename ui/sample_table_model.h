#pragma once
// The sample table over the project store: rows arrive in batches as the view scrolls
// (canFetchMore/fetchMore), so 100k samples open instantly and scroll smoothly. Every read
// runs on the TaskRunner (lanes "reload" and "fetch", each on its own read-only connection),
// never on the GUI thread: reload() and fetchMore() return at once and the rows follow.
#include "db/project_store.h"

#include <QAbstractTableModel>

#include <string>
#include <vector>

namespace gateau::ui {

class SampleTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { ColId, ColDataset, ColLine, ColExternalId, ColTurns, ColPromptChars, ColResponseChars, ColInstruction, ColumnCount };
    static constexpr int kBatch = 2000;

    explicit SampleTableModel(QObject* parent = nullptr);

    // The project file to list (empty: none, the table is cleared at once); reloads.
    void setProject(const std::string& path);
    void reload();  // the count and the first batch; loaded() when they are shown
    int64_t totalSamples() const { return total_; }
    int64_t sampleIdAt(int row) const;
    bool loading() const { return loading_ || fetching_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

signals:
    void loaded();      // after a reload's first batch is shown
    void loadFailed(const QString& error);

private:
    std::string path_;
    std::vector<db::SampleRow> rows_;
    int64_t total_ = 0;
    bool exhausted_ = true;
    bool loading_ = false, fetching_ = false;
};

}  // namespace gateau::ui
