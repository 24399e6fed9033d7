#include "ui/inspector/serial_worker.h"

namespace gateau::ui {

SerialWorker::SerialWorker() : thread_([this] { loop(); }) {}

SerialWorker::~SerialWorker() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
        tasks_.clear();
    }
    cv_.notify_all();
    thread_.join();
}

void SerialWorker::post(std::function<void()> task) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
}

void SerialWorker::dropPending() {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.clear();
}

void SerialWorker::loop() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
            if (stop_) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        task();  // tasks catch their own exceptions
    }
}

}  // namespace gateau::ui
