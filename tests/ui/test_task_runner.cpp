// The GUI's one background-task mechanism (ui/tasks/task_runner.h): work off the GUI thread,
// done() on it, latest wins per lane, cancel, failures, owners that go away, and a runner
// that waits for its work when destroyed.
#include "ui/tasks/task_runner.h"

#include <QMutex>
#include <QSemaphore>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <stdexcept>

using namespace gateau::ui;

class TestTaskRunner : public QObject {
    Q_OBJECT
private slots:
    void workOffDoneOnTheGuiThread() {
        QObject owner;
        QThread* workThread = nullptr;
        QThread* doneThread = nullptr;
        int value = 0;
        TaskRunner::instance().run<int>(
            &owner, QString(),
            [&](const CancelToken&) {
                workThread = QThread::currentThread();
                return 42;
            },
            [&](TaskResult<int>& r) {
                doneThread = QThread::currentThread();
                QCOMPARE(r.status, TaskStatus::Finished);
                value = r.value;
            });
        QVERIFY(TaskRunner::instance().waitForIdle());
        QCOMPARE(value, 42);
        QVERIFY(workThread && workThread != qApp->thread());
        QCOMPARE(doneThread, qApp->thread());
    }

    // A second task in the same lane cancels the first, whose done() never runs.
    void latestWins() {
        QObject owner;
        QSemaphore started, release;
        std::atomic<bool> firstSawCancel{false};
        QStringList done;
        TaskRunner::instance().run<QString>(
            &owner, "lane",
            [&](const CancelToken& t) {
                started.release();
                release.acquire();
                firstSawCancel = t.cancelled();
                return QString("first");
            },
            [&](TaskResult<QString>& r) { done << r.value; });
        started.acquire();
        TaskRunner::instance().run<QString>(
            &owner, "lane", [](const CancelToken&) { return QString("second"); },
            [&](TaskResult<QString>& r) { done << r.value; });
        // Another lane and another owner are not superseded.
        QObject other;
        TaskRunner::instance().run<QString>(
            &owner, "other lane", [](const CancelToken&) { return QString("third"); },
            [&](TaskResult<QString>& r) { done << r.value; });
        TaskRunner::instance().run<QString>(
            &other, "lane", [](const CancelToken&) { return QString("fourth"); },
            [&](TaskResult<QString>& r) { done << r.value; });
        release.release();
        QVERIFY(TaskRunner::instance().waitForIdle());
        QVERIFY(firstSawCancel);
        done.sort();
        QCOMPARE(done, QStringList({"fourth", "second", "third"}));
    }

    // A Serial lane never runs two tasks at once; a burst while one runs costs the running one
    // plus the newest, and only the newest is reported.
    void serialLaneCoalesces() {
        QObject owner;
        QSemaphore started, release;
        std::atomic<int> running{0}, maxRunning{0};
        QStringList ran, done;
        QMutex ranMutex;
        auto task = [&](const QString& name, bool block) {
            return [&, name, block](const CancelToken&) {
                const int now = ++running;
                maxRunning = std::max(maxRunning.load(), now);
                {
                    QMutexLocker l(&ranMutex);
                    ran << name;
                }
                if (block) {
                    started.release();
                    release.acquire();
                }
                --running;
                return name;
            };
        };
        auto report = [&](TaskResult<QString>& r) { done << r.value; };
        TaskRunner::instance().run<QString>(&owner, "rank", task("first", true), report, LaneMode::Serial);
        started.acquire();
        for (const char* n : {"second", "third", "fourth"})
            TaskRunner::instance().run<QString>(&owner, "rank", task(n, false), report, LaneMode::Serial);
        QThread::msleep(50);  // an Overlap lane would have started them by now
        {
            QMutexLocker l(&ranMutex);
            QCOMPARE(ran, QStringList({"first"}));
        }
        release.release();
        QVERIFY(TaskRunner::instance().waitForIdle());
        QCOMPARE(ran, QStringList({"first", "fourth"}));
        QCOMPARE(done, QStringList({"fourth"}));
        QCOMPARE(maxRunning.load(), 1);
        QVERIFY(!TaskRunner::instance().busy(&owner, "rank"));

        // Dropping the lane forgets the waiting task too; an owner gone before its waiting
        // task starts gets neither the work nor the call.
        TaskRunner::instance().run<QString>(&owner, "rank", task("fifth", true), report, LaneMode::Serial);
        started.acquire();
        TaskRunner::instance().run<QString>(&owner, "rank", task("sixth", false), report, LaneMode::Serial);
        TaskRunner::instance().drop(&owner, "rank");
        auto* gone = new QObject;
        TaskRunner::instance().run<QString>(gone, "rank", task("seventh", true), report, LaneMode::Serial);
        started.acquire();
        TaskRunner::instance().run<QString>(gone, "rank", task("eighth", false), report, LaneMode::Serial);
        delete gone;
        release.release();
        release.release();
        QVERIFY(TaskRunner::instance().waitForIdle());
        QCOMPARE(ran, QStringList({"first", "fourth", "fifth", "seventh"}));
        QCOMPARE(done, QStringList({"fourth"}));
    }

