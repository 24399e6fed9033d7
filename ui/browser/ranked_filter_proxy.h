#pragma once
// The browser's filters: score and length ranges, decision, dataset, and the ids a full-text
// search returned. Sorting is the session's (rank_order.h): the source model's rows come in
// the table's order, so sort() hands the column to the session and the proxy keeps that order.
#include <QSortFilterProxyModel>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace gateau::ui {

class RankingSession;

struct BrowserFilter {
    // Disputed: annotators disagree (docs/review-team.md); ToAdjudicate: disputed, no adjudication yet.
    enum class Decision { Any, Selected, NotSelected, Keep, Drop, Auto, Disputed, ToAdjudicate };
    double scoreMin = -INFINITY, scoreMax = INFINITY;
    int64_t contextMin = 0, contextMax = INT64_MAX;
    Decision decision = Decision::Any;
    int64_t datasetId = 0;  // 0: any
    std::optional<std::unordered_set<int64_t>> searchIds;  // none: no search
    bool hasNote = false;  // only samples with a note
    bool nearDuplicates = false;  // only samples in a near-duplicate group (either end of a match)
    // Labels and tags: Any; Unlabelled (no label and no tag); a label or a tag named markName.
    enum class Mark { Any, Unlabelled, Label, Tag };
    Mark mark = Mark::Any;
    std::string markName;
};

class RankedFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    RankedFilterProxy(RankingSession* session, QObject* parent = nullptr);
    void setFilter(BrowserFilter f);
    const BrowserFilter& filter() const { return filter_; }
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    RankingSession* session_;
    BrowserFilter filter_;
};

}  // namespace gateau::ui
