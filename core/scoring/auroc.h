#pragma once
// Area under the ROC curve of a score against binary labels (Mann-Whitney U with ties
// counted half): how well a score separates positives from negatives. 0.5 = chance.
#include <vector>

#include "core/scoring/formulas.h"  // ScoringError

namespace gateau::scoring {

// Throws ScoringError when the lengths differ, a score is NaN, or a class is empty.
double auroc(const std::vector<double>& scores, const std::vector<bool>& positive);

}  // namespace gateau::scoring
