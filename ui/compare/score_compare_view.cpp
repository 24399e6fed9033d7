#include "ui/compare/score_compare_view.h"

#include "ui/glossary.h"
#include "ui/heatmap/color_scale.h"
#include "ui/tasks/task_runner.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QScrollBar>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace gateau::ui {

struct ScoreCompareView::Data {
    std::vector<int64_t> ids;
    std::vector<std::string> externalIds;
    std::vector<scoring::ScoreColumn> columns;
};

namespace {

const char* kStatNames[] = {"Spearman ρ", "Kendall τ-b"};

QTableWidget* makeTable(QWidget* parent) {
    auto* t = new QTableWidget(parent);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->setWordWrap(false);
    return t;
}

QString number(double v, int decimals) { return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("–"); }

}  // namespace

ScoreCompareView::ScoreCompareView(QWidget* parent)
    : QWidget(parent),
      statistic_(new QComboBox(this)),
      scoreA_(new QComboBox(this)),
      scoreB_(new QComboBox(this)),
      top_(new QSpinBox(this)),
      pairLabel_(new QLabel(this)),
      matrix_(makeTable(this)),
      list_(makeTable(this)) {
    for (const char* s : kStatNames) statistic_->addItem(QString::fromUtf8(s));
    statistic_->setToolTip(tr("Rank correlation of the selection orders: rank 1 is the sample each score would select "
                              "first (CAS enters reversed: low CAS is selected). +1: the same order, 0: unrelated, "
                              "−1: opposite."));
    for (QComboBox* c : {scoreA_, scoreB_}) {
        c->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        c->setMinimumContentsLength(8);
    }
    top_->setRange(1, 10000);
    top_->setValue(50);
    top_->setToolTip(tr("How many of the most-disagreeing samples to list"));
    pairLabel_->setWordWrap(true);

    matrix_->setSelectionMode(QAbstractItemView::SingleSelection);
    matrix_->setToolTip(tr("Click a cell to list the samples on which its two scores disagree most"));
    // Cells as narrow as "-0.00": the whole matrix fits the dock of a 768 px laptop; the
    // column headers elide ("comb…"), the row headers and the tooltips say the full names.
    matrix_->horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    matrix_->horizontalHeader()->setDefaultSectionSize(matrix_->fontMetrics().horizontalAdvance(QStringLiteral("−0.00")) + 10);
    list_->setSelectionBehavior(QAbstractItemView::SelectRows);
    list_->setSelectionMode(QAbstractItemView::SingleSelection);
    list_->verticalHeader()->hide();
    list_->horizontalHeader()->setStretchLastSection(true);
    list_->setToolTip(tr("Click a sample to select it in the table and inspect it"));

    // A splitter: the matrix gets its full width when that leaves the list at least half
    // the view (fitSplit), the list the rest; moving the line by hand keeps it there.
    auto* leftPane = new QWidget(this);
    auto* left = new QVBoxLayout(leftPane);
    left->setContentsMargins(0, 0, 0, 0);
    auto* statRow = new QHBoxLayout;
    auto* statLabel = new QLabel(tr("S&tatistic:"), this);
    statLabel->setBuddy(statistic_);
    statRow->addWidget(statLabel);
    statRow->addWidget(statistic_);
    statRow->addStretch(1);
    left->addLayout(statRow);
    left->addWidget(matrix_, 1);

    auto* rightPane = new QWidget(this);
    auto* right = new QVBoxLayout(rightPane);
    right->setContentsMargins(0, 0, 0, 0);
    auto* pairRow = new QHBoxLayout;
    const std::pair<const char*, QWidget*> controls[] = {{"Score &A:", scoreA_}, {"Score &B:", scoreB_}, {"To&p:", top_}};
    for (const auto& [text, w] : controls) {
        auto* label = new QLabel(tr(text), this);
        label->setBuddy(w);
        pairRow->addWidget(label);
        pairRow->addWidget(w);
        pairRow->addSpacing(6);
    }
    pairRow->addStretch(1);
    right->addLayout(pairRow);
    right->addWidget(pairLabel_);
    right->addWidget(list_, 1);

    split_ = new QSplitter(Qt::Horizontal, this);
    split_->setChildrenCollapsible(false);
    split_->addWidget(leftPane);
    split_->addWidget(rightPane);
    split_->setStretchFactor(0, 0);
    split_->setStretchFactor(1, 1);
    connect(split_, &QSplitter::splitterMoved, this, [this] { userSplit_ = true; });
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->addWidget(split_);

    connect(statistic_, &QComboBox::currentIndexChanged, this, [this] { fillMatrix(); });
    const auto pairChanged = [this] {
        if (updating_) return;
        listStale_ = true;
        refresh();
    };
    connect(scoreA_, &QComboBox::currentIndexChanged, this, pairChanged);
    connect(scoreB_, &QComboBox::currentIndexChanged, this, pairChanged);
    connect(top_, &QSpinBox::valueChanged, this, pairChanged);
    connect(matrix_, &QTableWidget::cellClicked, this, [this](int r, int c) {
        if (r != c) setPair(r, c);
    });
    connect(list_, &QTableWidget::cellClicked, this, [this](int r, int) { onListClicked(r); });
    connect(list_, &QTableWidget::cellActivated, this, [this](int r, int) { onListClicked(r); });
}

