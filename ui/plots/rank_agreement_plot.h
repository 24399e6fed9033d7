#pragma once
// Do two scorings agree on which samples are best? Rank under A against rank under B.

#include <QString>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <vector>

class QCustomPlot;
class QCPItemStraightLine;

namespace gateau::ui {

class ScatterCanvas;

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

    double spearman() const { return spearman_; }      // NaN with fewer than 2 samples
    double topOverlap() const { return topOverlap_; }  // NaN when k == 0
    size_t topK() const { return topK_; }
    const std::vector<int64_t>& ranksA() const { return ranksA_; }
    const std::vector<int64_t>& ranksB() const { return ranksB_; }
    QString titleText() const;

    // Rings these samples; does not emit brushed().
    void setHighlighted(QVector<qint64> ids);
    QVector<qint64> highlighted() const;

    QCustomPlot* customPlot() const;
    void resetView();

    QSize minimumSizeHint() const override { return {320, 260}; }
    QSize sizeHint() const override { return {700, 450}; }

signals:
    void brushed(QVector<qint64> sampleIds);

private:
    ScatterCanvas* canvas_;
    QCPItemStraightLine* cutX_;
    QCPItemStraightLine* cutY_;
    std::vector<int64_t> ids_;
    std::vector<double> a_;
    std::vector<double> b_;
    QString aName_;
    QString bName_;
    std::vector<int64_t> ranksA_;
    std::vector<int64_t> ranksB_;
    double spearman_;
    double topOverlap_;
    size_t topK_ = 0;
};

}  // namespace gateau::ui
