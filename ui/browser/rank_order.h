#pragma once
// The browser's row order, computed from plain data so it can run on a worker with the
// re-rank: QSortFilterProxyModel re-sorting 100k rows on the GUI thread after every alpha
// step cost ~170 ms (bench_browser), a flat std::sort of keys a few ms off the thread.
#include "db/ranking.h"

#include <Qt>

#include <vector>

namespace gateau::ui {

// A ranked pool and the table's row order over it, swapped in as one piece.
struct RankedView {
    db::Ranking ranking;
    std::vector<int> rowOfInput;  // input index -> ranking.rows index
    std::vector<int> order;       // table row -> input index
    std::vector<int> rowOfOrder;  // input index -> table row
};

// Ranks and orders by `column` (a RankedTableModel column); ties by sample id, like the
// ranking. Pure: safe on any thread while nobody writes `inputs`.
RankedView rankAndOrder(const db::RankInputs& inputs, double alpha, const scoring::Selection& selection, int column,
                        Qt::SortOrder sortOrder);
// Re-orders an existing view (a header click: the ranking is unchanged).
void orderView(const db::RankInputs& inputs, RankedView& view, int column, Qt::SortOrder sortOrder);

}  // namespace gateau::ui
