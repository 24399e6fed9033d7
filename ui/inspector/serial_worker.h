#pragma once
// One background thread running posted tasks in order: the inspector's loader and its
// token-level attention computation each own one, so the state a task keeps between runs
// (an SQLite connection, a tokenizer, an engine) only ever lives on that thread.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace gateau::ui {

class SerialWorker {
public:
    SerialWorker();
    // Drops pending tasks, waits for the running one, joins.
    ~SerialWorker();
    SerialWorker(const SerialWorker&) = delete;
    SerialWorker& operator=(const SerialWorker&) = delete;

    void post(std::function<void()> task);
    void dropPending();

private:
    void loop();

    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace gateau::ui
