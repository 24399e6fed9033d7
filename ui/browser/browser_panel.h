#pragma once
// The ranked browser: run, alpha and cut controls, filters, the table of scored samples
// with the selection boundary drawn, and keep / drop / clear / note as undoable commands.
#include "db/project_store.h"
#include "db/run_store.h"

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
    void setRuns(const std::vector<db::RunInfo>& runs, qint64 current);

    qint64 currentSampleId() const;
    void selectSamples(const QVector<qint64>& ids);  // e.g. brushed in a plot; does not emit selectionChanged
    void setDecision(db::Decision d);                 // on the current sample, undoable
    void setNote(const QString& note);                // on the current sample, undoable
    void moveCurrent(int delta);                      // next / previous row in view order

    QList<QAction*> sampleActions() const { return actions_; }
    QTableView* table() const { return table_; }
    RankedTableModel* model() const { return model_; }
    RankedFilterProxy* proxy() const { return proxy_; }
    FilterBar* filterBar() const { return filters_; }
    QSlider* alphaSlider() const { return alpha_; }
    QComboBox* cutMode() const { return cutMode_; }
    QDoubleSpinBox* cutValue() const { return cutValue_; }
    QLineEdit* noteEdit() const { return note_; }

signals:
    void runChosen(qint64 runId);
    void currentSampleChanged(qint64 sampleId);
    void selectionChanged(QVector<qint64> sampleIds);
    void status(QString message, bool error);

private:
    void applyCut();
    void updateSummary();
    void applyOverride(qint64 sampleId, db::Decision decision, const std::string& note);
    void syncNote();

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
};

}  // namespace gateau::ui