    // Progress reaches the GUI thread while the task is current, and stops once it is dropped.
    void progressOnTheGuiThread() {
        QObject owner;
        QSemaphore reported, release;
        QList<qint64> seen;
        QThread* progressThread = nullptr;
        TaskRunner::instance().run<int>(
            &owner, "p",
            [&](const CancelToken& t) {
                t.progress(1, 3);
                t.progress(2, 3);
                reported.release();
                release.acquire();
                t.progress(3, 3);  // after the drop: never delivered
                return 0;
            },
            {}, LaneMode::Overlap,
            [&](qint64 done, qint64 total) {
                progressThread = QThread::currentThread();
                QCOMPARE(total, qint64(3));
                seen << done;
            });
        reported.acquire();
        QTRY_COMPARE(seen, QList<qint64>({1, 2}));
        QCOMPARE(progressThread, qApp->thread());
        TaskRunner::instance().drop(&owner, "p");
        release.release();
        QVERIFY(TaskRunner::instance().waitForIdle());
        QCOMPARE(seen, QList<qint64>({1, 2}));
    }

    void cancelIsReportedDropIsNot() {
        QObject owner;
        QSemaphore started, release;
        QList<TaskStatus> seen;
        auto blocked = [&](const CancelToken& t) {
            started.release();
            release.acquire();
            return t.cancelled() ? 0 : 1;
        };
        TaskRunner::instance().run<int>(&owner, "a", blocked, [&](TaskResult<int>& r) { seen << r.status; });
        started.acquire();
        QVERIFY(TaskRunner::instance().busy(&owner, "a"));
        TaskRunner::instance().cancel(&owner, "a");
        release.release();
        QVERIFY(TaskRunner::instance().waitForIdle());
        QCOMPARE(seen, QList<TaskStatus>{TaskStatus::Cancelled});
        QVERIFY(!TaskRunner::instance().busy(&owner, "a"));

        TaskRunner::instance().run<int>(&owner, "a", blocked, [&](TaskResult<int>& r) { seen << r.status; });
        started.acquire();
        TaskRunner::instance().drop(&owner, "a");
        release.release();
        QVERIFY(TaskRunner::instance().waitForIdle());
        QCOMPARE(seen.size(), 1);
    }

    void failureCarriesTheMessage() {
        QObject owner;
        TaskResult<int> got;
        TaskRunner::instance().run<int>(
            &owner, QString(), [](const CancelToken&) -> int { throw std::runtime_error("disk on fire"); },
            [&](TaskResult<int>& r) { got = r; });
        QVERIFY(TaskRunner::instance().waitForIdle());
        QCOMPARE(got.status, TaskStatus::Failed);
        QCOMPARE(got.error, QString("disk on fire"));
    }

    void goneOwnerGetsNoCall() {
        auto* owner = new QObject;
        QSemaphore started, release;
        bool called = false;
        TaskRunner::instance().run<int>(
            owner, "lane",
            [&](const CancelToken&) {
                started.release();
                release.acquire();
                return 1;
            },
            [&](TaskResult<int>&) { called = true; });
        started.acquire();
        delete owner;
        release.release();
        QVERIFY(TaskRunner::instance().waitForIdle());
        QVERIFY(!called);
    }

