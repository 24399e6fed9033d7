// BrowserPanel's review edits: decisions, notes, labels, tags and evidence as undoable
// commands over the highlighted samples, auto-advance and skip. Apart from browser_panel.cpp,
// which lays out the panel and keeps the current row.
#include "db/annotations.h"
#include "db/sqlite.h"
#include "ui/browser/annotation_bar.h"
#include "ui/browser/browser_panel.h"
#include "ui/browser/review_writer.h"
#include "ui/browser/filter_bar.h"
#include "ui/browser/ranked_filter_proxy.h"
#include "ui/browser/ranked_table_model.h"
#include "ui/browser/ranking_session.h"

#include <QAction>
#include <QComboBox>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QTableView>
#include <QUndoStack>

#include <algorithm>

namespace gateau::ui {

namespace {
const char* kAutoAdvanceKey = "review/autoAdvance";
const char* kAnnotatorKey = "review/annotator";

void insertSorted(std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.insert(std::lower_bound(v.begin(), v.end(), s), s);
}
void erase(std::vector<std::string>& v, const std::string& s) { v.erase(std::remove(v.begin(), v.end(), s), v.end()); }

// K / D / C by `who`: their own vote, or, where another annotator has decided the sample or
// it is adjudicated already (a merged project, docs/review-team.md), the lead's adjudication;
// C withdraws the adjudication and the annotators' consensus applies again.
void decide(OverrideState& s, db::Decision d, const std::string& who) {
    bool others = s.team.isAdjudicated();
    for (const auto& [name, v] : s.team.votes) others = others || (!name.empty() && name != who);
    if (others) {
        s.team.adjudicated = d;
        s.team.adjudicator = d == db::Decision::None ? std::string() : who;
        if (d == db::Decision::None) s.team.adjudicationNote.clear();
    } else {
        s.team.votes.erase("");  // adopted by who's row
        if (d == db::Decision::None) s.team.votes.erase(who);
        else s.team.votes[who] = d;
    }
    s.decision = s.team.effective();
}
}  // namespace

void BrowserPanel::buildReviewActions() {
    const QSettings settings;
    annotator_ = settings.value(kAnnotatorKey, QString::fromStdString(db::defaultAnnotator())).toString();
    auto add = [this](QAction* a) {
        a->setShortcutContext(Qt::WindowShortcut);
        actions_ << a;
        QWidget::addAction(a);
        return a;
    };
    QAction* skip = add(new QAction(tr("&Skip Sample"), this));
    skip->setShortcut(QKeySequence(Qt::Key_S));
    skip->setToolTip(tr("Next sample without a decision; this one stays undecided"));
    connect(skip, &QAction::triggered, this, &BrowserPanel::skip);
    QAction* tag = add(new QAction(tr("Add &Tag…"), this));
    tag->setShortcut(QKeySequence(Qt::Key_T));
    connect(tag, &QAction::triggered, this, &BrowserPanel::askTag);
    labelMenu_ = new QMenu(tr("&Labels"), this);
    actions_ << labelMenu_->menuAction();
    QAction* who = add(new QAction(tr("Annotator &Name…"), this));
    connect(who, &QAction::triggered, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Annotator"), tr("Your name, recorded with every decision, "
                                                                              "label, note and evidence span:"),
                                                   QLineEdit::Normal, annotator_, &ok);
        if (ok) setAnnotator(name);
    });
    autoAdvance_ = add(new QAction(tr("&Auto-Advance After a Decision"), this));
    autoAdvance_->setCheckable(true);
    autoAdvance_->setChecked(settings.value(kAutoAdvanceKey, true).toBool());
    connect(autoAdvance_, &QAction::toggled, this, [](bool on) { QSettings().setValue(kAutoAdvanceKey, on); });

    connect(annotationBar_, &AnnotationBar::labelClicked, this, &BrowserPanel::toggleLabel);
    connect(annotationBar_, &AnnotationBar::tagsEdited, this, &BrowserPanel::setTagsOf);
    connect(annotationBar_, &AnnotationBar::removeEvidence, this, [this](qint64 id) { setEvidence(id, -1, -1); });
    connect(annotationBar_, &AnnotationBar::editLabelSet, this, &BrowserPanel::editLabelSet);
    rebuildLabelActions();
}

bool BrowserPanel::autoAdvance() const { return autoAdvance_->isChecked(); }
void BrowserPanel::setAutoAdvance(bool on) { autoAdvance_->setChecked(on); }

