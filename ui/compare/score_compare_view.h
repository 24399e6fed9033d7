#pragma once
// Where the scorers disagree, in the plots dock: the rank-correlation matrix of every score
// of the run (Spearman or Kendall tau-b, a coloured table), and for a chosen pair the
// samples whose ranks differ most. Clicking a cell picks the pair; clicking a listed sample
// emits brushed({id}), exactly what brushing a point in the scatter emits.
// The scores come as a generic list (db::scoreColumns); nothing here names one.
#include "core/scoring/score_agreement.h"

#include <QVector>
#include <QWidget>

#include <memory>
#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QSpinBox;
class QSplitter;
class QTableWidget;

namespace gateau::ui {

class ScoreCompareView : public QWidget {
    Q_OBJECT
public:
    explicit ScoreCompareView(QWidget* parent = nullptr);

    // columns[c].values and externalIds are parallel to ids. The matrix and the list are
    // computed on the task runner (100k samples take about a second), and only while the
    // view is shown: a hidden view just remembers that it is out of date.
    void setScores(std::vector<int64_t> ids, std::vector<std::string> externalIds,
                   std::vector<scoring::ScoreColumn> columns);
    // Column indices; out of range is ignored.
    void setPair(int a, int b);
    // 0 = Spearman, 1 = Kendall tau-b.
    void setStatistic(int statistic);

    QTableWidget* matrixTable() const { return matrix_; }
    QTableWidget* disagreementTable() const { return list_; }
    QComboBox* scoreA() const { return scoreA_; }
    QComboBox* scoreB() const { return scoreB_; }
    bool computing() const;  // a matrix or list is being computed

    QSize minimumSizeHint() const override { return {320, 180}; }

signals:
    void brushed(QVector<qint64> sampleIds);

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    struct Data;
    void refresh();
    void computeMatrix();
    void computeList();
    void fillMatrix();
    void onListClicked(int row);
    void fitSplit();

    QComboBox* statistic_;
    QComboBox* scoreA_;
    QComboBox* scoreB_;
    QSpinBox* top_;
    QLabel* pairLabel_;
    QTableWidget* matrix_;
    QTableWidget* list_;
    QSplitter* split_;
    bool userSplit_ = false;
    std::shared_ptr<const Data> data_;
    std::shared_ptr<const scoring::AgreementMatrix> agreement_;
    bool matrixStale_ = false, listStale_ = false;
    bool updating_ = false;
};

}  // namespace gateau::ui
