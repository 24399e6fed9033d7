#pragma once
// Where the scorers disagree: rank correlations between every pair of a run's scores and,
// for two of them, the samples whose ranks differ most. Plain vectors, no store: the list of
// scores comes from one place (db/score_columns.h) and everything here treats it generically.
#include <cstdint>
#include <string>
#include <vector>

namespace gateau::scoring {

// One score of every sample of a pool, parallel to the pool's sample ids.
struct ScoreColumn {
    std::string key;          // stable, for scripts: "combined", "hmg", "ppl_b", ...
    std::string displayName;  // as the table and the plots name it: "combined", "HMG", "PPL_B", ...
    std::vector<double> values;
    bool higherIsSelected = true;  // the direction the method (or the baseline) selects in
    std::string description;       // one line, for tooltips (the scorer's own)
};

// Rank 1 = the sample this score would select first (highest value, or lowest when
// !higherIsSelected); ties and NaN (last) broken by ascending id, so ranks are 1..n.
std::vector<int64_t> selectionRanks(const std::vector<int64_t>& ids, const ScoreColumn& column);

// Correlations of the selection orders: each column oriented so that larger = selected
// first, so +1 means two scores would pick in the same order whatever their sign
// conventions (CAS, where low is selected, agrees with CAM at +1). Ties are averaged
// (Spearman) or handled by tau-b (Kendall). Symmetric, 1 on the diagonal (NaN for a
// constant column, which orders nothing).
struct AgreementMatrix {
    std::vector<std::vector<double>> spearman, kendall;  // [a][b], a and b index the columns
};
AgreementMatrix agreementMatrix(const std::vector<ScoreColumn>& columns);

struct RankDisagreement {
    size_t index = 0;  // into ids / the columns' values
    int64_t rankA = 0, rankB = 0;
    int64_t difference() const { return rankA > rankB ? rankA - rankB : rankB - rankA; }
};

// The `top` samples with the largest |rank under a - rank under b| (selectionRanks), largest
// first, ties by ascending sample id. Throws std::invalid_argument on mismatched sizes.
std::vector<RankDisagreement> mostDisagreeing(const std::vector<int64_t>& ids, const ScoreColumn& a,
                                              const ScoreColumn& b, size_t top);

// Index of the column with this key or display name (case-insensitive), -1 when none.
int findScoreColumn(const std::vector<ScoreColumn>& columns, const std::string& name);

}  // namespace gateau::scoring
