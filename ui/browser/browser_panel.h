#pragma once
// The ranked browser: run, alpha and cut controls, filters, the table of scored samples
// with the selection boundary drawn, and keep / drop / clear / note as undoable commands.
#include "db/project_store.h"
#include "db/ranking_settings.h"
#include "db/run_store.h"
#include "ui/browser/override_command.h"

#include <QStringList>
#include <QVector>
#include <QWidget>

#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

class QAction;
class QMenu;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSlider;
class QTableView;
class QUndoStack;

namespace gateau::ui {

class AnnotationBar;
class FilterBar;
class RankedFilterProxy;
class RankedTableModel;
class RankingSession;
class ReviewWriter;

class BrowserPanel : public QWidget {
    Q_OBJECT
public:
    BrowserPanel(RankingSession* session, QUndoStack* undo, QWidget* parent = nullptr);

    // The project (empty: none). The panel holds no connection: review edits and the label
    // set are read and written by its ReviewWriter, off the GUI thread.
    void setProject(const std::string& path);
    // The dataset filter's choices (the complete ones); MainWindow reads them off the GUI thread.
    void setDatasets(const std::vector<db::DatasetInfo>& datasets);
    void setRuns(const std::vector<db::RunInfo>& runs, qint64 current);

    // The current row is what the inspector shows; it is always one of the highlighted
    // (selected) rows when any are.
    qint64 currentSampleId() const;
    // What an action applies to: the highlighted rows in view order, or the current row
    // when none is highlighted.
    QVector<qint64> highlightedSampleIds() const;
    // Highlights these samples (e.g. brushed in a plot); the first in view order becomes
    // current. Does not emit selectionChanged unless the highlight differs from `ids`.
    void selectSamples(const QVector<qint64>& ids);
    void setDecision(db::Decision d);   // on every highlighted sample, one undo step
    void setNote(const QString& note);  // on the current sample, undoable
    void moveCurrent(int delta);        // next / previous row in view order
    void commitNote();  // the note editor's text, if changed, as an undoable edit of its sample
    void nextUndecided();               // the next row in view order without a decision, wrapping
    // The next row of the queue without a decision, leaving the current one undecided; U then
    // passes over the skipped sample until the project is opened again.
    void skip();

    // Review annotations (browser_review.cpp). Each is one undo step over every highlighted
    // sample, except where it says "current".
    void toggleLabel(const QString& label);  // added to all, or removed from all when all have it
    void addTag(const QString& tag);
    void removeTag(const QString& tag);
    void setTagsOf(qint64 sampleId, const QStringList& tags);  // the tags edit of the current sample
    // Evidence of one sample: byte offsets into its context text; start < 0 removes it.
    void setEvidence(qint64 sampleId, qint64 start, qint64 end);
    const std::vector<std::string>& labelSet() const { return labelSet_; }
    // Shown at once, saved in the project off the GUI thread; a refused set is reported and
    // the stored one shown again.
    void setLabelSet(const std::vector<std::string>& labels);
    void editLabelSet();   // the label set dialog
    void askTag();         // T: a tag for the highlighted samples
    // The current state of a sample (decision, note, labels, tags, evidence); null when unknown.
    const OverrideState* reviewState(qint64 sampleId) const;
    // After K or D on one sample, the next row of the queue becomes current (default on;
    // remembered in the settings).
    bool autoAdvance() const;
    void setAutoAdvance(bool on);
    QString annotator() const { return annotator_; }
    void setAnnotator(const QString& name);  // kept in the settings

