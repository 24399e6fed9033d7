#pragma once
// The ranked browser: run, alpha and cut controls, filters, the table of scored samples
// with the selection boundary drawn, and keep / drop / clear / note as undoable commands.
#include "db/project_store.h"
#include "db/run_store.h"
#include "ui/browser/override_command.h"

#include <QVector>
#include <QWidget>

class QAction;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSlider;
class QTableView;
class QUndoStack;

namespace gateau::ui {

class FilterBar;
class RankedFilterProxy;
class RankedTableModel;
class RankingSession;

class BrowserPanel : public QWidget {
    Q_OBJECT
public:
    BrowserPanel(RankingSession* session, QUndoStack* undo, QWidget* parent = nullptr);

    // The GUI thread's connection, used for the small override writes.
    void setStore(db::ProjectStore* store);
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

    QList<QAction*> sampleActions() const { return actions_; }
    QTableView* table() const { return table_; }
    RankedTableModel* model() const { return model_; }
    RankedFilterProxy* proxy() const { return proxy_; }
    FilterBar* filterBar() const { return filters_; }
    QSlider* alphaSlider() const { return alpha_; }
    QComboBox* cutMode() const { return cutMode_; }
    QDoubleSpinBox* cutValue() const { return cutValue_; }
    QLineEdit* noteEdit() const { return note_; }
    QLabel* summaryLabel() const { return summary_; }

signals:
    void runChosen(qint64 runId);
    void currentSampleChanged(qint64 sampleId);
    void selectionChanged(QVector<qint64> sampleIds);
    void status(QString message, bool error);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void applyCut();
    void updateSummary();
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

    RankingSession* session_;
    QUndoStack* undo_;
    db::ProjectStore* store_ = nullptr;
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
    // Before a layout change (re-rank, filter, decision): the current row and the samples
    // after it, so that a current row filtered away hands its place to the next one.
    int placeRow_ = -1;
    std::vector<qint64> placeIds_;
};

}  // namespace gateau::ui
