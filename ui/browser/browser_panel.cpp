#include "ui/browser/browser_panel.h"

#include "ui/browser/filter_bar.h"
#include "ui/browser/override_command.h"
#include "ui/browser/ranked_filter_proxy.h"
#include "ui/browser/ranked_table_model.h"
#include "ui/browser/ranking_session.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QSlider>
#include <QStyledItemDelegate>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>

#include <memory>

namespace gateau::ui {

namespace {

// Draws the selection boundary: a line under the last sample inside the cut, visible
// whenever that row is on screen (whatever the sort order, it marks "the cut is here").
class CutLineDelegate : public QStyledItemDelegate {
public:
    CutLineDelegate(RankingSession* s, QObject* parent) : QStyledItemDelegate(parent), session_(s) {}
    void paint(QPainter* p, const QStyleOptionViewItem& opt, const QModelIndex& index) const override {
        QStyledItemDelegate::paint(p, opt, index);
        if (!session_->hasRun()) return;
        const int rank = index.siblingAtColumn(RankedTableModel::ColRank).data(RankedTableModel::SortRole).toInt();
        if (rank != session_->ranking().cut) return;
        p->save();
        p->setPen(QPen(QColor(200, 60, 40), 2));
        p->drawLine(opt.rect.bottomLeft(), opt.rect.bottomRight());
        p->restore();
    }

private:
    RankingSession* session_;
};

}  // namespace

BrowserPanel::BrowserPanel(RankingSession* session, QUndoStack* undo, QWidget* parent)
    : QWidget(parent), session_(session), undo_(undo) {
    run_ = new QComboBox;
    run_->setMinimumContentsLength(28);
    run_->setToolTip(tr("Scoring run whose ranking is shown"));
    alpha_ = new QSlider(Qt::Horizontal);
    alpha_->setRange(0, 100);
    alpha_->setValue(70);
    alpha_->setMinimumWidth(120);
    alpha_->setToolTip(tr("alpha: weight of HMG against CAM in the combined score (paper: 0.7)"));
    alphaLabel_ = new QLabel(QStringLiteral("α 0.70"));
    cutMode_ = new QComboBox;
    cutMode_->addItems({tr("Top %"), tr("Top N")});
    cutValue_ = new QDoubleSpinBox;
    cutValue_->setRange(0.1, 100);
    cutValue_->setValue(10);
    cutValue_->setSuffix(QStringLiteral(" %"));
    summary_ = new QLabel;
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Run")));
    top->addWidget(run_, 2);
    top->addSpacing(12);
    top->addWidget(alphaLabel_);
    top->addWidget(alpha_, 1);
    top->addSpacing(12);
    top->addWidget(new QLabel(tr("Select")));
    top->addWidget(cutMode_);
    top->addWidget(cutValue_);
    top->addSpacing(12);
    top->addWidget(summary_, 2);

    filters_ = new FilterBar;
    model_ = new RankedTableModel(session, this);
    proxy_ = new RankedFilterProxy(session, this);
    proxy_->setSourceModel(model_);
    table_ = new QTableView;
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(RankedTableModel::ColRank, Qt::AscendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setWordWrap(false);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->setHighlightSections(false);
    table_->setItemDelegate(new CutLineDelegate(session, this));
    const int w = fontMetrics().horizontalAdvance('0');
    const int widths[] = {6, 3, 9, 8, 8, 8, 8, 7, 7, 8, 8, 7, 14, 12, 12};
    for (int c = 0; c < int(std::size(widths)); ++c) table_->setColumnWidth(c, widths[c] * w + 14);

    note_ = new QLineEdit;
    note_->setPlaceholderText(tr("Note for the current sample (Enter to save, N to focus)"));
    noteLabel_ = new QLabel(tr("Note"));
    auto* noteRow = new QHBoxLayout;
    noteRow->addWidget(noteLabel_);
    noteRow->addWidget(note_, 1);

    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(4, 4, 4, 4);
    col->addLayout(top);
    col->addWidget(filters_);
    col->addWidget(table_, 1);
    col->addLayout(noteRow);

    auto makeAction = [this](const QString& text, const QList<QKeySequence>& keys, auto fn) {
        auto* a = new QAction(text, this);
        a->setShortcuts(keys);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, fn);
        actions_ << a;
        QWidget::addAction(a);
        return a;
    };
    makeAction(tr("&Keep Sample"), {QKeySequence(Qt::Key_K)}, [this] { setDecision(db::Decision::Keep); });
    makeAction(tr("&Drop Sample"), {QKeySequence(Qt::Key_D)}, [this] { setDecision(db::Decision::Drop); });
    makeAction(tr("&Clear Decision"), {QKeySequence(Qt::Key_C)}, [this] { setDecision(db::Decision::None); });
    makeAction(tr("Edit &Note"), {QKeySequence(Qt::Key_N)}, [this] {
        note_->setFocus();
        note_->selectAll();
    });
    makeAction(tr("Ne&xt Sample"), {QKeySequence(Qt::Key_L)}, [this] { moveCurrent(1); });
    makeAction(tr("&Previous Sample"), {QKeySequence(Qt::Key_J)}, [this] { moveCurrent(-1); });

    connect(run_, &QComboBox::activated, this, [this] { emit runChosen(run_->currentData().toLongLong()); });
    // Dragging emits many values; re-ranking 100k samples takes a few hundred ms, so the
    // label follows at once and the ranking follows the latest value.
    auto* alphaTimer = new QTimer(this);
    alphaTimer->setSingleShot(true);
    alphaTimer->setInterval(40);
    connect(alphaTimer, &QTimer::timeout, this, [this] { session_->setAlpha(alpha_->value() / 100.0); });
    connect(alpha_, &QSlider::valueChanged, this, [this, alphaTimer](int v) {
        alphaLabel_->setText(QStringLiteral("α %1").arg(v / 100.0, 0, 'f', 2));
        if (alpha_->isSliderDown()) alphaTimer->start();
        else session_->setAlpha(v / 100.0);  // keyboard, wheel, programmatic: at once
    });
    connect(alpha_, &QSlider::sliderReleased, this, [this, alphaTimer] {
        alphaTimer->stop();
        session_->setAlpha(alpha_->value() / 100.0);
    });
    connect(cutMode_, &QComboBox::currentIndexChanged, this, [this](int mode) {
        cutValue_->blockSignals(true);
        if (mode == 0) {
            cutValue_->setDecimals(1);
            cutValue_->setRange(0.1, 100);
            cutValue_->setSuffix(QStringLiteral(" %"));
            cutValue_->setValue(10);
        } else {
            cutValue_->setDecimals(0);
            cutValue_->setRange(0, 1e9);
            cutValue_->setSuffix(QString());
            cutValue_->setValue(std::max<double>(1, double(session_->hasRun() ? session_->ranking().cut : 100)));
        }
        cutValue_->blockSignals(false);
        applyCut();
    });
    connect(cutValue_, &QDoubleSpinBox::valueChanged, this, &BrowserPanel::applyCut);
    connect(filters_, &FilterBar::filterChanged, this, [this](const BrowserFilter& f) {
        proxy_->setFilter(f);
        updateSummary();
    });
    connect(filters_, &FilterBar::status, this, [this](const QString& m) { emit status(m, false); });
    // A running job reloads the pool every few seconds: keep the user's sample and scroll.
    auto keep = std::make_shared<std::pair<qint64, int>>(-1, 0);
    connect(model_, &QAbstractItemModel::modelAboutToBeReset, this, [this, keep] {
        *keep = {currentSampleId(), table_->verticalScrollBar()->value()};
    });
    connect(session, &RankingSession::loaded, this, [this, keep] {
        updateSummary();
        const int row = keep->first >= 0 ? model_->rowOf(keep->first) : -1;
        const QModelIndex at = row >= 0 ? proxy_->mapFromSource(model_->index(row, 0)) : QModelIndex();
        if (at.isValid()) {
            table_->setCurrentIndex(at);
            table_->selectRow(at.row());
            table_->verticalScrollBar()->setValue(keep->second);
        } else if (proxy_->rowCount() > 0) {
            table_->selectRow(0);
        }
    });
    connect(session, &RankingSession::rankingChanged, this, [this] {
        updateSummary();
        table_->viewport()->update();
    });
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        syncNote();
        emit currentSampleChanged(currentSampleId());
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (brushing_) return;
        QVector<qint64> ids;
        for (const QModelIndex& i : table_->selectionModel()->selectedRows())
            ids << i.data(RankedTableModel::SampleIdRole).toLongLong();
        emit selectionChanged(ids);
    });
    connect(note_, &QLineEdit::returnPressed, this, [this] {
        setNote(note_->text());
        table_->setFocus();
    });
    updateSummary();
}

