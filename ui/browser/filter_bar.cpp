#include "ui/browser/filter_bar.h"

#include "db/search.h"
#include "ui/tasks/task_runner.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QResizeEvent>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace gateau::ui {

FilterBar::FilterBar(QWidget* parent) : QWidget(parent) {
    auto* rows = new QVBoxLayout(this);
    rows->setContentsMargins(0, 0, 0, 0);
    rows->setSpacing(2);
    firstRow_ = new QHBoxLayout;
    secondRow_ = new QHBoxLayout;
    rows->addLayout(firstRow_);
    rows->addLayout(secondRow_);
    search_ = new QLineEdit;
    search_->setPlaceholderText(tr("Search conversations (words, prefix*) and press Enter"));
    search_->setClearButtonEnabled(true);
    searchState_ = new QLabel;
    decision_ = new QComboBox;
    decision_->addItems({tr("All samples"), tr("Selected"), tr("Not selected"), tr("Kept by hand"), tr("Dropped by hand"),
                         tr("No decision"), tr("Disputed"), tr("To adjudicate")});
    decision_->setItemData(6, tr("Samples whose annotators disagree (a merged project)"), Qt::ToolTipRole);
    decision_->setItemData(7, tr("The adjudication queue: disputed samples no lead has decided yet"), Qt::ToolTipRole);
    dataset_ = new QComboBox;
    dataset_->addItem(tr("All datasets"), 0);
    mark_ = new QComboBox;
    mark_->setToolTip(tr("Samples with this review label or #tag, or near-duplicates"));
    hasNote_ = new QCheckBox(tr("Has note"));
    hasNote_->setToolTip(tr("Only samples with a note"));
    fillMarks();
    // Dataset names can be long: their width would be the bar's minimum.
    for (QComboBox* c : {decision_, dataset_, mark_}) {
        c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        c->setMinimumContentsLength(10);
    }
    auto spin = [](double lo, double hi, double v) {
        auto* s = new QDoubleSpinBox;
        s->setRange(lo, hi);
        s->setDecimals(6);
        s->setSingleStep(0.0001);
        s->setValue(v);
        s->setSpecialValueText(QStringLiteral("–"));
        return s;
    };
    scoreMin_ = spin(0, 1, 0);
    scoreMax_ = spin(0, 1, 1);
    scoreMin_->setToolTip(tr("Lowest combined score shown"));
    scoreMax_->setToolTip(tr("Highest combined score shown"));
    ctxMin_ = new QSpinBox;
    ctxMax_ = new QSpinBox;
    for (QSpinBox* s : {ctxMin_, ctxMax_}) {
        s->setRange(0, 10'000'000);
        s->setSingleStep(1000);
        s->setToolTip(tr("Context tokens (after truncation)"));
    }
    ctxMax_->setValue(10'000'000);
    auto* clear = new QToolButton;
    clear->setText(tr("Clear"));
    clear->setToolTip(tr("Clear the search and every filter"));

    firstRow_->addWidget(search_, 3);
    firstRow_->addWidget(searchState_);
    firstRow_->addWidget(decision_);
    firstRow_->addWidget(dataset_);
    firstRow_->addWidget(mark_);
    firstRow_->addWidget(hasNote_);
    ranges_ = new QWidget;
    auto* range = new QHBoxLayout(ranges_);
    range->setContentsMargins(0, 0, 0, 0);
    range->addWidget(new QLabel(tr("Score")));
    range->addWidget(scoreMin_);
    range->addWidget(new QLabel(QStringLiteral("–")));
    range->addWidget(scoreMax_);
    range->addWidget(new QLabel(tr("Context")));
    range->addWidget(ctxMin_);
    range->addWidget(new QLabel(QStringLiteral("–")));
    range->addWidget(ctxMax_);
    range->addWidget(clear);
    firstRow_->addWidget(ranges_);

    connect(search_, &QLineEdit::returnPressed, this, [this] { search(search_->text()); });
    connect(search_, &QLineEdit::textChanged, this, [this](const QString& t) {
        if (t.isEmpty()) search(QString());
    });
    for (auto* c : {decision_, dataset_, mark_}) connect(c, &QComboBox::currentIndexChanged, this, &FilterBar::rebuild);
    connect(hasNote_, &QCheckBox::toggled, this, &FilterBar::rebuild);
    for (auto* s : {scoreMin_, scoreMax_}) connect(s, &QDoubleSpinBox::valueChanged, this, &FilterBar::rebuild);
    for (auto* s : {ctxMin_, ctxMax_}) connect(s, &QSpinBox::valueChanged, this, &FilterBar::rebuild);
    connect(clear, &QToolButton::clicked, this, [this] {
        search_->clear();
        decision_->setCurrentIndex(0);
        dataset_->setCurrentIndex(0);
        mark_->setCurrentIndex(0);
        hasNote_->setChecked(false);
        scoreMin_->setValue(0);
        scoreMax_->setValue(1);
        ctxMin_->setValue(0);
        ctxMax_->setValue(10'000'000);
    });
}

