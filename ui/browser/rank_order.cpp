#include "ui/browser/rank_order.h"

#include "db/score_columns.h"
#include "ui/browser/ranked_table_model.h"

#include <QString>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace gateau::ui {

namespace {

double numberKey(const db::RankInput& s, const db::RankedRow& r, int column) {
    switch (column) {
        case RankedTableModel::ColRank: return r.rank;
        case RankedTableModel::ColSelected: return r.selected ? 1 : 0;
        case RankedTableModel::ColScore: return r.score;
        case RankedTableModel::ColHmg: return r.hmg;
        case RankedTableModel::ColCam: return r.cam;
        case RankedTableModel::ColPplA: return s.pplA;
        case RankedTableModel::ColPplB: return s.pplB;
        case RankedTableModel::ColIfd: return s.ifd;
        case RankedTableModel::ColCas: return s.cas;
        case RankedTableModel::ColContextTokens: return double(s.contextTokens);
        case RankedTableModel::ColResponseTokens: return double(s.responseTokens);
        case RankedTableModel::ColNearDuplicate: return nearDuplicateSortKey(s);
    }
    return std::nan("");
}

QString textKey(const db::RankInput& s, int column) {
    switch (column) {
        case RankedTableModel::ColDecision: return decisionSortText(s);
        case RankedTableModel::ColNote: return QString::fromStdString(s.note);
        case RankedTableModel::ColLabels: return labelsText(s.annotations);
        case RankedTableModel::ColDataset: return QString::fromStdString(s.datasetName);
        case RankedTableModel::ColExternalId: return QString::fromStdString(s.externalId);
    }
    return {};
}

}  // namespace

void orderView(const db::RankInputs& inputs, RankedView& v, int column, Qt::SortOrder sortOrder) {
    const size_t n = inputs.samples.size();
    v.order.resize(n);
    std::iota(v.order.begin(), v.order.end(), 0);
    // Ties by sample id (inputs are in sample id order, so by input index); descending is the
    // exact reverse of ascending, as QSortFilterProxyModel sorted before.
    const bool desc = sortOrder == Qt::DescendingOrder;
    if (column <= RankedTableModel::ColResponseTokens || column >= RankedTableModel::ColNearDuplicate) {
        std::vector<double> keys(n);
        if (column >= RankedTableModel::ColumnCount) {  // a plug-in score
            auto plugin = db::pluginScoreValues(inputs);
            const size_t index = size_t(column - RankedTableModel::ColumnCount);
            keys = index < plugin.size() ? std::move(plugin[index]) : std::vector<double>{};
            keys.resize(n, std::nan(""));
        } else {
            for (size_t i = 0; i < n; ++i) keys[i] = numberKey(inputs.samples[i], v.ranking.rows[size_t(v.rowOfInput[i])], column);
        }
        auto less = [&](int a, int b) {
            const double x = keys[size_t(a)], y = keys[size_t(b)];
            if (std::isnan(x) != std::isnan(y)) return std::isnan(x);  // missing values first
            if (x != y && !std::isnan(x)) return x < y;
            return a < b;
        };
        std::sort(v.order.begin(), v.order.end(), [&](int a, int b) { return desc ? less(b, a) : less(a, b); });
    } else {
        std::vector<QString> keys(n);
        for (size_t i = 0; i < n; ++i) keys[i] = textKey(inputs.samples[i], column);
        auto less = [&](int a, int b) {
            const int c = QString::compare(keys[size_t(a)], keys[size_t(b)]);
            return c != 0 ? c < 0 : a < b;
        };
        std::sort(v.order.begin(), v.order.end(), [&](int a, int b) { return desc ? less(b, a) : less(a, b); });
    }
    v.rowOfOrder.assign(n, 0);
    for (size_t r = 0; r < n; ++r) v.rowOfOrder[size_t(v.order[r])] = int(r);
}

RankedView rankAndOrder(const db::RankInputs& inputs, double alpha, const scoring::Selection& selection, int column,
                        Qt::SortOrder sortOrder) {
    RankedView v;
    v.ranking = db::rankPool(inputs, alpha, selection);
    v.rowOfInput.assign(inputs.samples.size(), 0);
    for (size_t r = 0; r < v.ranking.rows.size(); ++r) v.rowOfInput[v.ranking.rows[r].input] = int(r);
    orderView(inputs, v, column, sortOrder);
    return v;
}

}  // namespace gateau::ui
