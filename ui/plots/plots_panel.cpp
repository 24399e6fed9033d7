#include "ui/plots/plots_panel.h"

#include "ui/glossary.h"
#include "ui/plots/rank_agreement_plot.h"
#include "ui/plots/score_histogram.h"
#include "ui/plots/score_scatter.h"
#include "ui/tasks/task_runner.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTabWidget>
#include <QTimer>
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

const QString kLanes[] = {QStringLiteral("histogram"), QStringLiteral("scatter"), QStringLiteral("rank")};

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
      refreshTimer_(new QTimer(this)),
      table_(std::make_shared<Table>()),
      threshold_(std::numeric_limits<double>::quiet_NaN()) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tabs_);
    tabs_->setDocumentMode(true);
    pages_[HistogramPlot] = makePage(histogram_, {{"&Score:", histColumn_}});
    pages_[ScatterPlot] = makePage(scatter_, {{"&x:", scatterX_}, {"&y:", scatterY_}});
    pages_[RankPlot] = makePage(rank_, {{"Rank &A:", rankA_}, {"Rank &B:", rankB_}});
    tabs_->addTab(pages_[HistogramPlot], QStringLiteral("Histogram"));
    tabs_->addTab(pages_[ScatterPlot], QStringLiteral("Scatter"));
    tabs_->addTab(pages_[RankPlot], QStringLiteral("Rank agreement"));
    refreshTimer_->setSingleShot(true);
    refreshTimer_->setInterval(0);
    connect(refreshTimer_, &QTimer::timeout, this, &PlotsPanel::refreshShown);
    connect(tabs_, &QTabWidget::currentChanged, this, [this] { refreshTimer_->start(); });

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
    auto t = std::make_shared<Table>();
    t->ids = std::move(ids);
    names_ = std::move(names);
    t->columns = std::move(columns);
    t->decisions = std::move(decisions);
    // Short or missing columns would index out of bounds; pad them with NaN (not plotted).
    t->columns.resize(static_cast<size_t>(names_.size()));
    for (auto& col : t->columns) col.resize(t->ids.size(), std::numeric_limits<double>::quiet_NaN());
    t->decisions.resize(t->ids.size(), PlotDecision::AutoRejected);
    for (size_t i = 0; i < t->ids.size(); ++i) t->rowOfId[t->ids[i]] = i;
    table_ = std::move(t);
    rankingColumn_ = findColumn({"combined", "gateau"}, 0);
    refillCombos();
    for (int p = 0; p < PlotCount; ++p) invalidate(Plot(p));
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
        for (double v : table_->columns[static_cast<size_t>(rankingColumn_)]) {
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
    // Hidden plots take the selection when shown (refreshShown).
    if (shownPlot() >= 0) highlight(Plot(shownPlot()));
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

int PlotsPanel::shownPlot() const {
    for (int p = 0; p < PlotCount; ++p)
        if (tabs_->currentWidget() == pages_[size_t(p)]) return p;
    return -1;
}

bool PlotsPanel::refreshPending() const {
    if (refreshTimer_->isActive()) return true;
    auto* self = const_cast<PlotsPanel*>(this);
    for (const QString& lane : kLanes)
        if (TaskRunner::instance().busy(self, lane)) return true;
    return false;
}

void PlotsPanel::invalidate(Plot plot) {
    stale_[size_t(plot)] = true;
    // A preparation for the old state must not land after this change.
    TaskRunner::instance().drop(this, kLanes[plot]);
    if (plot == shownPlot()) refreshTimer_->start();
}

void PlotsPanel::refreshShown() {
    const int p = shownPlot();
    if (p < 0) return;
    if (stale_[size_t(p)]) return prepare(Plot(p));
    highlight(Plot(p));  // the selection may have changed while the tab was hidden
}

void PlotsPanel::highlight(Plot plot) {
    switch (plot) {
    case HistogramPlot: return histogram_->setHighlightedValues(selectedValues(histColumn_->currentIndex()));
    case ScatterPlot: return scatter_->setHighlighted(selection_);
    case RankPlot: return rank_->setHighlighted(selection_);
    case PlotCount: break;
    }
}

void PlotsPanel::prepare(Plot plot) {
    stale_[size_t(plot)] = false;
    auto& runner = TaskRunner::instance();
    const std::shared_ptr<const Table> t = table_;
    // Each done() swaps the ready data in; only the lane's newest task reports, and every
    // change drops the lane (invalidate), so an older preparation never lands.
    const auto landed = [this](Plot p) {
        ++refreshCount_[size_t(p)];
        highlight(p);
    };
    switch (plot) {
    case HistogramPlot: {
        const int c = histColumn_->currentIndex();
        if (!validColumn(c, names_)) {
            histogram_->setPrepared(prepareHistogram({}, std::numeric_limits<double>::quiet_NaN()), QString());
            return landed(plot);
        }
        // The cut is a value of the ranking score; on any other score it would mean nothing.
        const double cut = c == rankingColumn_ ? threshold_ : std::numeric_limits<double>::quiet_NaN();
        runner.run<HistogramData>(
            this, kLanes[plot],
            [t, c, cut](const CancelToken&) {
                std::vector<bool> selected;
                if (std::isfinite(cut)) {
                    selected.resize(t->decisions.size());
                    for (size_t i = 0; i < t->decisions.size(); ++i) selected[i] = isSelected(t->decisions[i]);
                }
                return prepareHistogram(t->columns[size_t(c)], cut, std::move(selected));
            },
            [this, name = names_[c], landed, plot](TaskResult<HistogramData>& r) {
                if (r.status != TaskStatus::Finished) return;
                histogram_->setPrepared(std::move(r.value), name);
                landed(plot);
            },
            LaneMode::Serial);
        return;
    }
    case ScatterPlot: {
        const int x = scatterX_->currentIndex();
        const int y = scatterY_->currentIndex();
        if (!validColumn(x, names_) || !validColumn(y, names_)) {
            scatter_->setPoints({}, QString(), QString());
            return landed(plot);
        }
        runner.run<ScoreScatterData>(
            this, kLanes[plot],
            [t, x, y, area = scatter_->plotArea()](const CancelToken&) {
                const auto& xs = t->columns[size_t(x)];
                const auto& ys = t->columns[size_t(y)];
                std::vector<PlotPoint> points;
                points.reserve(t->ids.size());
                for (size_t i = 0; i < t->ids.size(); ++i) points.push_back({t->ids[i], xs[i], ys[i], t->decisions[i]});
                return prepareScoreScatter(std::move(points), area);
            },
            [this, xName = names_[x], yName = names_[y], landed, plot](TaskResult<ScoreScatterData>& r) {
                if (r.status != TaskStatus::Finished) return;
                scatter_->setPrepared(std::move(r.value), xName, yName);
                landed(plot);
            },
            LaneMode::Serial);
        return;
    }
    case RankPlot: {
        const int a = rankA_->currentIndex();
        const int b = rankB_->currentIndex();
        if (!validColumn(a, names_) || !validColumn(b, names_)) {
            rank_->setScores({}, {}, QString(), {}, QString(), topFraction_);
            return landed(plot);
        }
        runner.run<RankAgreementData>(
            this, kLanes[plot],
            [t, a, b, aName = names_[a], bName = names_[b], top = topFraction_,
             area = rank_->plotArea()](const CancelToken&) {
                return prepareRankAgreement(t->ids, t->columns[size_t(a)], aName, t->columns[size_t(b)], bName, top,
                                            area);
            },
            [this, landed, plot](TaskResult<RankAgreementData>& r) {
                if (r.status != TaskStatus::Finished) return;
                rank_->setPrepared(std::move(r.value));
                landed(plot);
            },
            LaneMode::Serial);
        return;
    }
    case PlotCount: break;
    }
}

std::vector<double> PlotsPanel::selectedValues(int column) const {
    std::vector<double> values;
    if (!validColumn(column, names_)) return values;
    const auto& col = table_->columns[static_cast<size_t>(column)];
    for (qint64 id : selection_) {
        const auto it = table_->rowOfId.find(id);
        if (it != table_->rowOfId.end()) values.push_back(col[it->second]);
    }
    return values;
}

void PlotsPanel::onBrushed(const QVector<qint64>& ids) {
    setSelection(ids);
    emit brushed(ids);
}

}  // namespace gateau::ui
