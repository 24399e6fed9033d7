#pragma once
// Review edits (decisions, notes, labels, tags, evidence, adjudications) and the label set
// reach the project off the GUI thread (issue 15): each OverrideCommand's redo/undo and each
// label-set edit becomes one task on the
// TaskRunner's Queue lane "review-write", so the edits land in the order they were made,
// one transaction each, on the writer's own connection. A Queue lane is never dropped: the
// runner's destructor (the application's exit) waits for it, so a decision made just before
// the window closes is stored.
#include "ui/browser/override_command.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gateau::ui {

// One sample's step: the state the table shows now and the state to write.
struct ReviewWrite {
    qint64 sampleId = 0;
    OverrideState now, then;
};

class ReviewWriter : public QObject {
    Q_OBJECT
public:
    explicit ReviewWriter(QObject* parent = nullptr);

    // The project later writes go to (empty: none). Writes already queued keep theirs.
    void setProject(const std::string& path);
    const std::string& project() const { return path_; }

    // Queues one edit, written in one transaction by `annotator`. done (GUI thread, unless
    // this writer is gone) gets each sample's votes as the store now reads them (who wrote
    // the adjudication, unnamed rows superseded), or the error when nothing was written.
    using Done = std::function<void(const std::vector<std::pair<qint64, db::TeamVotes>>& stored, const QString& error)>;
    void write(std::vector<ReviewWrite> edits, const std::string& annotator, Done done);

    // The label set, read or replaced (one transaction) in the same queue as the edits, so a
    // read sees every edit queued before it. done (GUI thread) gets the set as stored after
    // the task, or the error (a refused set: nothing written).
    using LabelsDone = std::function<void(const std::vector<std::string>& stored, const QString& error)>;
    void readLabelSet(LabelsDone done);
    void writeLabelSet(std::vector<std::string> labels, LabelsDone done);

    // The project's ranking alpha (db/ranking_settings.h), read or stored in the same queue.
    using AlphaDone = std::function<void(double stored, const QString& error)>;
    void readProjectAlpha(AlphaDone done);
    void writeProjectAlpha(double alpha, AlphaDone done);

private:
    struct Connection;
    // fn(store) in the queue on this writer's connection; its result or error to done.
    template <class T>
    void storeTask(std::function<T(db::ProjectStore&)> fn, std::function<void(const T&, const QString&)> done);
    std::string path_;
    std::shared_ptr<Connection> connection_;  // opened by the first write, on the worker
};

}  // namespace gateau::ui
