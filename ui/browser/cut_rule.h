#pragma once
// The cut rules a user picks from (the browser's "Select" control and the export dialog's
// "Rule"): one table, so both list the same modes in the same order, a combo index maps to
// a Selection the same way everywhere, and adding a mode is adding a row here.
#include "core/scoring/formulas.h"

#include <QString>

#include <cstdint>

class QComboBox;
class QDoubleSpinBox;

namespace gateau::ui::cut_rule {

struct Mode {
    scoring::Selection::Mode mode;
    const char* shortLabel;  // the browser's compact combo
    const char* longLabel;   // the export dialog
    const char* toolTip;     // empty: none
    const char* suffix;
    int decimals;
    double minimum, maximum, step;
    scoring::Selection (*make)(double value);
    double (*valueOf)(const scoring::Selection& selection);
    // Where a switch to this mode starts, from the current cut (samples) and its tokens.
    double (*start)(int64_t cut, int64_t tokensInCut);
};

int count();
const Mode& mode(int index);
int indexOf(scoring::Selection::Mode mode);

// The Selection for combo index `index` and spin box value `value`.
scoring::Selection selection(int index, double value);
// The spin box value that shows `selection`.
double valueOf(const scoring::Selection& selection);

// Fills a combo with the modes' labels (short or long) and their tooltips.
void fillCombo(QComboBox* combo, bool longLabels);
// Sets decimals, range and suffix of the value box for mode `index` (signals blocked).
void configureValue(QDoubleSpinBox* value, int index);

// A starting value when the user switches to mode `index`, from the current cut (count of
// samples) and the pool's tokens, so the new rule selects about what the old one did.
double defaultValue(int index, int64_t cut, int64_t tokensInCut);

}  // namespace gateau::ui::cut_rule
