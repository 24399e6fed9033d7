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
    : QWidget(parent), canvas_(new ScatterCanvas(this)) {
    d_.spearman = d_.topOverlap = kNaN;
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
            .arg(d_.ids[i])
            .arg(d_.aName)
            .arg(d_.ranksA[i])
            .arg(d_.a[i], 0, 'g', 5)
            .arg(d_.bName)
            .arg(d_.ranksB[i])
            .arg(d_.b[i], 0, 'g', 5);
    });
    connect(canvas_, &ScatterCanvas::brushed, this, &RankAgreementPlot::brushed);
}

RankAgreementData prepareRankAgreement(std::vector<int64_t> ids, std::vector<double> a, QString aName,
                                       std::vector<double> b, QString bName, double topFraction,
                                       QSize plotArea) {
    if (a.size() != ids.size() || b.size() != ids.size()) {
        qWarning("RankAgreementPlot: %zu ids but %zu and %zu scores; nothing plotted", ids.size(), a.size(),
                 b.size());
        ids.clear();
        a.clear();
        b.clear();
    }
    RankAgreementData d;
    d.ids = std::move(ids);
    d.a = std::move(a);
    d.b = std::move(b);
    d.aName = std::move(aName);
    d.bName = std::move(bName);
    d.topFraction = topFraction;
    d.ranksA = ranksDescending(d.ids, d.a);
    d.ranksB = ranksDescending(d.ids, d.b);
    const size_t n = d.ids.size();
    d.topK = topCount(n, topFraction);
    d.spearman = spearmanRho(d.ranksA, d.ranksB);

    const auto k = static_cast<int64_t>(d.topK);
    std::vector<ScatterItem> items;
    items.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const bool inA = d.ranksA[i] <= k;
        const bool inB = d.ranksB[i] <= k;
        const int cat = inA && inB ? kBoth : inA ? kOnlyA : inB ? kOnlyB : kNeither;
        if (cat == kBoth) ++d.both;
        items.push_back({d.ids[i], static_cast<double>(d.ranksA[i]), static_cast<double>(d.ranksB[i]), cat});
    }
    d.topOverlap = d.topK ? static_cast<double>(d.both) / static_cast<double>(d.topK) : kNaN;
    d.drawn = prepareScatter(std::move(items), 4, plotArea);
    return d;
}

void RankAgreementPlot::setScores(std::vector<int64_t> ids, std::vector<double> a, QString aName,
                                  std::vector<double> b, QString bName, double topFraction) {
    setPrepared(prepareRankAgreement(std::move(ids), std::move(a), std::move(aName), std::move(b), std::move(bName),
                                     topFraction, canvas_->plotArea()));
}

void RankAgreementPlot::setPrepared(RankAgreementData data) {
    d_ = std::move(data);
    const size_t n = d_.ids.size();
    QColor neither = plotstyle::kGrey;
    neither.setAlpha(140);
    const QString top = QStringLiteral("top ") + percentText(d_.topFraction);
    canvas_->setSeries({{QStringLiteral("Neither"), neither, 4.5},
                        {QStringLiteral("%1 only").arg(d_.aName), plotstyle::kOrange, 5},
                        {QStringLiteral("%1 only").arg(d_.bName), plotstyle::kPurple, 5},
                        {QStringLiteral("Both (%1)").arg(top), plotstyle::kBlue, 5}});
    canvas_->setPoints(std::move(d_.drawn), QStringLiteral("Rank by %1").arg(d_.aName),
                       QStringLiteral("Rank by %1").arg(d_.bName));
    d_.drawn = {};

    // Between rank k and k+1, so the line never sits on top of a point.
    const double cut = static_cast<double>(d_.topK) + 0.5;
    const bool showCut = d_.topK > 0 && d_.topK < n;
    cutX_->setVisible(showCut);
    cutY_->setVisible(showCut);
    cutX_->point1->setCoords(cut, 0);
    cutX_->point2->setCoords(cut, 1);
    cutY_->point1->setCoords(0, cut);
    cutY_->point2->setCoords(1, cut);

    const QString rho = std::isnan(d_.spearman) ? QStringLiteral("\u2013") : QString::number(d_.spearman, 'f', 3);
    const QString overlap = std::isnan(d_.topOverlap) ? QStringLiteral("\u2013")
                                                      : QStringLiteral("%1 (%2 of %3)")
                                                            .arg(percentText(d_.topOverlap))
                                                            .arg(d_.both)
                                                            .arg(d_.topK);
    canvas_->setTitle(QStringLiteral("%1 vs %2:  Spearman \u03C1 = %3").arg(d_.aName, d_.bName, rho) +
                      kTitleSeparator + QStringLiteral("%1 overlap = %2").arg(top, overlap));
}

QString RankAgreementPlot::titleText() const { return canvas_->title(); }
void RankAgreementPlot::setHighlighted(QVector<qint64> ids) { canvas_->setHighlighted(ids); }
QVector<qint64> RankAgreementPlot::highlighted() const { return canvas_->highlighted(); }
QCustomPlot* RankAgreementPlot::customPlot() const { return canvas_->customPlot(); }
QSize RankAgreementPlot::plotArea() const { return canvas_->plotArea(); }
void RankAgreementPlot::resetView() { canvas_->resetView(); }

}  // namespace gateau::ui