void BrowserPanel::setAnnotator(const QString& name) {
    annotator_ = name.trimmed().isEmpty() ? QString::fromStdString(db::defaultAnnotator()) : name.trimmed();
    QSettings().setValue(kAnnotatorKey, annotator_);
}

void BrowserPanel::rebuildLabelActions() {
    for (QAction* a : labelActions_) {
        QWidget::removeAction(a);
        delete a;
    }
    labelActions_.clear();
    labelMenu_->clear();
    for (size_t i = 0; i < labelSet_.size(); ++i) {
        const QString name = QString::fromStdString(labelSet_[i]);
        auto* a = new QAction(tr("Label: %1").arg(name), this);
        if (i < 9) a->setShortcut(QKeySequence(Qt::Key_1 + int(i)));
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, [this, name] { toggleLabel(name); });
        QWidget::addAction(a);
        labelMenu_->addAction(a);
        labelActions_ << a;
    }
    labelMenu_->addSeparator();
    labelMenu_->addAction(tr("Edit Label Set…"), this, &BrowserPanel::editLabelSet);
    annotationBar_->setLabelSet(labelSet_);
    syncAnnotationBar();
}

void BrowserPanel::showLabelSet(const std::vector<std::string>& labels) {
    labelSet_ = labels;
    rebuildLabelActions();
    filters_->setLabelSet(labelSet_);
}

void BrowserPanel::loadLabelSet() {
    if (project_.empty()) return;
    const std::string project = project_;
    writer_->readLabelSet([this, project](const std::vector<std::string>& stored, const QString& error) {
        if (project != project_) return;  // another project opened meanwhile
        if (!error.isEmpty()) return emit status(tr("Could not read the label set: %1").arg(error), true);
        // A read queued behind a write still in flight would show an older set than the one
        // on screen; the last write's report shows the stored set.
        if (labelWritesInFlight_ == 0) showLabelSet(stored);
    });
}

void BrowserPanel::setLabelSet(const std::vector<std::string>& labels) {
    if (project_.empty()) return;
    showLabelSet(labels);  // at once; the write follows in the review queue, in order
    const std::string project = project_;
    ++labelWritesInFlight_;
    writer_->writeLabelSet(labels, [this, project](const std::vector<std::string>& stored, const QString& error) {
        if (project != project_) return;
        --labelWritesInFlight_;
        if (!error.isEmpty()) {
            emit status(tr("Could not save the label set: %1").arg(error), true);
            loadLabelSet();  // read behind every write queued so far: what the store holds
            return;
        }
        if (labelWritesInFlight_ == 0) showLabelSet(stored);
    });
}

void BrowserPanel::editLabelSet() {
    if (project_.empty()) return;
    if (auto labels = editLabelSetDialog(this, labelSet_)) setLabelSet(*labels);
}

OverrideState BrowserPanel::stateOf(int i) const {
    const db::RankInput& s = session_->inputs().samples[size_t(i)];
    return {s.decision, s.note, s.annotations, s.team};
}

const OverrideState* BrowserPanel::reviewState(qint64 sampleId) const {
    const int i = session_->hasRun() ? session_->indexOf(sampleId) : -1;
    if (i < 0) return nullptr;
    stateCache_ = stateOf(i);
    return &stateCache_;
}

void BrowserPanel::syncAnnotationBar() {
    const qint64 id = currentSampleId();
    annotationBar_->showState(id, reviewState(id));
}

