#include "ui/plots/plots_panel.h"

#include "ui/glossary.h"
#include "ui/plots/rank_agreement_plot.h"
#include "ui/plots/score_histogram.h"
#include "ui/plots/score_scatter.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace gateau::ui {
namespace {

QComboBox* makeCombo(QWidget* parent) {
    auto* combo = new QComboBox(parent);
    combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    combo->setMinimumContentsLength(8);
    return combo;
}

// A tab page: a thin row of "label: combo" pairs above the plot.
QWidget* makePage(QWidget* plot, std::initializer_list<std::pair<const char*, QComboBox*>> controls) {
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(2);
    auto* row = new QHBoxLayout;
    row->setSpacing(6);
    for (const auto& [text, combo] : controls) {
        auto* label = new QLabel(QString::fromUtf8(text), page);
        label->setBuddy(combo);
        row->addWidget(label);
        row->addWidget(combo);
        row->addSpacing(8);
    }
    row->addStretch(1);
    layout->addLayout(row);
    layout->addWidget(plot, 1);
    return page;
}

bool validColumn(int c, const QStringList& names) { return c >= 0 && c < names.size(); }

}  // namespace

PlotsPanel::PlotsPanel(QWidget* parent)
    : QWidget(parent),
      tabs_(new QTabWidget(this)),
      histogram_(new ScoreHistogram),
      scatter_(new ScoreScatter),
      rank_(new RankAgreementPlot),
      histColumn_(makeCombo(this)),
      scatterX_(makeCombo(this)),
      scatterY_(makeCombo(this)),
      rankA_(makeCombo(this)),
      rankB_(makeCombo(this)),
      threshold_(std::numeric_limits<double>::quiet_NaN()) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tabs_);
    tabs_->setDocumentMode(true);
    tabs_->addTab(makePage(histogram_, {{"&Score:", histColumn_}}), QStringLiteral("Histogram"));
    tabs_->addTab(makePage(scatter_, {{"&x:", scatterX_}, {"&y:", scatterY_}}), QStringLiteral("Scatter"));
    tabs_->addTab(makePage(rank_, {{"Rank &A:", rankA_}, {"Rank &B:", rankB_}}), QStringLiteral("Rank agreement"));

    const auto onChange = [this](void (PlotsPanel::*update)()) {
        return [this, update](int) {
            if (!updatingCombos_) (this->*update)();
        };
    };
    connect(histColumn_, qOverload<int>(&QComboBox::currentIndexChanged), this, onChange(&PlotsPanel::updateHistogram));
    connect(scatterX_, qOverload<int>(&QComboBox::currentIndexChanged), this, onChange(&PlotsPanel::updateScatter));
    connect(scatterY_, qOverload<int>(&QComboBox::currentIndexChanged), this, onChange(&PlotsPanel::updateScatter));
    connect(rankA_, qOverload<int>(&QComboBox::currentIndexChanged), this, onChange(&PlotsPanel::updateRank));
    connect(rankB_, qOverload<int>(&QComboBox::currentIndexChanged), this, onChange(&PlotsPanel::updateRank));
    connect(scatter_, &ScoreScatter::brushed, this, &PlotsPanel::onBrushed);
    connect(rank_, &RankAgreementPlot::brushed, this, &PlotsPanel::onBrushed);
}

void PlotsPanel::setScoreTable(std::vector<int64_t> ids, QStringList names, std::vector<std::vector<double>> columns,
                               std::vector<PlotDecision> decisions) {
    ids_ = std::move(ids);
    names_ = std::move(names);
    columns_ = std::move(columns);
    decisions_ = std::move(decisions);
    // Short or missing columns would index out of bounds; pad them with NaN (not plotted).
    columns_.resize(static_cast<size_t>(names_.size()));
    for (auto& col : columns_) col.resize(ids_.size(), std::numeric_limits<double>::quiet_NaN());
    decisions_.resize(ids_.size(), PlotDecision::AutoRejected);
    rowOfId_.clear();
    for (size_t i = 0; i < ids_.size(); ++i) rowOfId_[ids_[i]] = i;
    rankingColumn_ = findColumn({"combined", "gateau"}, 0);
    refillCombos();
    updateHistogram();
    updateScatter();
    updateRank();
}

int PlotsPanel::findColumn(std::initializer_list<const char*> needles, int fallback) const {
    for (const char* needle : needles) {
        for (int c = 0; c < names_.size(); ++c) {
            if (names_[c].compare(QLatin1String(needle), Qt::CaseInsensitive) == 0) return c;
        }
    }
    for (const char* needle : needles) {
        for (int c = 0; c < names_.size(); ++c) {
            if (names_[c].contains(QLatin1String(needle), Qt::CaseInsensitive)) return c;
        }
    }
    return names_.isEmpty() ? -1 : std::min<int>(fallback, static_cast<int>(names_.size()) - 1);
}

