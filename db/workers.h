#pragma once
// Processes working on a project (docs/store.md "Several processes at once"). A running
// import or scoring job registers a row (host, pid, the pid's start time, heartbeat) so that
// another process can tell a live worker from one that was killed and take over what the
// dead one held: an interrupted import's rows, the samples a scorer had claimed.
#include "core/util/process_identity.h"
#include "db/sqlite.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace gateau::db {

// A worker on another host is taken for dead after this long without a heartbeat (its pid
// cannot be checked from here). Workers beat every kHeartbeatSeconds.
constexpr int kWorkerStaleSeconds = 120;
constexpr int kHeartbeatSeconds = 10;

// True unless worker `id` exists and runs: a worker of this host is dead once its process
// is gone, one of another host once its heartbeat is older than kWorkerStaleSeconds.
// Reads only; call inside the caller's transaction.
bool workerIsDead(Database& db, int64_t id);

// Deletes the rows of dead workers (their claims go with them; an import they were running
// keeps its rows with worker_id NULL, an orphan). Runs in the caller's transaction.
void reapDeadWorkers(Database& db);
// Deletes one worker's row the same way, dead or not (its end, or a takeover).
void forgetWorker(Database& db, int64_t id);

class WorkerLease {
public:
    // Registers this process as a worker doing `task` ("import", "score"), in its own
    // transaction, after reaping dead workers.
    WorkerLease(Database& db, const std::string& task);
    ~WorkerLease();  // deletes the row (and, by cascade, whatever it still claims)
    WorkerLease(const WorkerLease&) = delete;
    WorkerLease& operator=(const WorkerLease&) = delete;

    int64_t id() const { return id_; }
    // Updates heartbeat_at at most every kHeartbeatSeconds; cheap to call often.
    void heartbeat();

private:
    Database& db_;
    int64_t id_ = 0;
    std::chrono::steady_clock::time_point lastBeat_;
};

}  // namespace gateau::db
