#include "core/scoring/score_agreement.h"

#include "core/scoring/spearman.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace gateau::scoring {
namespace {

std::vector<double> oriented(const ScoreColumn& c) {
    std::vector<double> v = c.values;
    if (!c.higherIsSelected)
        for (double& x : v) x = -x;
    return v;
}

bool sameText(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

std::vector<int64_t> selectionRanks(const std::vector<int64_t>& ids, const ScoreColumn& column) {
    if (ids.size() != column.values.size())
        throw std::invalid_argument("selectionRanks: " + column.key + " has " + std::to_string(column.values.size()) +
                                    " values for " + std::to_string(ids.size()) + " samples");
    const std::vector<double> v = oriented(column);
    std::vector<size_t> order(ids.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t l, size_t r) {
        const bool ln = std::isnan(v[l]), rn = std::isnan(v[r]);
        if (ln != rn) return rn;
        if (!ln && v[l] != v[r]) return v[l] > v[r];
        return ids[l] < ids[r];
    });
    std::vector<int64_t> ranks(ids.size());
    for (size_t pos = 0; pos < order.size(); ++pos) ranks[order[pos]] = int64_t(pos + 1);
    return ranks;
}

AgreementMatrix agreementMatrix(const std::vector<ScoreColumn>& columns) {
    const size_t k = columns.size();
    std::vector<std::vector<double>> values(k);
    for (size_t c = 0; c < k; ++c) values[c] = oriented(columns[c]);
    AgreementMatrix m;
    m.spearman.assign(k, std::vector<double>(k));
    m.kendall.assign(k, std::vector<double>(k));
    for (size_t a = 0; a < k; ++a)
        for (size_t b = a; b < k; ++b) {
            m.spearman[a][b] = m.spearman[b][a] = spearman(values[a], values[b]);
            m.kendall[a][b] = m.kendall[b][a] = kendallTauB(values[a], values[b]);
        }
    return m;
}

std::vector<RankDisagreement> mostDisagreeing(const std::vector<int64_t>& ids, const ScoreColumn& a,
                                              const ScoreColumn& b, size_t top) {
    const std::vector<int64_t> ra = selectionRanks(ids, a), rb = selectionRanks(ids, b);
    std::vector<RankDisagreement> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) out[i] = {i, ra[i], rb[i]};
    const auto before = [&](const RankDisagreement& l, const RankDisagreement& r) {
        return l.difference() != r.difference() ? l.difference() > r.difference() : ids[l.index] < ids[r.index];
    };
    top = std::min(top, out.size());
    std::partial_sort(out.begin(), out.begin() + std::ptrdiff_t(top), out.end(), before);
    out.resize(top);
    return out;
}

int findScoreColumn(const std::vector<ScoreColumn>& columns, const std::string& name) {
    for (size_t c = 0; c < columns.size(); ++c)
        if (sameText(columns[c].key, name) || sameText(columns[c].displayName, name)) return int(c);
    return -1;
}

}  // namespace gateau::scoring
