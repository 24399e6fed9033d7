#pragma once
// The scored samples of a run as table rows, in sample id order; the rank is a column and
// the view sorts through RankedFilterProxy, so re-ranking (alpha, cut, overrides) only
// changes cells and the user's selection and scroll position survive it.
#include <QAbstractTableModel>
#include <QString>

namespace gateau::db {
struct Annotations;
}

namespace gateau::ui {

class RankingSession;

// "label, label, #tag, ⟦evidence⟧": the Labels column.
QString labelsText(const db::Annotations& a);

class RankedTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ColRank, ColSelected, ColScore, ColHmg, ColCam, ColPplA, ColPplB, ColIfd, ColCas,
        ColContextTokens, ColResponseTokens, ColDecision, ColNote, ColLabels, ColDataset, ColExternalId, ColNearDuplicate, ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole;       // raw number (or text) for sorting
    static constexpr int SampleIdRole = Qt::UserRole + 1;

    explicit RankedTableModel(RankingSession* session, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

    // The SortRole value as a plain number (text columns: NaN), without QVariant: the proxy
    // sorts 100k rows on every re-rank.
    double sortNumber(int row, int column) const;
    qint64 sampleIdAt(int row) const;
    // Bumped whenever any sort value may have changed (new pool, new ranking).
    quint64 generation() const { return generation_; }
    int rowOf(qint64 sampleId) const;

private:
    RankingSession* session_;
    quint64 generation_ = 0;
};

}  // namespace gateau::ui
