#pragma once
// The one way the GUI runs background work (issue 15, "Background work in the GUI, one
// way"): a task's work runs on the runner's pool, its done() on the GUI thread in the context
// of an owner QObject, and
//  - latest wins: a task started in the same (owner, lane) supersedes the one before, whose
//    token is cancelled and whose done() never runs (no generation counters at call sites);
//  - cancel(owner, lane) cancels the lane's task; its done() then runs with Cancelled;
//    drop(owner, lane) cancels it without a report;
//  - a Serial lane runs one task at a time: a task started while the lane's task still runs
//    waits for it (replacing, unreported, any task already waiting), so work that keeps state
//    between tasks (an SQLite connection, an engine) never runs twice at once, and a burst of
//    requests (alpha dragged) costs the one running plus the newest;
//  - an owner destroyed before the work ends gets no call;
//  - nothing outlives the application: the runner is a child of qApp and its destructor
//    cancels every task (but a Queue lane's, which it lets finish) and waits for the pool.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

namespace gateau::ui {

enum class TaskStatus { Finished, Failed, Cancelled };
// How a lane's tasks relate:
//  Overlap: latest wins; a superseded task may still be running beside the new one.
//  Serial: latest wins, and one task at a time (see above).
//  Queue: every task runs, one at a time, in the order started; none supersedes another and
//    none is dropped or cancelled when the runner goes: its destructor waits for the queue
//    (writes that must not be lost: a decision made just before the window closes).
//  Long: like Overlap, for work that holds its thread for hours (a scoring run): the pool
//    grows by one thread while it runs, so short tasks never queue behind it.
enum class LaneMode { Overlap, Serial, Queue, Long };

// What the work polls to stop early, and reports progress through. Copies share one flag.
class CancelToken {
public:
    using Progress = std::function<void(qint64 done, qint64 total)>;
    CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)), report_(std::make_shared<Progress>()) {}
    bool cancelled() const { return flag_->load(std::memory_order_relaxed); }
    void cancel() const { flag_->store(true); }
    // From the work: the task's onProgress runs on the GUI thread, unless the task was
    // cancelled or superseded, or its owner is gone, by then.
    void progress(qint64 done, qint64 total) const {
        if (*report_) (*report_)(done, total);
    }

private:
    friend class TaskRunner;
    std::shared_ptr<std::atomic<bool>> flag_;
    std::shared_ptr<Progress> report_;  // set before the work starts
};

template <class R>
struct TaskResult {
    TaskStatus status = TaskStatus::Finished;
    R value{};      // meaningful when Finished
    QString error;  // the exception's message when Failed
};

class TaskRunner : public QObject {
    Q_OBJECT
public:
    // The application's runner, made on first use as a child of qApp.
    static TaskRunner& instance();

    explicit TaskRunner(QObject* parent = nullptr);
    ~TaskRunner() override;  // cancels every task but Queue lanes', waits for all of them

    // work(token) on the pool; done(result) later on the GUI thread unless superseded or the
    // owner is gone. An empty lane never supersedes (and is never Serial). An exception from
    // work is Failed.
    template <class R>
    void run(QObject* owner, const QString& lane, std::function<R(const CancelToken&)> work,
             std::function<void(TaskResult<R>&)> done, LaneMode mode = LaneMode::Overlap,
             CancelToken::Progress onProgress = {}) {
        auto result = std::make_shared<TaskResult<R>>();
        start(
            owner, lane, [work = std::move(work), result](const CancelToken& t) { result->value = work(t); },
            [done = std::move(done), result](TaskStatus s, const QString& error) {
                result->status = s;
                result->error = error;
                if (done) done(*result);
            },
            mode, std::move(onProgress));
    }

    void cancel(QObject* owner, const QString& lane);
    // Cancels the lane's task and forgets it: its done() never runs (as when superseded).
    void drop(QObject* owner, const QString& lane);
    bool busy(QObject* owner, const QString& lane) const;  // the lane has a task whose done() has not run
    int pending() const { return int(live_.size()); }      // tasks whose completion is not yet handled
    // For tests: processes events until nothing is pending; false after `ms`.
    bool waitForIdle(int ms = 30000);

private:
    using Body = std::function<void(const CancelToken&)>;
    using Finish = std::function<void(TaskStatus, const QString&)>;
    using Lane = std::pair<const QObject*, QString>;

    struct Waiting {  // a Serial lane's next task, started when the running one ends
        quint64 id;
        QPointer<QObject> owner;
        Body body;
        Finish finish;
    };

    void start(QObject* owner, const QString& lane, Body body, Finish finish, LaneMode mode,
               CancelToken::Progress onProgress);
    void deliverProgress(quint64 id, const Lane& key, bool named, const QPointer<QObject>& owner, qint64 done,
                         qint64 total, const CancelToken::Progress& onProgress);
    void launch(quint64 id, const Lane& key, bool named, QPointer<QObject> owner, Body body, Finish finish);
    void complete(quint64 id, const Lane& lane, bool named, const QString& error, const Finish& finish, bool ownerAlive);

    // A finished task's report, handed from its worker to the GUI thread through a mutex
    // (which TSan sees) and a queued call by name (no functor whose captures the worker
    // would write after the hand-off).
    struct Completion {
        quint64 id;
        Lane lane;
        bool named;
        QString error;  // null: succeeded (or never ran)
        Finish finish;
        QPointer<QObject> ownerAlive;
    };
    void post(Completion c);                // on a worker
    Q_INVOKABLE void drainCompletions();    // on the GUI thread
    std::mutex completionsMutex_;
    std::deque<Completion> completions_;
    // A task's progress, handed over the same way (TSan reported the captures of the queued
    // functor this replaced: test_main_window's import). Every report is delivered, in order.
    struct Progressed {
        quint64 id;
        Lane lane;
        bool named;
        QPointer<QObject> ownerAlive;
        CancelToken::Progress onProgress;
        qint64 done, total;
    };
    void postProgress(Progressed p);        // on a worker
    Q_INVOKABLE void drainProgress();       // on the GUI thread
    std::mutex progressMutex_;
    std::deque<Progressed> progressed_;

    struct Queue;  // a Queue lane's pending work, drained in order by one pool task at a time
    void enqueue(quint64 id, const Lane& key, QPointer<QObject> owner, Body body, Finish finish);

    QThreadPool pool_;
    std::map<Lane, std::shared_ptr<Queue>> queues_;
    std::map<quint64, bool> durable_;  // Queue tasks (never cancelled by the destructor) and Long ones (true)
    std::map<quint64, CancelToken> live_;  // every task not yet completed, by id
    std::map<Lane, quint64> latest_;       // the newest task of every named lane
    std::map<Lane, quint64> serialRunning_;  // a Serial lane's task on the pool
    std::map<Lane, Waiting> serialWaiting_;
    quint64 nextId_ = 0;
};

}  // namespace gateau::ui