void BrowserPanel::applyOverrides(const std::vector<std::pair<qint64, OverrideState>>& states) {
    if (project_.empty()) {
        emit status(tr("Could not save the review: no project open"), true);
        return;
    }
    // The table shows the edit at once; the write goes to the runner's Queue lane (never on
    // the GUI thread, never lost at exit) and, should it fail, the table goes back.
    std::vector<ReviewWrite> writes;
    std::vector<std::pair<qint64, OverrideState>> mirror, revert;
    writes.reserve(states.size());
    for (const auto& [id, st] : states) {
        const int i = session_->indexOf(id);
        if (i < 0) continue;
        const OverrideState now = stateOf(i);
        writes.push_back({id, now, st});
        mirror.emplace_back(id, st);
        revert.emplace_back(id, now);
    }
    ++writesInFlight_;
    writer_->write(std::move(writes), annotator_.toStdString(),
                   [this, revert](const std::vector<std::pair<qint64, db::TeamVotes>>& stored, const QString& error) {
                       --writesInFlight_;
                       if (!error.isEmpty()) {
                           emit status(tr("Could not save the review: %1").arg(error), true);
                           showOverrides(revert);
                           return;
                       }
                       if (writesInFlight_ > 0) return;  // a later edit's state is already shown
                       // The votes as the store reads them (who wrote the adjudication, unnamed
                       // rows superseded): the table shows what export would apply.
                       std::vector<std::pair<qint64, OverrideState>> fix;
                       for (const auto& [id, team] : stored) {
                           const int i = session_->indexOf(id);
                           if (i < 0) continue;
                           const OverrideState shown = stateOf(i);
                           if (!(shown.team == team))
                               fix.emplace_back(id, OverrideState{team.effective(), shown.note, shown.annotations, team});
                       }
                       if (!fix.empty()) showOverrides(fix);
                   });
    showOverrides(mirror);
}

void BrowserPanel::showOverrides(const std::vector<std::pair<qint64, OverrideState>>& states) {
    bool noteTouched = false;
    QVector<qint64> ids;
    std::vector<RankingSession::Override> mirror;
    mirror.reserve(states.size());
    for (const auto& [id, st] : states) {
        mirror.push_back({id, st.team.effective(), st.note, st.annotations, st.team});
        noteTouched = noteTouched || id == noteSampleId_;
        ids << id;
    }
    session_->setDecisions(mirror);
    // Text being typed is not overwritten by an undo or a decision; it is saved on leaving.
    if (noteTouched && !note_->isModified()) syncNote();
    syncAnnotationBar();
    emit reviewChanged(ids);
}

void BrowserPanel::pushOverrides(std::vector<OverrideChange> changes) {
    if (changes.empty()) return;
    undo_->push(new OverrideCommand([this](const auto& states) { applyOverrides(states); }, std::move(changes)));
}

void BrowserPanel::editSamples(const QVector<qint64>& ids, const std::function<void(OverrideState&)>& change,
                               const QString& text) {
    if (!session_->hasRun()) return;
    commitNote();
    std::vector<OverrideChange> changes;
    for (qint64 id : ids) {
        const int i = session_->indexOf(id);
        if (i < 0) continue;
        OverrideChange c{id, stateOf(i), stateOf(i)};
        change(c.after);
        if (!(c.before == c.after)) changes.push_back(std::move(c));
    }
    if (changes.empty()) return;
    undo_->push(new OverrideCommand([this](const auto& states) { applyOverrides(states); }, std::move(changes), text));
}

qint64 BrowserPanel::nextInQueue(const QVector<qint64>& after) const {
    int last = -1;
    for (qint64 id : after) last = std::max(last, proxyIndexOf(id).row());
    if (last < 0 || last + 1 >= proxy_->rowCount()) return -1;
    return proxy_->index(last + 1, 0).data(RankedTableModel::SampleIdRole).toLongLong();
}

void BrowserPanel::setDecision(db::Decision d) {
    const QVector<qint64> ids = highlightedSampleIds();
    // Auto-advance follows a decision on one sample: with several highlighted the highlight
    // stays, so the user sees what the bulk edit covered.
    const qint64 next = autoAdvance() && ids.size() == 1 && d != db::Decision::None ? nextInQueue(ids) : -1;
    const std::string who = annotator_.toStdString();
    editSamples(ids, [d, &who](OverrideState& s) { decide(s, d, who); }, QString());
    if (next >= 0) {
        const QModelIndex at = proxyIndexOf(next);
        if (at.isValid()) makeCurrent(at);
    }
}

void BrowserPanel::setNote(const QString& note) { setNoteOf(currentSampleId(), note); }

void BrowserPanel::setNoteOf(qint64 id, const QString& note) {
    const int i = session_->hasRun() ? session_->indexOf(id) : -1;
    if (i < 0) return;
    OverrideState before = stateOf(i), after = before;
    after.note = note.toStdString();
    if (before == after) return;
    pushOverrides({{id, before, after}});
}

