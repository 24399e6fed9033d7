#pragma once
// The scored samples of a run as table rows in the session's order (RankedView: sorted with
// the re-rank, off the GUI thread); RankedFilterProxy only filters and hands header clicks to
// the session. A re-rank is a layout change, so the selection and current row survive it.
#include <QAbstractTableModel>
#include <QString>

#include <vector>

namespace gateau::db {
struct Annotations;
struct RankInput;
}

namespace gateau::ui {

class RankingSession;

// "label, label, #tag, ⟦evidence⟧": the Labels column.
QString labelsText(const db::Annotations& a);
// The Decision column's sort text: "auto", "keep", "disputed", "drop (adj.)".
QString decisionSortText(const db::RankInput& s);
// The Near dup column's order: copies by similarity, then originals that have copies, then the rest.
double nearDuplicateSortKey(const db::RankInput& s);

class RankedTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ColRank, ColSelected, ColScore, ColHmg, ColCam, ColPplA, ColPplB, ColIfd, ColCas,
        ColContextTokens, ColResponseTokens, ColDecision, ColNote, ColLabels, ColDataset, ColExternalId, ColNearDuplicate, ColumnCount
    };
    // Columns from ColumnCount on are the registered plug-in scores (db::pluginScoreDefs():
    // every score without a column above, e.g. the key-token share), in registry order.
    static int pluginColumnCount();
    // Whether the loaded pool has plug-in column k's values (an opt-in scorer the run left
    // off has none: its column is hidden).
    bool pluginColumnHasValues(int k) const { return k >= 0 && size_t(k) < plugin_.size() && !plugin_[size_t(k)].empty(); }
    static constexpr int SortRole = Qt::UserRole;       // raw number (or text) for sorting
    static constexpr int SampleIdRole = Qt::UserRole + 1;

    explicit RankedTableModel(RankingSession* session, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

    qint64 sampleIdAt(int row) const;
    int rowOf(qint64 sampleId) const;

private:
    RankingSession* session_;
    QList<qint64> oldIds_;  // persistent indexes' samples across a re-order
    QList<int> oldColumns_;
    std::vector<std::vector<double>> plugin_;  // [plugin column][input index], per loaded pool
};

}  // namespace gateau::ui
