#include "ui/browser/browser_panel.h"
#include "ui/browser/review_writer.h"

#include "db/sqlite.h"
#include "ui/browser/annotation_bar.h"
#include "ui/browser/cut_rule.h"
#include "ui/browser/filter_bar.h"
#include "ui/browser/override_command.h"
#include "ui/browser/ranked_filter_proxy.h"
#include "ui/browser/ranked_table_model.h"
#include "ui/browser/ranking_session.h"
#include "ui/glossary.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QSlider>
#include <QStyledItemDelegate>
#include <QScrollBar>
#include <QSettings>
#include <QSignalBlocker>
#include <QTableView>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>

#include <algorithm>
#include <memory>
#include <utility>

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
    : QWidget(parent), session_(session), undo_(undo), writer_(new ReviewWriter(this)) {
    run_ = new QComboBox;
    // Minimums in characters, not the longest item: the panel must fit a 1366 px laptop
    // next to the inspector; the stretch factors hand out the rest.
    run_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    run_->setMinimumContentsLength(16);
    run_->setToolTip(tr("Scoring run whose ranking is shown"));
    alpha_ = new QSlider(Qt::Horizontal);
    alpha_->setRange(0, 100);
    alpha_->setValue(70);
    alpha_->setMinimumWidth(80);
    alpha_->setToolTip(glossary::alpha());
    alphaLabel_ = new QLabel(QStringLiteral("α 0.70"));
    alphaLabel_->setToolTip(glossary::alpha());
    auto* makeDefault = new QAction(tr("Make This α the Project's Default"), this);
    makeDefault->setToolTip(tr("Store α in the project: gateau rank, export and evaluate use it, and the slider starts "
                               "from it for everyone who has not moved it"));
    connect(makeDefault, &QAction::triggered, this, &BrowserPanel::saveAlphaAsProjectDefault);
    auto* follow = new QAction(tr("Follow the Project's α"), this);
    connect(follow, &QAction::triggered, this, [this] {
        if (project_.empty()) return;
        QSettings().remove(settingsKey("alpha"));
        followProjectAlpha(projectAlpha_);
    });
    for (QWidget* w : {static_cast<QWidget*>(alpha_), static_cast<QWidget*>(alphaLabel_)}) {
        w->setContextMenuPolicy(Qt::ActionsContextMenu);
        w->addActions({makeDefault, follow});
    }
    cutMode_ = new QComboBox;
    cut_rule::fillCombo(cutMode_, false);
    cutValue_ = new QDoubleSpinBox;
    cut_rule::configureValue(cutValue_, 0);
    cutValue_->setValue(10);
    summary_ = new QLabel;
    summary_->setWordWrap(true);  // a 100k pool's counts are long
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
    top->addStretch(1);

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
    // Decision: room for "keep (adj.)" in bold.
    const int widths[] = {6, 3, 9, 8, 8, 8, 8, 7, 7, 8, 8, 12, 14, 14, 12, 12};
    for (int c = 0; c < int(std::size(widths)); ++c) table_->setColumnWidth(c, widths[c] * w + 14);

    note_ = new QLineEdit;
    note_->setPlaceholderText(tr("Note for the current sample (Enter to save, N to focus)"));
    noteLabel_ = new QLabel(tr("Note"));
    annotationBar_ = new AnnotationBar;
    auto* noteRow = new QHBoxLayout;
    noteRow->addWidget(noteLabel_);
    noteRow->addWidget(note_, 2);
    noteRow->addWidget(new QLabel(tr("Tags")));
    noteRow->addWidget(annotationBar_->tagsEdit(), 1);

    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(4, 4, 4, 4);
    col->addLayout(top);
    col->addWidget(filters_);
    col->addWidget(table_, 1);
    // Its own line: next to the controls it wrapped into a tall column on a laptop.
    col->addWidget(summary_);
    col->addLayout(noteRow);
    col->addWidget(annotationBar_);

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
    makeAction(tr("Next &Undecided Sample"), {QKeySequence(Qt::Key_U)}, [this] { nextUndecided(); });
    buildReviewActions();

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
        // The new rule starts out selecting about what the old one did.
        const bool ranked = session_->hasRun();
        const double start = cut_rule::defaultValue(mode, ranked ? session_->ranking().cut : 100,
                                                    ranked ? session_->ranking().selectedTokens : 100000);
        cut_rule::configureValue(cutValue_, mode);
        const QSignalBlocker block(cutValue_);
        cutValue_->setValue(start);
        applyCut();
    });
    connect(cutValue_, &QDoubleSpinBox::valueChanged, this, &BrowserPanel::applyCut);
    // Alpha, the cut rule and the current sample survive a restart, per project. Alpha is
    // kept only once the user moves it: until then the slider follows the project's alpha.
    connect(alpha_, &QSlider::valueChanged, this, [this](int v) {
        if (!project_.empty() && !restoring_) QSettings().setValue(settingsKey("alpha"), v);
    });
    connect(cutValue_, &QDoubleSpinBox::valueChanged, this, &BrowserPanel::saveReviewState);
    connect(cutMode_, &QComboBox::currentIndexChanged, this, &BrowserPanel::saveReviewState);
    connect(table_->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this, &BrowserPanel::saveReviewState);
    connect(filters_, &FilterBar::filterChanged, this, [this](const BrowserFilter& f) {
        proxy_->setFilter(f);
        updateSummary();
        saveReviewState();
    });
    connect(filters_, &FilterBar::status, this, [this](const QString& m) { emit status(m, false); });
    connect(filters_, &FilterBar::searchChanged, this, &BrowserPanel::searchChanged);
    // A running job reloads the pool every few seconds: keep the user's sample and scroll.
    auto keep = std::make_shared<std::pair<qint64, int>>(-1, 0);
    connect(model_, &QAbstractItemModel::modelAboutToBeReset, this, [this, keep] {
        *keep = {currentSampleId(), table_->verticalScrollBar()->value()};
    });
    connect(session, &RankingSession::loaded, this, [this, keep] {
        for (int k = 0; k < RankedTableModel::pluginColumnCount(); ++k)
            table_->setColumnHidden(RankedTableModel::ColumnCount + k, !model_->pluginColumnHasValues(k));
        updateSummary();
        // A reload keeps the user's sample; a project just opened goes back to where its
        // review stopped last time.
        qint64 back = keep->first;
        if (resumeSampleId_ >= 0 && session_->hasRun()) back = std::exchange(resumeSampleId_, -1);
        const int row = back >= 0 ? model_->rowOf(back) : -1;
        const QModelIndex at = row >= 0 ? proxy_->mapFromSource(model_->index(row, 0)) : QModelIndex();
        if (at.isValid()) {
            table_->setCurrentIndex(at);
            table_->selectRow(at.row());
            table_->verticalScrollBar()->setValue(keep->second);
        } else if (proxy_->rowCount() > 0) {
            table_->selectRow(0);
        }
        filters_->setTags(allTags());
        applyPendingMark();
        syncAnnotationBar();
    });
    for (auto changed : {&RankingSession::rankingChanged, &RankingSession::decisionsChanged}) {
        connect(session, changed, this, [this] {
            updateSummary();
            table_->viewport()->update();
        });
    }
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        commitNote();  // the note typed for the previous row
        syncNote();
        saveReviewState();
        emit currentSampleChanged(currentSampleId());
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (brushing_) return;
        // The inspector shows the current row: keep it among the highlighted ones (a
        // Ctrl+click can take the current row out of the highlight).
        QItemSelectionModel* sm = table_->selectionModel();
        const QModelIndexList rows = sm->selectedRows();
        const QModelIndex cur = table_->currentIndex();
        if (!rows.isEmpty() && (!cur.isValid() || !sm->isRowSelected(cur.row(), {}))) {
            QModelIndex first = rows.front();
            for (const QModelIndex& i : rows)
                if (i.row() < first.row()) first = i;
            sm->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
        }
        QVector<qint64> ids;
        for (const QModelIndex& i : rows) ids << i.data(RankedTableModel::SampleIdRole).toLongLong();
        emit selectionChanged(ids);
    });
    connect(proxy_, &QAbstractItemModel::layoutAboutToBeChanged, this, &BrowserPanel::rememberPlace);
    connect(proxy_, &QAbstractItemModel::layoutChanged, this, &BrowserPanel::restorePlace);
    // Enter or leaving the editor saves the note; Escape (eventFilter) reverts it.
    note_->installEventFilter(this);
    connect(note_, &QLineEdit::editingFinished, this, &BrowserPanel::commitNote);
    connect(note_, &QLineEdit::returnPressed, this, [this] {
        commitNote();
        table_->setFocus();
    });
    updateSummary();
}