    // Nothing outlives the runner: its destructor cancels the work and waits for it.
    void destructionCancelsAndWaits() {
        auto* runner = new TaskRunner;
        QObject owner;
        QSemaphore started;
        std::atomic<bool> ended{false}, sawCancel{false};
        runner->run<int>(
            &owner, QString(),
            [&](const CancelToken& t) {
                started.release();
                while (!t.cancelled()) QThread::msleep(5);
                QThread::msleep(100);  // still busy after the cancel: the destructor must wait
                sawCancel = true;
                ended = true;
                return 0;
            },
            {});
        // Queued behind nothing, but never started once the runner is gone.
        started.acquire();
        delete runner;
        QVERIFY(ended);
        QVERIFY(sawCancel);
    }

    // A Queue lane runs every task, one at a time, in the order started, and reports each.
    void queueLaneRunsEveryTaskInOrder() {
        QObject owner;
        std::atomic<int> running{0}, maxRunning{0};
        QStringList ran, done;
        QMutex ranMutex;
        for (int i = 0; i < 20; ++i) {
            TaskRunner::instance().run<int>(
                &owner, "write",
                [&, i](const CancelToken&) {
                    const int now = ++running;
                    maxRunning = std::max(maxRunning.load(), now);
                    QThread::msleep(i % 3);
                    {
                        QMutexLocker l(&ranMutex);
                        ran << QString::number(i);
                    }
                    --running;
                    return i;
                },
                [&](TaskResult<int>& r) { done << QString::number(r.value); }, LaneMode::Queue);
        }
        QVERIFY(TaskRunner::instance().waitForIdle());
        QStringList expected;
        for (int i = 0; i < 20; ++i) expected << QString::number(i);
        QCOMPARE(ran, expected);
        QCOMPARE(done, expected);
        QCOMPARE(maxRunning.load(), 1);
    }

    // The runner's destruction (the application's exit) finishes a Queue lane, uncancelled,
    // also the tasks still waiting behind a slow one and those of an owner already gone.
    void destructionFinishesQueueLanes() {
        auto* runner = new TaskRunner;
        auto* owner = new QObject;
        QSemaphore started;
        std::atomic<int> written{0};
        std::atomic<bool> sawCancel{false};
        for (int i = 0; i < 5; ++i) {
            runner->run<int>(
                owner, "write",
                [&, i](const CancelToken& t) {
                    if (i == 0) {
                        started.release();
                        QThread::msleep(100);
                    }
                    if (t.cancelled()) sawCancel = true;
                    ++written;
                    return i;
                },
                {}, LaneMode::Queue);
        }
        started.acquire();
        delete owner;
        delete runner;
        QCOMPARE(written.load(), 5);
        QVERIFY(!sawCancel);
    }

    // A Long task (a scoring run) holds its thread for its lifetime without starving short
    // tasks: the pool grows by one while it runs. Fill every thread with Long tasks, then a
    // short one still runs.
    void longTasksDoNotStarveThePool() {
        QObject owner;
        QSemaphore started, release;
        const int n = std::max(4, std::min(8, QThread::idealThreadCount())) + 1;
        for (int i = 0; i < n; ++i)
            TaskRunner::instance().run<int>(
                &owner, QStringLiteral("long %1").arg(i),
                [&](const CancelToken&) {
                    started.release();
                    release.acquire();
                    return 0;
                },
                {}, LaneMode::Long);
        QVERIFY(started.tryAcquire(n, 10000));
        std::atomic<bool> shortRan{false};
        TaskRunner::instance().run<int>(
            &owner, "short", [&](const CancelToken&) { return int(shortRan = true); }, {});
        QTRY_VERIFY_WITH_TIMEOUT(shortRan.load(), 5000);
        release.release(n);
        QVERIFY(TaskRunner::instance().waitForIdle());
    }
};

QTEST_GUILESS_MAIN(TestTaskRunner)
#include "test_task_runner.moc"
