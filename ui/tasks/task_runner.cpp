#include "ui/tasks/task_runner.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPointer>
#include <QThread>

#include <deque>
#include <exception>
#include <mutex>

// Qt's locks are futexes in the uninstrumented libQt6Core, so TSan cannot see that handing a
// task to the pool (and its completion back to the GUI thread) orders the two threads; it
// reported the work's captures as raced (test_task_runner under packaging/sanitize.sh tsan).
// These annotations state the ordering Qt already provides; elsewhere they compile to nothing.
#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#define GATEAU_HANDOFF_RELEASE() __tsan_release(&handoff)
#define GATEAU_HANDOFF_ACQUIRE() __tsan_acquire(&handoff)
#else
#define GATEAU_HANDOFF_RELEASE() ((void)0)
#define GATEAU_HANDOFF_ACQUIRE() ((void)0)
#endif

namespace gateau::ui {

namespace {
[[maybe_unused]] char handoff;  // only its address is used, as TSan's sync object

// Runs a task's body; returns its error, or a null string when it succeeded.
QString runGuarded(const std::function<void(const CancelToken&)>& body, const CancelToken& token) {
    try {
        body(token);
        return QString();
    } catch (const std::exception& e) {
        const QString what = QString::fromUtf8(e.what());
        return what.isEmpty() ? QStringLiteral("failed") : what;
    } catch (...) {
        return QStringLiteral("unknown error");
    }
}
}  // namespace

TaskRunner& TaskRunner::instance() {
    // Parented to qApp, so ~QCoreApplication destroys it (and waits for its work) while
    // everything the work touches still exists; a QPointer notices a destroyed application.
    static QPointer<TaskRunner> runner;
    Q_ASSERT(QThread::currentThread() == qApp->thread());
    if (!runner) runner = new TaskRunner(qApp);
    return *runner;
}

TaskRunner::TaskRunner(QObject* parent) : QObject(parent) {
    // At least 4 even on 2 cores: an import or a token-level forward pass holds a thread for
    // minutes, and a sample's load or a re-rank must not queue behind it. At most 8: the pool
    // runs SQL, file reads and ranking; the scoring jobs have their own threads.
    pool_.setMaxThreadCount(std::max(4, std::min(8, QThread::idealThreadCount())));
}

struct TaskRunner::Queue {
    std::mutex m;
    std::deque<std::function<void()>> items;
    bool draining = false;  // a pool task is running the items
};

TaskRunner::~TaskRunner() {
    for (auto& [id, token] : live_)
        if (!durable_.count(id) || durable_[id]) token.cancel();  // Queue work runs to the end
    serialWaiting_.clear();
    // Queued work that was not started finds its token cancelled and skips its body; a Queue
    // lane's drainer is never removed from the pool, so its writes all land.
    pool_.waitForDone();
}

void TaskRunner::enqueue(quint64 id, const Lane& key, QPointer<QObject> ownerAlive, Body body, Finish finish) {
    auto& q = queues_[key];
    if (!q) q = std::make_shared<Queue>();
    const CancelToken token = live_.at(id);
    // The destructor waits for the pool, so the runner outlives every worker that posts to it.
    std::function<void()> item = [runner = this, id, key, token, ownerAlive, body = std::move(body),
                                  finish = std::move(finish)] {
        runner->post({id, key, false, runGuarded(body, token), finish, ownerAlive});
    };
    bool startDrainer = false;
    {
        std::lock_guard<std::mutex> lk(q->m);
        q->items.push_back(std::move(item));
        if (!q->draining) startDrainer = q->draining = true;
    }
    if (!startDrainer) return;
    // Built before the release, so that its captures are covered by it.
    std::function<void()> drainer = [q] {
        GATEAU_HANDOFF_ACQUIRE();
        for (;;) {
            std::function<void()> next;
            {
                std::lock_guard<std::mutex> lk(q->m);
                if (q->items.empty()) {
                    q->draining = false;
                    return;
                }
                next = std::move(q->items.front());
                q->items.pop_front();
            }
            next();
        }
    };
    GATEAU_HANDOFF_RELEASE();
    pool_.start(std::move(drainer));
}

void TaskRunner::start(QObject* owner, const QString& lane, Body body, Finish finish, LaneMode mode,
                       CancelToken::Progress onProgress) {
    Q_ASSERT(owner);
    const quint64 id = ++nextId_;
    // "named" below: the lane has a latest task that supersedes (a Queue lane has none).
    const bool named = !lane.isEmpty() && mode != LaneMode::Queue;
    const Lane key{owner, lane};
    if (named) {
        auto it = latest_.find(key);
        if (it != latest_.end()) {  // latest wins: the one before stops and is never reported
            auto old = live_.find(it->second);
            if (old != live_.end()) old->second.cancel();
        }
        latest_[key] = id;
    }
    CancelToken token;
    if (onProgress) {
        // The runner outlives every worker (its destructor waits for the pool), so the work may
        // post to it.
        QPointer<QObject> ownerAlive(owner);
        *token.report_ = [this, id, key, named, ownerAlive, onProgress](qint64 done, qint64 total) {
            postProgress({id, key, named, ownerAlive, onProgress, done, total});
        };
    }
    live_[id] = token;
    if (mode == LaneMode::Queue) {  // every task runs and is reported
        Q_ASSERT(!lane.isEmpty());
        durable_[id] = false;
        enqueue(id, key, owner, std::move(body), std::move(finish));
        return;
    }
    if (mode == LaneMode::Long) {
        durable_[id] = true;
        pool_.setMaxThreadCount(pool_.maxThreadCount() + 1);
    }
    if (named && mode == LaneMode::Serial) {
        if (serialRunning_.count(key)) {
            auto w = serialWaiting_.find(key);
            if (w != serialWaiting_.end()) live_.erase(w->second.id);  // never started, never reported
            serialWaiting_[key] = Waiting{id, owner, std::move(body), std::move(finish)};
            return;
        }
        serialRunning_[key] = id;
    }
    launch(id, key, named, owner, std::move(body), std::move(finish));
}

void TaskRunner::launch(quint64 id, const Lane& key, bool named, QPointer<QObject> ownerAlive, Body body,
                        Finish finish) {
    const CancelToken token = live_.at(id);
    // Built before the release, so that its captures are covered by it. The destructor waits
    // for the pool, so the runner outlives every worker that posts to it.
    std::function<void()> job = [runner = this, id, key, named, token, ownerAlive, body = std::move(body),
                                 finish = std::move(finish)] {
        GATEAU_HANDOFF_ACQUIRE();
        runner->post({id, key, named, token.cancelled() ? QString() : runGuarded(body, token), finish, ownerAlive});
    };
    GATEAU_HANDOFF_RELEASE();
    pool_.start(std::move(job));
}

void TaskRunner::post(Completion c) {
    {
        std::lock_guard<std::mutex> lk(completionsMutex_);
        completions_.push_back(std::move(c));
    }
    QMetaObject::invokeMethod(this, "drainCompletions", Qt::QueuedConnection);
}

void TaskRunner::postProgress(Progressed p) {
    bool drainQueued;
    {
        std::lock_guard<std::mutex> lk(progressMutex_);
        drainQueued = !progressed_.empty();  // the queued drain takes this one too
        progressed_.push_back(std::move(p));
    }
    if (!drainQueued) QMetaObject::invokeMethod(this, "drainProgress", Qt::QueuedConnection);
}

void TaskRunner::drainProgress() {
    std::deque<Progressed> ready;
    {
        std::lock_guard<std::mutex> lk(progressMutex_);
        ready.swap(progressed_);
    }
    for (const Progressed& p : ready)
        deliverProgress(p.id, p.lane, p.named, p.ownerAlive, p.done, p.total, p.onProgress);
}

void TaskRunner::drainCompletions() {
    std::deque<Completion> ready;
    {
        std::lock_guard<std::mutex> lk(completionsMutex_);
        ready.swap(completions_);
    }
    for (const Completion& c : ready) complete(c.id, c.lane, c.named, c.error, c.finish, !c.ownerAlive.isNull());
}

void TaskRunner::complete(quint64 id, const Lane& key, bool named, const QString& error, const Finish& finish,
                          bool ownerAlive) {
    auto running = serialRunning_.find(key);
    if (running != serialRunning_.end() && running->second == id) {  // the lane's waiting task may start
        serialRunning_.erase(running);
        auto w = serialWaiting_.find(key);
        if (w != serialWaiting_.end()) {
            Waiting next = std::move(w->second);
            serialWaiting_.erase(w);
            if (live_.count(next.id) && next.owner) {
                serialRunning_[key] = next.id;
                launch(next.id, key, named, next.owner, std::move(next.body), std::move(next.finish));
            } else {  // its owner is gone: the work would touch a destroyed object
                live_.erase(next.id);
                if (latest_.count(key) && latest_[key] == next.id) latest_.erase(key);
            }
        }
    }
    auto d = durable_.find(id);
    if (d != durable_.end()) {
        if (d->second) pool_.setMaxThreadCount(pool_.maxThreadCount() - 1);  // a Long task's thread
        durable_.erase(d);
    }
    auto it = live_.find(id);
    if (it == live_.end()) return;
    const bool cancelled = it->second.cancelled();
    live_.erase(it);
    if (named) {
        auto l = latest_.find(key);
        if (l == latest_.end() || l->second != id) return;  // superseded: never reported
        latest_.erase(l);
    }
    if (!ownerAlive) return;
    finish(cancelled ? TaskStatus::Cancelled : error.isEmpty() ? TaskStatus::Finished : TaskStatus::Failed, error);
}

void TaskRunner::deliverProgress(quint64 id, const Lane& key, bool named, const QPointer<QObject>& owner, qint64 done,
                                 qint64 total, const CancelToken::Progress& onProgress) {
    auto it = live_.find(id);
    if (it == live_.end() || it->second.cancelled() || !owner) return;
    if (named) {
        auto l = latest_.find(key);
        if (l == latest_.end() || l->second != id) return;
    }
    onProgress(done, total);
}

void TaskRunner::cancel(QObject* owner, const QString& lane) {
    auto l = latest_.find(Lane{owner, lane});
    if (l == latest_.end()) return;
    auto it = live_.find(l->second);
    if (it != live_.end()) it->second.cancel();
}

void TaskRunner::drop(QObject* owner, const QString& lane) {
    auto w = serialWaiting_.find(Lane{owner, lane});
    if (w != serialWaiting_.end()) {  // a waiting task is forgotten before it starts
        live_.erase(w->second.id);
        serialWaiting_.erase(w);
    }
    auto l = latest_.find(Lane{owner, lane});
    if (l == latest_.end()) return;
    auto it = live_.find(l->second);
    if (it != live_.end()) it->second.cancel();
    latest_.erase(l);
}

bool TaskRunner::busy(QObject* owner, const QString& lane) const { return latest_.count(Lane{owner, lane}) > 0; }

bool TaskRunner::waitForIdle(int ms) {
    QElapsedTimer t;
    t.start();
    while (!live_.empty()) {
        if (t.elapsed() > ms) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(1);
    }
    return true;
}

}  // namespace gateau::ui
