#include "db/workers.h"

#include "core/util/process_identity.h"
#include "db/project_store.h"

#include <ctime>
#include <vector>

#include <unistd.h>

namespace gateau::db {

namespace {

// Seconds since an utcNow() timestamp ("2026-12-02T14:17:32.123Z"); huge when unparsable.
double secondsSince(const std::string& iso) {
    std::tm tm{};
    if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 1e18;
    return std::difftime(std::time(nullptr), timegm(&tm));
}

bool deadRow(const std::string& host, int64_t pid, const std::string& start, const std::string& heartbeat) {
    if (host == util::hostName()) return !util::processAlive(pid, start);
    return secondsSince(heartbeat) > kWorkerStaleSeconds;
}

}  // namespace

bool workerIsDead(Database& db, int64_t id) {
    auto st = db.prepare("SELECT host, pid, pid_start, heartbeat_at FROM workers WHERE id = ?1");
    st.bind(1, id);
    if (!st.step()) return true;
    return deadRow(st.text(0), st.int64(1), st.text(2), st.text(3));
}

void reapDeadWorkers(Database& db) {
    std::vector<int64_t> dead;
    {
        auto st = db.prepare("SELECT id, host, pid, pid_start, heartbeat_at FROM workers");
        while (st.step())
            if (deadRow(st.text(1), st.int64(2), st.text(3), st.text(4))) dead.push_back(st.int64(0));
    }
    for (int64_t id : dead) forgetWorker(db, id);
}

void forgetWorker(Database& db, int64_t id) {
    db.prepare("UPDATE datasets SET worker_id = NULL WHERE worker_id = ?1").bind(1, id).run();
    db.prepare("DELETE FROM workers WHERE id = ?1").bind(1, id).run();  // its claims cascade
}

WorkerLease::WorkerLease(Database& db, const std::string& task) : db_(db), lastBeat_(std::chrono::steady_clock::now()) {
    const int64_t pid = ::getpid();
    const std::string now = utcNow();
    Transaction tx(db_);
    reapDeadWorkers(db_);
    db_.prepare("INSERT INTO workers(host, pid, pid_start, task, started_at, heartbeat_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)")
        .bind(1, util::hostName()).bind(2, pid).bind(3, util::processStartTime(pid)).bind(4, task).bind(5, now).run();
    id_ = db_.lastInsertId();
    tx.commit();
}

WorkerLease::~WorkerLease() {
    try {
        Transaction tx(db_);
        forgetWorker(db_, id_);
        tx.commit();
    } catch (const std::exception&) {
        // A killed process leaves its row too; the next worker reaps it.
    }
}

void WorkerLease::heartbeat() {
    const auto now = std::chrono::steady_clock::now();
    if (now - lastBeat_ < std::chrono::seconds(kHeartbeatSeconds)) return;
    lastBeat_ = now;
    db_.prepare("UPDATE workers SET heartbeat_at = ?2 WHERE id = ?1").bind(1, id_).bind(2, utcNow()).run();
}

}  // namespace gateau::db
