#include "ui/browser/cut_rule.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QSignalBlocker>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace gateau::ui::cut_rule {
namespace {

using M = scoring::Selection::Mode;

// Token budgets reach billions (LongAlign-10k is ~0.2B tokens); 1e12 still fits a double
// exactly and keeps the spin box narrow enough for a 1366 px window.
const Mode kModes[] = {
    {M::TopPercent, QT_TRANSLATE_NOOP("CutRule", "Top %"), QT_TRANSLATE_NOOP("CutRule", "Top k% by combined score"), "",
     " %", 1, 0.1, 100, 1, [](double v) { return scoring::Selection::topPercent(v); },
     [](const scoring::Selection& s) { return s.percent; }, [](int64_t, int64_t) { return 10.0; }},
    {M::TopN, QT_TRANSLATE_NOOP("CutRule", "Top N"), QT_TRANSLATE_NOOP("CutRule", "Top N by combined score"), "", "", 0,
     0, 1e9, 1, [](double v) { return scoring::Selection::topN(int64_t(std::llround(v))); },
     [](const scoring::Selection& s) { return double(s.count); },
     [](int64_t cut, int64_t) { return double(std::max<int64_t>(1, cut)); }},
    {M::TokenBudget, QT_TRANSLATE_NOOP("CutRule", "Tokens"),
     QT_TRANSLATE_NOOP("CutRule", "Top samples within a token budget"),
     QT_TRANSLATE_NOOP("CutRule", "Samples in rank order while their tokens (prompt + response) add up to at most the "
                                  "budget; the walk stops at the first sample that would overflow it. Kept samples "
                                  "always count and are selected; dropped ones never."),
     " tok", 0, 0, 1e12, 1000, [](double v) { return scoring::Selection::tokenBudget(int64_t(std::llround(v))); },
     [](const scoring::Selection& s) { return double(s.budgetTokens); },
     [](int64_t, int64_t tokens) { return double(std::max<int64_t>(1, tokens)); }},
};

QString tr(const char* s) { return QCoreApplication::translate("CutRule", s); }

}  // namespace

int count() { return int(std::size(kModes)); }

const Mode& mode(int index) { return kModes[std::clamp(index, 0, count() - 1)]; }

int indexOf(scoring::Selection::Mode m) {
    for (int i = 0; i < count(); ++i)
        if (kModes[i].mode == m) return i;
    return 0;
}

scoring::Selection selection(int index, double value) { return mode(index).make(value); }

double valueOf(const scoring::Selection& s) { return mode(indexOf(s.mode)).valueOf(s); }

void fillCombo(QComboBox* combo, bool longLabels) {
    const QSignalBlocker block(combo);
    combo->clear();
    for (int i = 0; i < count(); ++i) {
        combo->addItem(tr(longLabels ? kModes[i].longLabel : kModes[i].shortLabel));
        if (*kModes[i].toolTip) combo->setItemData(i, tr(kModes[i].toolTip), Qt::ToolTipRole);
    }
}

void configureValue(QDoubleSpinBox* value, int index) {
    const QSignalBlocker block(value);
    const Mode& m = mode(index);
    value->setDecimals(m.decimals);
    value->setRange(m.minimum, m.maximum);
    value->setSuffix(QString::fromLatin1(m.suffix));
    value->setSingleStep(m.step);
    value->setGroupSeparatorShown(m.step >= 1000);  // budgets are read in thousands
}

double defaultValue(int index, int64_t cut, int64_t tokensInCut) { return mode(index).start(cut, tokensInCut); }

}  // namespace gateau::ui::cut_rule
