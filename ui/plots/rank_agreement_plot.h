#pragma once
// Do two scorings agree on which samples are best? Rank under A against rank under B.

#include "ui/plots/scatter_points.h"

#include <QString>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <vector>

class QCustomPlot;
class QCPItemStraightLine;

namespace gateau::ui {

class ScatterCanvas;

// Everything the plot shows, computed off the GUI thread (two sorts of n values).
struct RankAgreementData {
    std::vector<int64_t> ids;
    std::vector<double> a, b;
    QString aName, bName;
    double topFraction = 0;
    std::vector<int64_t> ranksA, ranksB;
    double spearman = 0, topOverlap = 0;
    size_t topK = 0, both = 0;
    ScatterPoints drawn;
};
// Pure: safe on any thread. Arguments as RankAgreementPlot::setScores.
RankAgreementData prepareRankAgreement(std::vector<int64_t> ids, std::vector<double> a, QString aName,
                                       std::vector<double> b, QString bName, double topFraction,
                                       QSize plotArea = {});  // see prepareScatter

// Rank 1 = highest score (ties by ascending id; see ranksDescending), drawn at the origin, so
// the shared top-k is the lower-left square marked by dashed lines at rank k. Points are
// coloured by membership of the top fraction under both / only A / only B / neither; the
// title shows Spearman's rho and the top-k overlap |topA ∩ topB| / k.
// Mouse handling as in ScoreScatter (drag brushes, Ctrl+drag pans, wheel zooms, ...).
class RankAgreementPlot : public QWidget {
    Q_OBJECT
public:
    explicit RankAgreementPlot(QWidget* parent = nullptr);

    // a and b are parallel to ids. k = ceil(topFraction * n) (see topCount). Mismatched sizes
    // clear the plot.
    void setScores(std::vector<int64_t> ids, std::vector<double> a, QString aName, std::vector<double> b,
                   QString bName, double topFraction);
    void setPrepared(RankAgreementData data);

    double spearman() const { return d_.spearman; }      // NaN with fewer than 2 samples
    double topOverlap() const { return d_.topOverlap; }  // NaN when k == 0
    size_t topK() const { return d_.topK; }
    const std::vector<int64_t>& ranksA() const { return d_.ranksA; }
    const std::vector<int64_t>& ranksB() const { return d_.ranksB; }
    QString titleText() const;

    // Rings these samples; does not emit brushed().
    void setHighlighted(QVector<qint64> ids);
    QVector<qint64> highlighted() const;

    QCustomPlot* customPlot() const;
    QSize plotArea() const;
    void resetView();

    QSize minimumSizeHint() const override { return {320, 260}; }
    QSize sizeHint() const override { return {700, 450}; }

signals:
    void brushed(QVector<qint64> sampleIds);

private:
    ScatterCanvas* canvas_;
    QCPItemStraightLine* cutX_;
    QCPItemStraightLine* cutY_;
    RankAgreementData d_;  // what is shown
};

}  // namespace gateau::ui