void BrowserPanel::setStore(db::ProjectStore* store) {
    store_ = store;
    filters_->setProject(store ? QString::fromStdString(store->path()) : QString());
    if (store) {
        QList<QPair<qint64, QString>> ds;
        for (const auto& d : store->datasets())
            if (d.status == "complete") ds << qMakePair(qint64(d.id), QString::fromStdString(d.name));
        filters_->setDatasets(ds);
    }
}

void BrowserPanel::setRuns(const std::vector<db::RunInfo>& runs, qint64 current) {
    run_->clear();
    for (const auto& r : runs) {
        const QString state = r.status == "complete" ? tr("complete") : r.status == "partial" ? tr("interrupted") : tr("open");
        run_->addItem(tr("#%1  %2  ·  %3 scored").arg(r.id).arg(state).arg(QLocale().toString(qlonglong(r.done))),
                      qlonglong(r.id));
    }
    if (runs.empty()) run_->addItem(tr("no scoring run yet (Run > Score Samples…)"), 0);
    const int at = run_->findData(qlonglong(current));
    run_->setCurrentIndex(at < 0 ? 0 : at);
}

qint64 BrowserPanel::currentSampleId() const {
    const QModelIndex i = table_->currentIndex();
    return i.isValid() ? i.data(RankedTableModel::SampleIdRole).toLongLong() : -1;
}

