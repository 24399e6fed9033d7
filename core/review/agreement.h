#pragma once
// Inter-annotator agreement (docs/review-team.md "Agreement"): raw agreement, Cohen's kappa
// for two annotators and Fleiss' kappa for any number. Pure functions over category
// indices, no store: db/team_review.h gathers the ratings.
#include <cstddef>
#include <vector>

namespace gateau::review {

// Two annotators' categories for the same items, a[i] and b[i] in [0, categories).
struct PairAgreement {
    size_t items = 0;
    double observed = 0;  // raw agreement p_o: the share of items with the same category
    double expected = 0;  // p_e from each annotator's own category shares
    double kappa = 0;     // (p_o - p_e) / (1 - p_e); NaN when p_e == 1 (both always said one category)
};
// Throws std::invalid_argument when the sizes differ or a category is out of range. No
// items: items == 0, every value NaN.
PairAgreement cohenKappa(const std::vector<int>& a, const std::vector<int>& b, int categories);

// counts[i][j]: how many annotators put item i in category j; every item must have the same
// number (>= 2) of ratings (Fleiss 1971).
struct GroupAgreement {
    size_t items = 0, raters = 0;
    double observed = 0;  // P-bar: the mean share of agreeing rater pairs per item
    double expected = 0;  // P_e: sum of squared category shares
    double kappa = 0;     // NaN when P_e == 1, or without items
};
// Throws std::invalid_argument on rows of different totals, fewer than 2 raters, or rows of
// different widths.
GroupAgreement fleissKappa(const std::vector<std::vector<int>>& counts);

}  // namespace gateau::review