void PlotsPanel::refillCombos() {
    updatingCombos_ = true;
    for (QComboBox* combo : {histColumn_, scatterX_, scatterY_, rankA_, rankB_}) {
        combo->clear();
        combo->addItems(names_);
        for (int i = 0; i < names_.size(); ++i) combo->setItemData(i, glossary::explain(names_[i]), Qt::ToolTipRole);
    }
    const int hmg = findColumn({"hmg"}, 0);
    const int cam = findColumn({"cam"}, hmg == 1 ? 0 : 1);
    histColumn_->setCurrentIndex(rankingColumn_);
    scatterX_->setCurrentIndex(hmg);
    scatterY_->setCurrentIndex(cam);
    rankA_->setCurrentIndex(rankingColumn_);
    rankB_->setCurrentIndex(findColumn({"ifd"}, rankingColumn_ == 1 ? 0 : 1));
    updatingCombos_ = false;
}

void PlotsPanel::setThreshold(double value) {
    threshold_ = value;
    if (validColumn(rankingColumn_, names_) && std::isfinite(value)) {
        size_t total = 0;
        size_t above = 0;
        for (double v : columns_[static_cast<size_t>(rankingColumn_)]) {
            if (std::isnan(v)) continue;
            ++total;
            if (v >= value) ++above;
        }
        if (total) topFraction_ = static_cast<double>(above) / static_cast<double>(total);
    }
    updateHistogram();
    updateRank();
}

void PlotsPanel::setTopFraction(double fraction) {
    topFraction_ = fraction;
    updateRank();
}

void PlotsPanel::setSelection(QVector<qint64> ids) {
    selection_ = std::move(ids);
    scatter_->setHighlighted(selection_);
    rank_->setHighlighted(selection_);
    histogram_->setHighlightedValues(selectedValues(histColumn_->currentIndex()));
}

void PlotsPanel::setHistogramColumn(int column) {
    if (validColumn(column, names_)) histColumn_->setCurrentIndex(column);
}

void PlotsPanel::setScatterColumns(int xColumn, int yColumn) {
    if (!validColumn(xColumn, names_) || !validColumn(yColumn, names_)) return;
    updatingCombos_ = true;
    scatterX_->setCurrentIndex(xColumn);
    scatterY_->setCurrentIndex(yColumn);
    updatingCombos_ = false;
    updateScatter();
}

void PlotsPanel::setRankColumns(int aColumn, int bColumn) {
    if (!validColumn(aColumn, names_) || !validColumn(bColumn, names_)) return;
    updatingCombos_ = true;
    rankA_->setCurrentIndex(aColumn);
    rankB_->setCurrentIndex(bColumn);
    updatingCombos_ = false;
    updateRank();
}

void PlotsPanel::updateHistogram() {
    const int c = histColumn_->currentIndex();
    if (!validColumn(c, names_)) {
        histogram_->setScores({}, QString());
        return;
    }
    histogram_->setScores(columns_[static_cast<size_t>(c)], names_[c]);
    // The cut is a value of the ranking score; on any other score it would mean nothing.
    if (c == rankingColumn_ && std::isfinite(threshold_)) {
        std::vector<bool> selected(decisions_.size());
        for (size_t i = 0; i < decisions_.size(); ++i) selected[i] = isSelected(decisions_[i]);
        histogram_->setThreshold(threshold_, std::move(selected));
    } else {
        histogram_->clearThreshold();
    }
    histogram_->setHighlightedValues(selectedValues(c));
}

void PlotsPanel::updateScatter() {
    const int x = scatterX_->currentIndex();
    const int y = scatterY_->currentIndex();
    if (!validColumn(x, names_) || !validColumn(y, names_)) {
        scatter_->setPoints({}, QString(), QString());
        return;
    }
    const auto& xs = columns_[static_cast<size_t>(x)];
    const auto& ys = columns_[static_cast<size_t>(y)];
    std::vector<PlotPoint> points;
    points.reserve(ids_.size());
    for (size_t i = 0; i < ids_.size(); ++i) points.push_back({ids_[i], xs[i], ys[i], decisions_[i]});
    scatter_->setPoints(std::move(points), names_[x], names_[y]);
    scatter_->setHighlighted(selection_);
}

void PlotsPanel::updateRank() {
    const int a = rankA_->currentIndex();
    const int b = rankB_->currentIndex();
    if (!validColumn(a, names_) || !validColumn(b, names_)) {
        rank_->setScores({}, {}, QString(), {}, QString(), topFraction_);
        return;
    }
    rank_->setScores(ids_, columns_[static_cast<size_t>(a)], names_[a], columns_[static_cast<size_t>(b)], names_[b],
                     topFraction_);
    rank_->setHighlighted(selection_);
}

std::vector<double> PlotsPanel::selectedValues(int column) const {
    std::vector<double> values;
    if (!validColumn(column, names_)) return values;
    const auto& col = columns_[static_cast<size_t>(column)];
    for (qint64 id : selection_) {
        const auto it = rowOfId_.find(id);
        if (it != rowOfId_.end()) values.push_back(col[it->second]);
    }
    return values;
}

void PlotsPanel::onBrushed(const QVector<qint64>& ids) {
    setSelection(ids);
    emit brushed(ids);
}

}  // namespace gateau::ui
