#include "ui/plots/rank_agreement_plot.h"

#include "ui/plots/plot_style.h"
#include "ui/plots/rank_stats.h"
#include "ui/plots/scatter_canvas.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace gateau::ui {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
enum Category { kNeither = 0, kOnlyA = 1, kOnlyB = 2, kBoth = 3 };

QString percentText(double fraction) { return QString::number(100.0 * fraction, 'g', 3) + QLatin1Char('%'); }

}  // namespace

RankAgreementPlot::RankAgreementPlot(QWidget* parent)
    : QWidget(parent), canvas_(new ScatterCanvas(this)), spearman_(kNaN), topOverlap_(kNaN) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(canvas_);

    QCustomPlot* plot = canvas_->customPlot();
    auto makeCut = [plot] {
        auto* line = new QCPItemStraightLine(plot);
        line->setPen(QPen(QColor(0x40, 0x40, 0x40), 1, Qt::DashLine));
        line->setVisible(false);
        return line;
    };
    cutX_ = makeCut();
    cutY_ = makeCut();
    canvas_->setTitle(QStringLiteral("Rank agreement"));
    canvas_->setToolTipText([this](size_t i) {
        return QStringLiteral("Sample %1\n%2: rank %3 (%4)\n%5: rank %6 (%7)")
            .arg(ids_[i])
            .arg(aName_)
            .arg(ranksA_[i])
            .arg(a_[i], 0, 'g', 5)
            .arg(bName_)
            .arg(ranksB_[i])
            .arg(b_[i], 0, 'g', 5);
    });
    connect(canvas_, &ScatterCanvas::brushed, this, &RankAgreementPlot::brushed);
}

void RankAgreementPlot::setScores(std::vector<int64_t> ids, std::vector<double> a, QString aName,
                                  std::vector<double> b, QString bName, double topFraction) {
    if (a.size() != ids.size() || b.size() != ids.size()) {
        qWarning("RankAgreementPlot: %zu ids but %zu and %zu scores; nothing plotted", ids.size(), a.size(),
                 b.size());
        ids.clear();
        a.clear();
        b.clear();
    }
    ids_ = std::move(ids);
    a_ = std::move(a);
    b_ = std::move(b);
    aName_ = std::move(aName);
    bName_ = std::move(bName);
    ranksA_ = ranksDescending(ids_, a_);
    ranksB_ = ranksDescending(ids_, b_);
    const size_t n = ids_.size();
    topK_ = topCount(n, topFraction);
    spearman_ = spearmanRho(ranksA_, ranksB_);

    const auto k = static_cast<int64_t>(topK_);
    std::vector<ScatterItem> items;
    items.reserve(n);
    size_t both = 0;
    for (size_t i = 0; i < n; ++i) {
        const bool inA = ranksA_[i] <= k;
        const bool inB = ranksB_[i] <= k;
        const int cat = inA && inB ? kBoth : inA ? kOnlyA : inB ? kOnlyB : kNeither;
        if (cat == kBoth) ++both;
        items.push_back({ids_[i], static_cast<double>(ranksA_[i]), static_cast<double>(ranksB_[i]), cat});
    }
    topOverlap_ = topK_ ? static_cast<double>(both) / static_cast<double>(topK_) : kNaN;

    QColor neither = plotstyle::kGrey;
    neither.setAlpha(140);
    const QString top = QStringLiteral("top ") + percentText(topFraction);
    canvas_->setSeries({{QStringLiteral("Neither"), neither, 4.5},
                        {QStringLiteral("%1 only").arg(aName_), plotstyle::kOrange, 5},
                        {QStringLiteral("%1 only").arg(bName_), plotstyle::kPurple, 5},
                        {QStringLiteral("Both (%1)").arg(top), plotstyle::kBlue, 5}});
    canvas_->setItems(std::move(items), QStringLiteral("Rank by %1").arg(aName_),
                      QStringLiteral("Rank by %1").arg(bName_));

    // Between rank k and k+1, so the line never sits on top of a point.
    const double cut = static_cast<double>(topK_) + 0.5;
    const bool showCut = topK_ > 0 && topK_ < n;
    cutX_->setVisible(showCut);
    cutY_->setVisible(showCut);
    cutX_->point1->setCoords(cut, 0);
    cutX_->point2->setCoords(cut, 1);
    cutY_->point1->setCoords(0, cut);
    cutY_->point2->setCoords(1, cut);

    const QString rho = std::isnan(spearman_) ? QStringLiteral("\u2013") : QString::number(spearman_, 'f', 3);
    const QString overlap = std::isnan(topOverlap_)
                                ? QStringLiteral("\u2013")
                                : QStringLiteral("%1 (%2 of %3)").arg(percentText(topOverlap_)).arg(both).arg(topK_);
    canvas_->setTitle(QStringLiteral("%1 vs %2:  Spearman \u03C1 = %3").arg(aName_, bName_, rho) + kTitleSeparator +
                      QStringLiteral("%1 overlap = %2").arg(top, overlap));
}

QString RankAgreementPlot::titleText() const { return canvas_->title(); }
void RankAgreementPlot::setHighlighted(QVector<qint64> ids) { canvas_->setHighlighted(ids); }
QVector<qint64> RankAgreementPlot::highlighted() const { return canvas_->highlighted(); }
QCustomPlot* RankAgreementPlot::customPlot() const { return canvas_->customPlot(); }
void RankAgreementPlot::resetView() { canvas_->resetView(); }

}  // namespace gateau::ui