void BrowserPanel::applyPendingMark() {
    if (pendingMark_.isEmpty()) return;
    const int at = filters_->markCombo()->findData(pendingMark_);
    if (at < 0) return;
    filters_->markCombo()->setCurrentIndex(at);
    pendingMark_.clear();
}

QString BrowserPanel::settingsKey(const char* name) const {
    // Per project: review state of one project must not leak into another.
    const QByteArray path = QByteArray::fromStdString(project_);
    return QStringLiteral("review/%1/%2")
        .arg(QString::fromLatin1(QCryptographicHash::hash(path, QCryptographicHash::Sha1).toHex().left(16)), QLatin1String(name));
}

void BrowserPanel::saveReviewState() {
    if (project_.empty() || restoring_) return;
    QSettings s;
    s.setValue(settingsKey("cutMode"), cutMode_->currentIndex());
    s.setValue(settingsKey("cutValue"), cutValue_->value());
    if (currentSampleId() >= 0) s.setValue(settingsKey("current"), currentSampleId());
    // The queue: its sort order and the filters a review works through (not the search,
    // whose index may need building, nor the ranges).
    s.setValue(settingsKey("sortColumn"), table_->horizontalHeader()->sortIndicatorSection());
    s.setValue(settingsKey("sortOrder"), int(table_->horizontalHeader()->sortIndicatorOrder()));
    s.setValue(settingsKey("decisionFilter"), filters_->decisionCombo()->currentIndex());
    s.setValue(settingsKey("markFilter"), filters_->markCombo()->currentData().toString());
    s.setValue(settingsKey("hasNote"), filters_->hasNoteBox()->isChecked());
}