bool FilterBar::twoRows() const { return secondRow_->indexOf(ranges_) >= 0; }

int FilterBar::twoRowWidth() const {
    const int gap = firstRow_->spacing() * 4;
    const int first = kMinSearchWidth + searchState_->sizeHint().width() + decision_->minimumSizeHint().width() +
                      dataset_->minimumSizeHint().width() + mark_->minimumSizeHint().width() +
                      hasNote_->sizeHint().width() + gap + firstRow_->spacing() * 2;
    return std::max(first, ranges_->minimumSizeHint().width());
}

QSize FilterBar::minimumSizeHint() const {
    // The layout's minimum is that of its current arrangement; the bar can always wrap.
    QSize s = QWidget::minimumSizeHint();
    s.setWidth(std::min(s.width(), twoRowWidth()));
    return s;
}

void FilterBar::resizeEvent(QResizeEvent* e) {
    QWidget::resizeEvent(e);
    // One row when the search box keeps a useful width next to everything; else the ranges
    // go to a second row (a laptop next to the inspector).
    const int oneRow = kMinSearchWidth * 3 / 2 + searchState_->sizeHint().width() + decision_->sizeHint().width() +
                       dataset_->sizeHint().width() + mark_->sizeHint().width() + hasNote_->sizeHint().width() +
                       ranges_->sizeHint().width() + firstRow_->spacing() * 7;
    const bool wide = e->size().width() >= oneRow;
    if (wide == (firstRow_->indexOf(ranges_) >= 0)) return;
    if (wide) {
        secondRow_->removeWidget(ranges_);
        while (QLayoutItem* stretch = secondRow_->takeAt(0)) delete stretch;
        firstRow_->addWidget(ranges_);
    } else {
        firstRow_->removeWidget(ranges_);
        secondRow_->addWidget(ranges_);
        secondRow_->addStretch(1);
    }
}

void FilterBar::setProject(const QString& path) {
    project_ = path;
    TaskRunner::instance().drop(this, QStringLiteral("search"));
    search_->clear();
    filter_.searchIds.reset();
    rebuild();
}

void FilterBar::setDatasets(const QList<QPair<qint64, QString>>& datasets) {
    const qint64 current = dataset_->currentData().toLongLong();
    dataset_->blockSignals(true);
    dataset_->clear();
    dataset_->addItem(tr("All datasets"), 0);
    for (const auto& d : datasets) dataset_->addItem(d.second, d.first);
    const int at = dataset_->findData(current);
    dataset_->setCurrentIndex(at < 0 ? 0 : at);
    dataset_->blockSignals(false);
    rebuild();
}

void FilterBar::setLabelSet(const std::vector<std::string>& labels) {
    labels_ = labels;
    fillMarks();
}

void FilterBar::setTags(const QStringList& tags) {
    if (tags == tags_) return;
    tags_ = tags;
    fillMarks();
}