void ScoreCompareView::setScores(std::vector<int64_t> ids, std::vector<std::string> externalIds,
                                 std::vector<scoring::ScoreColumn> columns) {
    auto d = std::make_shared<Data>();
    d->ids = std::move(ids);
    d->externalIds = std::move(externalIds);
    d->externalIds.resize(d->ids.size());
    d->columns = std::move(columns);
    for (auto& c : d->columns) c.values.resize(d->ids.size(), std::nan(""));
    // Keep the chosen pair across re-ranks (alpha moves every few hundred ms) by key.
    const auto keyOf = [this](QComboBox* c) { return c->currentData().toString(); };
    const QString keyA = keyOf(scoreA_), keyB = keyOf(scoreB_);
    const bool sameScores = data_ && data_->columns.size() == d->columns.size();
    data_ = d;
    updating_ = true;
    for (QComboBox* combo : {scoreA_, scoreB_}) {
        const QSignalBlocker block(combo);
        combo->clear();
        for (const auto& c : d->columns) {
            const QString name = QString::fromStdString(c.displayName);
            combo->addItem(name, QString::fromStdString(c.key));
            combo->setItemData(combo->count() - 1, glossary::explain(name), Qt::ToolTipRole);
        }
    }
    // Default pair: the ranking score against the first other one (combined vs HMG).
    const int a = scoreA_->findData(keyA), b = scoreB_->findData(keyB);
    scoreA_->setCurrentIndex(sameScores && a >= 0 ? a : 0);
    scoreB_->setCurrentIndex(sameScores && b >= 0 ? b : std::min(1, scoreB_->count() - 1));
    updating_ = false;
    agreement_.reset();
    matrixStale_ = listStale_ = true;
    refresh();
}

void ScoreCompareView::setPair(int a, int b) {
    if (!data_ || a < 0 || b < 0 || a >= int(data_->columns.size()) || b >= int(data_->columns.size())) return;
    updating_ = true;
    scoreA_->setCurrentIndex(a);
    scoreB_->setCurrentIndex(b);
    updating_ = false;
    listStale_ = true;
    refresh();
    fillMatrix();  // moves the highlighted cell
}

void ScoreCompareView::setStatistic(int statistic) { statistic_->setCurrentIndex(statistic); }

bool ScoreCompareView::computing() const {
    auto& runner = TaskRunner::instance();
    return runner.busy(const_cast<ScoreCompareView*>(this), QStringLiteral("matrix")) ||
           runner.busy(const_cast<ScoreCompareView*>(this), QStringLiteral("list"));
}

void ScoreCompareView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();
    fitSplit();
}

void ScoreCompareView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    fitSplit();
}

void ScoreCompareView::fitSplit() {
    if (userSplit_) return;
    const int total = split_->width();
    const int full = matrix_->verticalHeader()->width() + matrix_->columnCount() * matrix_->horizontalHeader()->defaultSectionSize() +
                     2 * matrix_->frameWidth() + matrix_->verticalScrollBar()->sizeHint().width() + 4;
    const int left = std::min(full, total / 2);
    split_->setSizes({left, std::max(0, total - left)});
}

void ScoreCompareView::refresh() {
    if (!isVisible() || !data_) return;
    if (matrixStale_) computeMatrix();
    if (listStale_) computeList();
}

void ScoreCompareView::computeMatrix() {
    matrixStale_ = false;
    auto data = data_;
    TaskRunner::instance().run<std::shared_ptr<const scoring::AgreementMatrix>>(
        this, QStringLiteral("matrix"),
        [data](const CancelToken&) {
            return std::make_shared<const scoring::AgreementMatrix>(scoring::agreementMatrix(data->columns));
        },
        [this](TaskResult<std::shared_ptr<const scoring::AgreementMatrix>>& r) {
            if (r.status != TaskStatus::Finished) return;
            agreement_ = r.value;
            fillMatrix();
        });
}