void BrowserPanel::toggleLabel(const QString& label) {
    const std::string name = label.toStdString();
    const QVector<qint64> ids = highlightedSampleIds();
    bool all = !ids.isEmpty();
    for (qint64 id : ids) {
        const OverrideState* s = reviewState(id);
        all = all && s && std::count(s->annotations.labels.begin(), s->annotations.labels.end(), name);
    }
    const QString who = ids.size() == 1 ? tr("sample %1").arg(ids.front()) : tr("%1 samples").arg(ids.size());
    editSamples(ids, [&](OverrideState& s) { all ? erase(s.annotations.labels, name) : insertSorted(s.annotations.labels, name); },
                (all ? tr("Remove label \"%1\" from %2") : tr("Label %2 \"%1\"")).arg(label, who));
}

void BrowserPanel::addTag(const QString& tag) {
    std::string name;
    try {
        name = db::checkMarkName(tag.toStdString(), "tag");
    } catch (const std::exception& e) {
        emit status(QString::fromStdString(e.what()), true);
        return;
    }
    const QVector<qint64> ids = highlightedSampleIds();
    editSamples(ids, [&](OverrideState& s) { insertSorted(s.annotations.tags, name); },
                tr("Tag %1 sample(s) #%2").arg(ids.size()).arg(QString::fromStdString(name)));
    filters_->setTags(allTags());
}

void BrowserPanel::removeTag(const QString& tag) {
    const std::string name = tag.trimmed().toStdString();
    const QVector<qint64> ids = highlightedSampleIds();
    editSamples(ids, [&](OverrideState& s) { erase(s.annotations.tags, name); },
                tr("Remove tag #%1 from %2 sample(s)").arg(tag).arg(ids.size()));
}

void BrowserPanel::setTagsOf(qint64 sampleId, const QStringList& tags) {
    std::vector<std::string> names;
    try {
        for (const QString& t : tags) insertSorted(names, db::checkMarkName(t.toStdString(), "tag"));
    } catch (const std::exception& e) {
        emit status(QString::fromStdString(e.what()), true);
        syncAnnotationBar();
        return;
    }
    editSamples({sampleId}, [&](OverrideState& s) { s.annotations.tags = names; },
                tr("Edit tags of sample %1").arg(sampleId));
    filters_->setTags(allTags());
}

void BrowserPanel::setEvidence(qint64 sampleId, qint64 start, qint64 end) {
    if (start >= 0 && end <= start) return;
    editSamples({sampleId},
                [&](OverrideState& s) {
                    s.annotations.evidenceStart = start < 0 ? -1 : start;
                    s.annotations.evidenceEnd = start < 0 ? -1 : end;
                },
                start < 0 ? tr("Remove evidence of sample %1").arg(sampleId) : tr("Mark evidence of sample %1").arg(sampleId));
}

void BrowserPanel::askTag() {
    const QVector<qint64> ids = highlightedSampleIds();
    if (ids.isEmpty() || !session_->hasRun()) return;
    bool ok = false;
    const QString tag = QInputDialog::getText(this, tr("Add Tag"), tr("Tag for %n highlighted sample(s):", nullptr, int(ids.size())),
                                              QLineEdit::Normal, QString(), &ok);
    if (ok && !tag.trimmed().isEmpty()) addTag(tag);
}

QStringList BrowserPanel::allTags() const {
    QStringList out;
    if (!session_->hasRun()) return out;
    std::vector<std::string> names;
    for (const auto& s : session_->inputs().samples)
        for (const auto& t : s.annotations.tags) insertSorted(names, t);
    for (const auto& n : names) out << QString::fromStdString(n);
    return out;
}

void BrowserPanel::showAdjudicationQueue() {
    filters_->decisionCombo()->setCurrentIndex(int(BrowserFilter::Decision::ToAdjudicate));
    if (proxy_->rowCount() > 0) makeCurrent(proxy_->index(0, 0));
    else emit status(tr("Nothing to adjudicate: no sample whose annotators disagree is undecided"), false);
    table_->setFocus();
}

void BrowserPanel::skip() {
    const qint64 id = currentSampleId();
    if (id >= 0) skipped_.insert(id);
    const int rows = proxy_->rowCount();
    const int from = table_->currentIndex().row();
    for (int r = from + 1; r < rows; ++r) {
        const QModelIndex at = proxy_->index(r, 0);
        const qint64 other = at.data(RankedTableModel::SampleIdRole).toLongLong();
        const int i = session_->indexOf(other);
        if (i >= 0 && session_->inputs().samples[size_t(i)].decision == db::Decision::None && !skipped_.count(other))
            return makeCurrent(at);
    }
    emit status(tr("No undecided sample after this one in view"), false);
}

}  // namespace gateau::ui