void FilterBar::fillMarks() {
    // Item data "L:name" / "T:name"; the choice survives a refill when it still exists.
    const QString current = mark_->currentData().toString();
    mark_->blockSignals(true);
    mark_->clear();
    mark_->addItem(tr("Any labels"), QString());
    mark_->addItem(tr("No label or tag"), QStringLiteral("-"));
    // An item here, not a check box: the bar's width is what lets the window fit a laptop.
    mark_->addItem(tr("Near-duplicates"), QStringLiteral("N"));
    mark_->setItemData(2, tr("Samples that nearly repeat another (the same long document asked again, a lightly "
                             "edited copy): both the earlier one and its near copies. `gateau near-duplicates` "
                             "lists the groups"), Qt::ToolTipRole);
    for (const auto& l : labels_) mark_->addItem(tr("label: %1").arg(QString::fromStdString(l)), "L:" + QString::fromStdString(l));
    for (const QString& t : tags_) mark_->addItem(QLatin1Char('#') + t, "T:" + t);
    const int at = mark_->findData(current);
    mark_->setCurrentIndex(at < 0 ? 0 : at);
    mark_->blockSignals(false);
    if (at < 0 && !current.isEmpty()) rebuild();
}

void FilterBar::rebuild() {
    filter_.decision = BrowserFilter::Decision(decision_->currentIndex());
    const QString mark = mark_->currentData().toString();
    filter_.hasNote = hasNote_->isChecked();
    filter_.nearDuplicates = mark == "N";
    filter_.mark = mark.isEmpty() || mark == "N" ? BrowserFilter::Mark::Any
                   : mark == "-"         ? BrowserFilter::Mark::Unlabelled
                   : mark.startsWith("L:") ? BrowserFilter::Mark::Label
                                         : BrowserFilter::Mark::Tag;
    filter_.markName = mark.size() > 2 ? mark.mid(2).toStdString() : std::string();
    filter_.datasetId = dataset_->currentData().toLongLong();
    filter_.scoreMin = scoreMin_->value() <= scoreMin_->minimum() ? -INFINITY : scoreMin_->value();
    filter_.scoreMax = scoreMax_->value() >= scoreMax_->maximum() ? INFINITY : scoreMax_->value();
    filter_.contextMin = ctxMin_->value();
    filter_.contextMax = ctxMax_->value() >= ctxMax_->maximum() ? INT64_MAX : ctxMax_->value();
    emit filterChanged(filter_);
}

void FilterBar::search(const QString& text) {
    static const QString kLane = QStringLiteral("search");
    emit searchChanged(text.trimmed());
    if (text.trimmed().isEmpty() || project_.isEmpty()) {
        TaskRunner::instance().drop(this, kLane);
        filter_.searchIds.reset();
        searchState_->clear();
        rebuild();
        return;
    }
    searchState_->setText(tr("searching…"));
    struct Found {
        std::vector<int64_t> ids;
        int64_t indexed = 0;
    };
    const std::string path = project_.toStdString(), words = text.toStdString();
    TaskRunner::instance().run<Found>(
        this, kLane,
        [path, words](const CancelToken& cancel) {
            Found f;
            // Writes the search index: a writable connection.
            auto store = db::ProjectStore::open(path, false);
            f.indexed = db::ensureSearchIndex(store, [&](int64_t, int64_t) { return !cancel.cancelled(); });
            if (!cancel.cancelled()) f.ids = db::searchSamples(store, words);
            return f;
        },
        [this](TaskResult<Found>& r) {
            if (r.status == TaskStatus::Cancelled) return;
            if (r.status == TaskStatus::Failed) {
                searchState_->setText(tr("search failed"));
                emit status(r.error);
                return;
            }
            filter_.searchIds.emplace(r.value.ids.begin(), r.value.ids.end());
            searchState_->setText(tr("%n match(es)", nullptr, int(r.value.ids.size())));
            if (r.value.indexed > 0) emit status(tr("Indexed %1 new samples for search").arg(r.value.indexed));
            rebuild();
        });
}

}  // namespace gateau::ui