    QList<QAction*> sampleActions() const { return actions_; }
    // The decision filter on "To adjudicate" and its first row current (docs/review-team.md).
    void showAdjudicationQueue();
    QTableView* table() const { return table_; }
    RankedTableModel* model() const { return model_; }
    RankedFilterProxy* proxy() const { return proxy_; }
    FilterBar* filterBar() const { return filters_; }
    QSlider* alphaSlider() const { return alpha_; }
    QComboBox* cutMode() const { return cutMode_; }
    QDoubleSpinBox* cutValue() const { return cutValue_; }
    QLineEdit* noteEdit() const { return note_; }
    QLabel* summaryLabel() const { return summary_; }
    AnnotationBar* annotationBar() const { return annotationBar_; }
    QAction* autoAdvanceAction() const { return autoAdvance_; }

signals:
    void searchChanged(const QString& query);  // the filter bar's search, for the inspector's marks
    void runChosen(qint64 runId);
    void currentSampleChanged(qint64 sampleId);
    void selectionChanged(QVector<qint64> sampleIds);
    void status(QString message, bool error);
    // Labels, tags, evidence, decision or note of these samples changed (or were undone).
    void reviewChanged(QVector<qint64> sampleIds);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void applyCut();
    void updateSummary();
    // The project's alpha (db/ranking_settings.h): the slider follows it until the user moves it.
    void followProjectAlpha(double alpha);
    void saveAlphaAsProjectDefault();
    void applyOverrides(const std::vector<std::pair<qint64, OverrideState>>& states);
    void pushOverrides(std::vector<OverrideChange> changes);
    void setNoteOf(qint64 sampleId, const QString& note);
    void syncNote();    // the editor shows the current sample's stored note
    void makeCurrent(const QModelIndex& proxyIndex);
    QModelIndex proxyIndexOf(qint64 sampleId) const;
    void rememberPlace();
    QString settingsKey(const char* name) const;
    void saveReviewState();
    void restoreReviewState();
    void restorePlace();
    void applyPendingMark();
    // One undoable edit: `change` applied to the state of every sample in ids.
    void editSamples(const QVector<qint64>& ids, const std::function<void(OverrideState&)>& change, const QString& text);
    OverrideState stateOf(int inputIndex) const;
    void showOverrides(const std::vector<std::pair<qint64, OverrideState>>& states);  // table, note, bar
    void buildReviewActions();
    void rebuildLabelActions();
    void loadLabelSet();  // queued behind the writes; shown when read
    void showLabelSet(const std::vector<std::string>& labels);
    void syncAnnotationBar();
    qint64 nextInQueue(const QVector<qint64>& after) const;
    QStringList allTags() const;  // every tag in the run, for the filter  // the row after the last of these; -1 at the end

    RankingSession* session_;
    QUndoStack* undo_;
    std::string project_;  // empty: none open
    ReviewWriter* writer_;
    int writesInFlight_ = 0;  // review writes queued and not yet reported
    int labelWritesInFlight_ = 0;  // label-set writes queued and not yet reported
    QComboBox* run_;
    QSlider* alpha_;
    QLabel* alphaLabel_;
    QComboBox* cutMode_;
    QDoubleSpinBox* cutValue_;
    QLabel* summary_;
    FilterBar* filters_;
    QTableView* table_;
    RankedTableModel* model_;
    RankedFilterProxy* proxy_;
    QLineEdit* note_;
    QLabel* noteLabel_;
    QList<QAction*> actions_;
    bool brushing_ = false;
    qint64 noteSampleId_ = -1;  // whose note the editor holds
    qint64 resumeSampleId_ = -1;  // current sample of the project's last session
    bool restoring_ = false;
    double projectAlpha_ = db::kDefaultAlpha;
    // Before a layout change (re-rank, filter, decision): the current row and the samples
    // after it, so that a current row filtered away hands its place to the next one.
    int placeRow_ = -1;
    std::vector<qint64> placeIds_;
    // Review annotations.
    AnnotationBar* annotationBar_;
    QAction* autoAdvance_ = nullptr;
    QMenu* labelMenu_ = nullptr;
    QList<QAction*> labelActions_;
    std::vector<std::string> labelSet_;
    QString annotator_;
    std::unordered_set<qint64> skipped_;  // this session's skipped samples (U passes over them)
    mutable OverrideState stateCache_;
    QString pendingMark_;  // the saved label/tag filter, until its item exists
};

}  // namespace gateau::ui