void BrowserPanel::followProjectAlpha(double alpha) {
    projectAlpha_ = alpha;
    if (project_.empty() || QSettings().contains(settingsKey("alpha"))) return;
    restoring_ = true;  // following is not moving: nothing is saved
    alpha_->setValue(qRound(alpha * 100));
    restoring_ = false;
}

void BrowserPanel::saveAlphaAsProjectDefault() {
    if (project_.empty()) return;
    const std::string project = project_;
    writer_->writeProjectAlpha(alpha_->value() / 100.0, [this, project](double stored, const QString& error) {
        if (project != project_) return;
        if (!error.isEmpty()) return emit status(tr("Could not store the project's α: %1").arg(error), true);
        projectAlpha_ = stored;
        emit status(tr("α %1 is now the project's default").arg(stored, 0, 'f', 2), false);
    });
}

void BrowserPanel::restoreReviewState() {
    const QSettings s;
    restoring_ = true;
    alpha_->setValue(s.value(settingsKey("alpha"), qRound(projectAlpha_ * 100)).toInt());
    cutMode_->setCurrentIndex(std::clamp(s.value(settingsKey("cutMode"), 0).toInt(), 0, cut_rule::count() - 1));
    cutValue_->setValue(s.value(settingsKey("cutValue"), cutValue_->value()).toDouble());
    resumeSampleId_ = s.value(settingsKey("current"), -1).toLongLong();
    table_->sortByColumn(std::clamp(s.value(settingsKey("sortColumn"), 0).toInt(), 0, RankedTableModel::ColumnCount + RankedTableModel::pluginColumnCount() - 1),
                         Qt::SortOrder(std::clamp(s.value(settingsKey("sortOrder"), 0).toInt(), 0, 1)));
    QComboBox* decision = filters_->decisionCombo();
    decision->setCurrentIndex(std::clamp(s.value(settingsKey("decisionFilter"), 0).toInt(), 0, decision->count() - 1));
    filters_->hasNoteBox()->setChecked(s.value(settingsKey("hasNote"), false).toBool());
    // A tag filter can only be chosen once the run's tags are known (loaded).
    pendingMark_ = s.value(settingsKey("markFilter")).toString();
    applyPendingMark();
    restoring_ = false;
}

