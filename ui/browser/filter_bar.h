#pragma once
// Search box and filters above the ranked table. Full-text search runs on a worker thread
// (indexing new samples first); the bar emits the complete filter when anything changes.
#include "ui/browser/ranked_filter_proxy.h"

#include <QStringList>
#include <QWidget>

#include <string>
#include <vector>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;
class QLabel;
class QHBoxLayout;

namespace gateau::ui {

class FilterBar : public QWidget {
    Q_OBJECT
public:
    explicit FilterBar(QWidget* parent = nullptr);
    void setProject(const QString& path);
    void setDatasets(const QList<QPair<qint64, QString>>& datasets);
    BrowserFilter filter() const { return filter_; }
    QLineEdit* searchEdit() const { return search_; }
    QComboBox* decisionCombo() const { return decision_; }
    // "Labels and tags" filter: any, none, near-duplicates, "label: X" for the project's labels, "#tag" for the run's tags.
    QComboBox* markCombo() const { return mark_; }
    QCheckBox* hasNoteBox() const { return hasNote_; }
    void setLabelSet(const std::vector<std::string>& labels);
    void setTags(const QStringList& tags);
    // Runs the search now (tests; Enter in the box does the same).
    void search(const QString& text);
    QSize minimumSizeHint() const override;
    bool twoRows() const;

signals:
    void filterChanged(const BrowserFilter& filter);
    void searchChanged(const QString& query);  // the words searched for; empty when cleared
    void status(const QString& message);

protected:
    void resizeEvent(QResizeEvent* e) override;

private:
    void rebuild();
    int twoRowWidth() const;  // the minimum with the ranges on a second row
    static constexpr int kMinSearchWidth = 160;

    QString project_;
    QLineEdit* search_;
    QComboBox* decision_;
    QComboBox* dataset_;
    QComboBox* mark_;
    QCheckBox* hasNote_;
    std::vector<std::string> labels_;
    QStringList tags_;
    void fillMarks();
    QDoubleSpinBox* scoreMin_;
    QDoubleSpinBox* scoreMax_;
    QSpinBox* ctxMin_;
    QSpinBox* ctxMax_;
    QLabel* searchState_;
    QHBoxLayout* firstRow_;
    QHBoxLayout* secondRow_;
    QWidget* ranges_;  // score and context ranges, Clear: on the first row or a second one
    BrowserFilter filter_;
};

}  // namespace gateau::ui