void ScoreCompareView::computeList() {
    listStale_ = false;
    const int a = scoreA_->currentIndex(), b = scoreB_->currentIndex();
    if (a < 0 || b < 0) return;
    auto data = data_;
    const size_t top = size_t(top_->value());
    // The pair's own correlations come with the list, so its caption never waits for the matrix.
    struct Pair {
        std::vector<scoring::RankDisagreement> list;
        double rho = 0, tau = 0;
    };
    TaskRunner::instance().run<Pair>(
        this, QStringLiteral("list"),
        [data, a, b, top](const CancelToken&) {
            Pair p;
            const auto& A = data->columns[size_t(a)];
            const auto& B = data->columns[size_t(b)];
            p.list = scoring::mostDisagreeing(data->ids, A, B, top);
            const auto m = scoring::agreementMatrix({A, B});
            p.rho = m.spearman[0][1];
            p.tau = m.kendall[0][1];
            return p;
        },
        [this, data, a, b](TaskResult<Pair>& r) {
            if (r.status != TaskStatus::Finished || data != data_) return;
            const auto& A = data->columns[size_t(a)];
            const auto& B = data->columns[size_t(b)];
            const QString nameA = QString::fromStdString(A.displayName), nameB = QString::fromStdString(B.displayName);
            list_->clear();
            list_->setColumnCount(7);
            // The external id last: in a narrow dock the ranks stay in view.
            list_->setHorizontalHeaderLabels({tr("Sample"), tr("Δ rank"), tr("Rank %1").arg(nameA),
                                              tr("Rank %1").arg(nameB), nameA, nameB, tr("External id")});
            const auto& rows = r.value.list;
            list_->setRowCount(int(rows.size()));
            for (int row = 0; row < int(rows.size()); ++row) {
                const auto& d = rows[size_t(row)];
                const QString cells[] = {QString::number(data->ids[d.index]),
                                         QString::number(d.difference()),
                                         QString::number(d.rankA),
                                         QString::number(d.rankB),
                                         QString::number(A.values[d.index], 'g', 5),
                                         QString::number(B.values[d.index], 'g', 5),
                                         QString::fromStdString(data->externalIds[d.index])};
                for (int c = 0; c < 7; ++c) {
                    auto* item = new QTableWidgetItem(cells[c]);
                    if (c != 6) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                    item->setData(Qt::UserRole, qlonglong(data->ids[d.index]));
                    list_->setItem(row, c, item);
                }
            }
            list_->resizeColumnsToContents();
            const double rho = r.value.rho, tau = r.value.tau;
            pairLabel_->setText(tr("%1 vs %2: ρ %3, τ-b %4; the %5 samples whose ranks differ most (rank 1 = selected "
                                   "first)")
                                    .arg(nameA, nameB, number(rho, 3), number(tau, 3))
                                    .arg(rows.size()));
        });
}

void ScoreCompareView::fillMatrix() {
    const QSignalBlocker block(matrix_);
    if (!data_ || !agreement_ || agreement_->spearman.size() != data_->columns.size()) {
        matrix_->clear();
        matrix_->setRowCount(0);
        matrix_->setColumnCount(0);
        return;
    }
    const bool kendall = statistic_->currentIndex() == 1;
    const auto& m = kendall ? agreement_->kendall : agreement_->spearman;
    const int k = int(data_->columns.size());
    QStringList names;
    for (const auto& c : data_->columns) names << QString::fromStdString(c.displayName);
    matrix_->setRowCount(k);
    matrix_->setColumnCount(k);
    matrix_->setVerticalHeaderLabels(names);
    const int room = matrix_->horizontalHeader()->defaultSectionSize() - 6;
    for (int c = 0; c < k; ++c) {
        auto* header = new QTableWidgetItem(matrix_->fontMetrics().elidedText(names[c], Qt::ElideRight, room));
        header->setToolTip(names[c]);
        matrix_->setHorizontalHeaderItem(c, header);
    }
    const ColorScale scale = ColorScale::diverging(1.0f);
    for (int r = 0; r < k; ++r)
        for (int c = 0; c < k; ++c) {
            const double v = m[size_t(r)][size_t(c)];
            auto* item = new QTableWidgetItem(number(v, 2));
            item->setTextAlignment(Qt::AlignCenter);
            const QColor bg = std::isfinite(v) ? scale.color(float(v)) : ColorScale::nanColor();
            item->setBackground(bg);
            item->setForeground(ColorScale::textColorFor(bg));
            item->setToolTip(tr("%1 of %2 and %3: %4").arg(QString::fromUtf8(kStatNames[kendall ? 1 : 0]), names[r],
                                                          names[c], number(v, 4)));
            matrix_->setItem(r, c, item);
        }
    matrix_->setCurrentCell(scoreA_->currentIndex(), scoreB_->currentIndex());
    fitSplit();
}

void ScoreCompareView::onListClicked(int row) {
    const QTableWidgetItem* item = list_->item(row, 0);
    if (!item) return;
    emit brushed({qint64(item->data(Qt::UserRole).toLongLong())});
}

}  // namespace gateau::ui