void BrowserPanel::setProject(const std::string& path) {
    const bool changed = path != project_;
    if (changed) {
        // The typed note belongs to this project's sample: save it here, and never let it
        // reach the sample with the same id in the next project.
        commitNote();
        noteSampleId_ = -1;
        note_->clear();
    }
    project_ = path;
    writer_->setProject(path);
    if (changed) {
        skipped_.clear();
        projectAlpha_ = db::kDefaultAlpha;  // until the project's own is read
        labelWritesInFlight_ = 0;  // the old project's reports are ignored (see loadLabelSet)
        showLabelSet({});
        loadLabelSet();
    }
    if (!path.empty() && changed) {
        restoreReviewState();
        writer_->readProjectAlpha([this, path](double stored, const QString& error) {
            if (error.isEmpty() && path == project_) followProjectAlpha(stored);
        });
    }
    filters_->setProject(QString::fromStdString(path));
}

void BrowserPanel::setDatasets(const std::vector<db::DatasetInfo>& datasets) {
    QList<QPair<qint64, QString>> ds;
    for (const auto& d : datasets)
        if (d.status == "complete") ds << qMakePair(qint64(d.id), QString::fromStdString(d.name));
    filters_->setDatasets(ds);
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

QVector<qint64> BrowserPanel::highlightedSampleIds() const {
    QModelIndexList rows = table_->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    QVector<qint64> ids;
    for (const QModelIndex& i : rows) ids << i.data(RankedTableModel::SampleIdRole).toLongLong();
    if (ids.isEmpty() && currentSampleId() >= 0) ids << currentSampleId();
    return ids;
}

QModelIndex BrowserPanel::proxyIndexOf(qint64 sampleId) const {
    const int row = model_->rowOf(sampleId);
    return row < 0 ? QModelIndex() : proxy_->mapFromSource(model_->index(row, 0));
}

void BrowserPanel::makeCurrent(const QModelIndex& index) {
    // Persistent: a row change saves the note, which re-ranks and re-sorts the rows.
    const QPersistentModelIndex at(index);
    table_->selectionModel()->setCurrentIndex(at, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (at.isValid()) table_->scrollTo(at);
}

void BrowserPanel::selectSamples(const QVector<qint64>& ids) {
    commitNote();  // now: saving it re-ranks, which would move the rows picked below
    brushing_ = true;
    QItemSelection sel;
    QModelIndex first;
    for (qint64 id : ids) {
        const QModelIndex p = proxyIndexOf(id);
        if (!p.isValid()) continue;
        if (!first.isValid() || p.row() < first.row()) first = p;
        sel.select(p, p.siblingAtColumn(RankedTableModel::ColumnCount + RankedTableModel::pluginColumnCount() - 1));
    }
    QItemSelectionModel* sm = table_->selectionModel();
    if (first.isValid()) {
        // Current first: the inspector and K / D / C follow what is highlighted.
        sm->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
        sm->select(sel, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        table_->scrollTo(first);
    } else if (table_->currentIndex().isValid()) {
        // Nothing brushed is shown (an empty brush, or filtered out): the current row stays
        // the highlighted one.
        sm->select(table_->currentIndex(), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    } else {
        sm->clearSelection();
    }
    brushing_ = false;
    QVector<qint64> shown;
    for (const QModelIndex& i : sm->selectedRows()) shown << i.data(RankedTableModel::SampleIdRole).toLongLong();
    std::sort(shown.begin(), shown.end());
    QVector<qint64> asked = ids;
    std::sort(asked.begin(), asked.end());
    if (shown != asked) emit selectionChanged(shown);
}

void BrowserPanel::rememberPlace() {
    placeRow_ = table_->currentIndex().row();
    placeIds_.clear();
    if (placeRow_ < 0) return;
    // The current sample, then the next rows of the queue, then the previous one (for the
    // last row). A bulk decision removes at most the highlighted rows; 64 look-aheads cover
    // any usual highlight without reading 100k rows on every re-rank.
    const int rows = proxy_->rowCount();
    for (int r = placeRow_; r < std::min(rows, placeRow_ + 65); ++r)
        placeIds_.push_back(proxy_->index(r, 0).data(RankedTableModel::SampleIdRole).toLongLong());
    if (placeRow_ > 0) placeIds_.push_back(proxy_->index(placeRow_ - 1, 0).data(RankedTableModel::SampleIdRole).toLongLong());
}

void BrowserPanel::restorePlace() {
    if (placeRow_ < 0 || table_->currentIndex().isValid()) return;
    const int rows = proxy_->rowCount(), row = placeRow_;
    placeRow_ = -1;
    for (qint64 id : placeIds_) {
        const QModelIndex p = proxyIndexOf(id);
        if (p.isValid()) return makeCurrent(p);
    }
    if (rows > 0) return makeCurrent(proxy_->index(std::min(row, rows - 1), 0));
    // Nothing left in the view: no current sample, nothing inspected.
    syncNote();
    emit currentSampleChanged(-1);
}

void BrowserPanel::moveCurrent(int delta) {
    const int rows = proxy_->rowCount();
    if (rows == 0) return;
    const int at = std::clamp(table_->currentIndex().row() + delta, 0, rows - 1);
    table_->selectRow(at);
    table_->scrollTo(proxy_->index(at, 0));
}

void BrowserPanel::nextUndecided() {
    const int rows = proxy_->rowCount();
    const int from = table_->currentIndex().row();  // -1: from the top
    for (int k = 1; k <= rows; ++k) {
        const QModelIndex at = proxy_->index((from + k) % rows, 0);
        const int i = session_->indexOf(at.data(RankedTableModel::SampleIdRole).toLongLong());
        const qint64 id = at.data(RankedTableModel::SampleIdRole).toLongLong();
        if (i >= 0 && session_->inputs().samples[size_t(i)].decision == db::Decision::None && !skipped_.count(id))
            return makeCurrent(at);
    }
    emit status(tr("Every sample in view has a decision"), false);
}

void BrowserPanel::commitNote() {
    if (noteSampleId_ < 0) return;
    note_->setModified(false);
    setNoteOf(noteSampleId_, note_->text());
}

bool BrowserPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == note_ && event->type() == QEvent::KeyPress && static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
        syncNote();  // the stored note again; leaving the editor then saves nothing
        table_->setFocus();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void BrowserPanel::syncNote() {
    const qint64 id = currentSampleId();
    const int i = session_->hasRun() ? session_->indexOf(id) : -1;
    noteSampleId_ = i >= 0 ? id : -1;
    note_->setEnabled(i >= 0);
    note_->setText(i >= 0 ? QString::fromStdString(session_->inputs().samples[size_t(i)].note) : QString());
    noteLabel_->setText(i >= 0 ? tr("Note #%1").arg(id) : tr("Note"));
    syncAnnotationBar();
}

void BrowserPanel::applyCut() {
    session_->setSelection(cut_rule::selection(cutMode_->currentIndex(), cutValue_->value()));
}

void BrowserPanel::updateSummary() {
    if (!session_->hasRun()) {
        summary_->setText(session_->runId() > 0 ? tr("loading…") : QString());
        return;
    }
    const auto& r = session_->ranking();
    const QLocale l;
    summary_->setText(tr("pool %1 · cut %2 · selected %3 (%4 tokens) · shown %5 · failed %6")
                          .arg(l.toString(qlonglong(r.pool)), l.toString(qlonglong(r.cut)),
                               l.toString(qlonglong(r.selected)), l.toString(qlonglong(r.selectedTokens)),
                               l.toString(proxy_->rowCount()), l.toString(qlonglong(session_->inputs().failed))));
}

}  // namespace gateau::ui
