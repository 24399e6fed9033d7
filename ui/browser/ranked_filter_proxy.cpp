#include "ui/browser/ranked_filter_proxy.h"

#include "ui/browser/ranked_table_model.h"
#include "ui/browser/ranking_session.h"

#include <algorithm>
#include <cmath>

namespace gateau::ui {

RankedFilterProxy::RankedFilterProxy(RankingSession* session, QObject* parent)
    : QSortFilterProxyModel(parent), session_(session) {
    setDynamicSortFilter(true);
}

void RankedFilterProxy::setFilter(BrowserFilter f) {
    filter_ = std::move(f);
    // invalidate(), not invalidateFilter(): the latter inserts and removes the changed rows
    // range by range, and a scattered 10% of 100k rows took minutes in the views' headers.
    invalidate();
}

void RankedFilterProxy::sort(int column, Qt::SortOrder order) {
    // QSortFilterProxyModel's own sort stays off (column -1: source order): re-sorting 100k
    // rows here after every re-rank stalled the GUI thread.
    if (column >= 0) session_->setSort(column, order);
}

bool RankedFilterProxy::filterAcceptsRow(int row, const QModelIndex&) const {
    if (!session_->hasRun()) return true;
    const int i = session_->inputAt(row);
    const db::RankInput& s = session_->inputs().samples[size_t(i)];
    const db::RankedRow& r = session_->rankedRow(i);
    const BrowserFilter& f = filter_;
    if (r.score < f.scoreMin || r.score > f.scoreMax) return false;
    if (s.contextTokens < f.contextMin || s.contextTokens > f.contextMax) return false;
    if (f.datasetId && s.datasetId != f.datasetId) return false;
    switch (f.decision) {
        case BrowserFilter::Decision::Any: break;
        case BrowserFilter::Decision::Selected: if (!r.selected) return false; break;
        case BrowserFilter::Decision::NotSelected: if (r.selected) return false; break;
        case BrowserFilter::Decision::Keep: if (s.decision != db::Decision::Keep) return false; break;
        case BrowserFilter::Decision::Drop: if (s.decision != db::Decision::Drop) return false; break;
        case BrowserFilter::Decision::Auto: if (s.decision != db::Decision::None) return false; break;
        case BrowserFilter::Decision::Disputed: if (!s.team.disputed()) return false; break;
        case BrowserFilter::Decision::ToAdjudicate: if (!s.team.disputed() || s.team.isAdjudicated()) return false; break;
    }
    if (f.searchIds && !f.searchIds->count(s.sampleId)) return false;
    if (f.hasNote && s.note.empty()) return false;
    if (f.nearDuplicates && !s.inNearDuplicateGroup()) return false;
    const db::Annotations& a = s.annotations;
    auto has = [&](const std::vector<std::string>& names) {
        return std::find(names.begin(), names.end(), f.markName) != names.end();
    };
    switch (f.mark) {
        case BrowserFilter::Mark::Any: break;
        case BrowserFilter::Mark::Unlabelled: if (!a.labels.empty() || !a.tags.empty()) return false; break;
        case BrowserFilter::Mark::Label: if (!has(a.labels)) return false; break;
        case BrowserFilter::Mark::Tag: if (!has(a.tags)) return false; break;
    }
    return true;
}

}  // namespace gateau::ui