void BrowserPanel::selectSamples(const QVector<qint64>& ids) {
    brushing_ = true;
    QItemSelection sel;
    QModelIndex first;
    for (qint64 id : ids) {
        const int row = model_->rowOf(id);
        if (row < 0) continue;
        const QModelIndex p = proxy_->mapFromSource(model_->index(row, 0));
        if (!p.isValid()) continue;
        if (!first.isValid() || p.row() < first.row()) first = p;
        sel.select(p, p.siblingAtColumn(RankedTableModel::ColumnCount - 1));
    }
    table_->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (first.isValid()) table_->scrollTo(first);
    brushing_ = false;
}

void BrowserPanel::moveCurrent(int delta) {
    const int rows = proxy_->rowCount();
    if (rows == 0) return;
    const int at = std::clamp(table_->currentIndex().row() + delta, 0, rows - 1);
    table_->selectRow(at);
    table_->scrollTo(proxy_->index(at, 0));
}

void BrowserPanel::applyOverride(qint64 sampleId, db::Decision decision, const std::string& note) {
    try {
        if (!store_) throw std::runtime_error("no project open");
        store_->addOverride(sampleId, decision, note);
        session_->setDecision(sampleId, decision, note);
        if (sampleId == currentSampleId()) syncNote();
    } catch (const std::exception& e) {
        emit status(tr("Could not save the decision for sample %1: %2").arg(sampleId).arg(e.what()), true);
    }
}

void BrowserPanel::setDecision(db::Decision d) {
    const qint64 id = currentSampleId();
    const int i = session_->hasRun() ? session_->indexOf(id) : -1;
    if (i < 0) return;
    const db::RankInput& s = session_->inputs().samples[size_t(i)];
    OverrideState before{s.decision, s.note}, after{d, s.note};
    if (before == after) return;
    undo_->push(new OverrideCommand([this](qint64 sid, const OverrideState& st) { applyOverride(sid, st.decision, st.note); },
                                    id, before, after));
}

void BrowserPanel::setNote(const QString& note) {
    const qint64 id = currentSampleId();
    const int i = session_->hasRun() ? session_->indexOf(id) : -1;
    if (i < 0) return;
    const db::RankInput& s = session_->inputs().samples[size_t(i)];
    OverrideState before{s.decision, s.note}, after{s.decision, note.toStdString()};
    if (before == after) return;
    undo_->push(new OverrideCommand([this](qint64 sid, const OverrideState& st) { applyOverride(sid, st.decision, st.note); },
                                    id, before, after));
}

void BrowserPanel::syncNote() {
    const int i = session_->hasRun() ? session_->indexOf(currentSampleId()) : -1;
    note_->setEnabled(i >= 0);
    note_->setText(i >= 0 ? QString::fromStdString(session_->inputs().samples[size_t(i)].note) : QString());
    noteLabel_->setText(i >= 0 ? tr("Note #%1").arg(currentSampleId()) : tr("Note"));
}

void BrowserPanel::applyCut() {
    session_->setSelection(cutMode_->currentIndex() == 0 ? scoring::Selection::topPercent(cutValue_->value())
                                                         : scoring::Selection::topN(int64_t(cutValue_->value())));
}

void BrowserPanel::updateSummary() {
    if (!session_->hasRun()) {
        summary_->setText(session_->runId() > 0 ? tr("loading…") : QString());
        return;
    }
    const auto& r = session_->ranking();
    const QLocale l;
    summary_->setText(tr("pool %1 · cut %2 · selected %3 · shown %4 · failed %5")
                          .arg(l.toString(qlonglong(r.pool)), l.toString(qlonglong(r.cut)),
                               l.toString(qlonglong(r.selected)), l.toString(proxy_->rowCount()),
                               l.toString(qlonglong(session_->inputs().failed))));
}

}  // namespace gateau::ui
