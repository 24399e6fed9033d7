#include "db/importer.h"

#include "core/datasets/record_parser.h"
#include "core/util/sha256.h"
#include "core/util/text.h"
#include "db/workers.h"
#include "db/content_hash.h"
#include "db/near_duplicates.h"
#include "db/dataset_admin.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

namespace gateau::db {

namespace {

using datasets::Format;

struct Prepared {
    int64_t line;
    std::string externalId, raw, preview;
    int64_t turns, promptChars, responseChars;
    std::string contentHash;
    datasets::MinHashSignature minhash;  // computed here, on the reading thread
};

// Producer/consumer hand-off bounded by bytes so RSS stays flat on huge files.
class BoundedQueue {
public:
    explicit BoundedQueue(size_t maxBytes) : max_(maxBytes) {}
    bool push(std::vector<Prepared> batch, size_t bytes) {
        std::unique_lock lk(m_);
        notFull_.wait(lk, [&] { return bytes_ == 0 || bytes_ + bytes <= max_ || closed_; });
        if (closed_) return false;
        bytes_ += bytes;
        q_.emplace_back(std::move(batch), bytes);
        notEmpty_.notify_one();
        return true;
    }
    bool pop(std::vector<Prepared>& out) {
        std::unique_lock lk(m_);
        notEmpty_.wait(lk, [&] { return !q_.empty() || finished_ || closed_; });
        if (q_.empty()) return false;
        out = std::move(q_.front().first);
        bytes_ -= q_.front().second;
        q_.pop_front();
        notFull_.notify_one();
        return true;
    }
    void finish() {
        std::lock_guard lk(m_);
        finished_ = true;
        notEmpty_.notify_all();
    }
    void close() {  // consumer gives up: unblock the producer
        std::lock_guard lk(m_);
        closed_ = true;
        notFull_.notify_all();
        notEmpty_.notify_all();
    }

private:
    std::mutex m_;
    std::condition_variable notFull_, notEmpty_;
    std::deque<std::pair<std::vector<Prepared>, size_t>> q_;
    size_t bytes_ = 0, max_;
    bool finished_ = false, closed_ = false;
};

struct ProducerState {
    std::vector<datasets::StreamIssue> issues;
    int64_t errorCount = 0;
    Format detected = Format::Auto;
    std::string sha256;
    std::string fatal;  // an I/O error that stopped reading
    std::atomic<uint64_t> bytesRead{0};
    std::atomic<int64_t> errors{0};
};

void produce(const std::string& path, Format format, size_t maxIssues, const std::atomic<bool>* cancel,
             BoundedQueue& queue, ProducerState& st) {
    try {
        datasets::RecordStream stream(path);
        datasets::RecordParser parser;
        datasets::ParsedRecord rec;
        datasets::RawRecord raw;
        std::string error;
        std::vector<datasets::StreamIssue> streamIssues;
        std::vector<Prepared> batch;
        size_t batchBytes = 0;
        Format use = format;
        auto addIssue = [&](int64_t line, std::string msg) {
            ++st.errorCount;
            st.errors.store(st.errorCount, std::memory_order_relaxed);
            if (st.issues.size() < maxIssues) st.issues.push_back({line, std::move(msg)});
        };
        for (;;) {
            if (cancel && cancel->load()) break;
            bool more = stream.next(raw, streamIssues);
            for (auto& i : streamIssues) addIssue(i.line, std::move(i.message));
            streamIssues.clear();
            st.bytesRead.store(stream.bytesRead(), std::memory_order_relaxed);
            if (!more) break;
            if (!parser.parse(raw.text, use, rec, error)) {
                addIssue(raw.line, error);
                continue;
            }
            if (use == Format::Auto) use = st.detected = rec.format;  // the first good record decides
            const auto& conv = rec.conversation;
            Prepared p{raw.line,
                       std::move(rec.externalId),
                       std::string(raw.text),
                       util::oneLinePrefix(conv.instructionText(), 200),
                       int64_t(conv.turns.size()),
                       int64_t(conv.promptChars()),
                       int64_t(conv.responseChars()),
                       contentHash(conv),
                       datasets::minHash(conv)};
            batchBytes += p.raw.size() + 64;
            batch.push_back(std::move(p));
            if (batchBytes >= (8u << 20) || batch.size() >= 2000) {
                if (!queue.push(std::move(batch), batchBytes)) return;
                batch.clear();
                batchBytes = 0;
            }
        }
        if (!batch.empty()) queue.push(std::move(batch), batchBytes);
        if (format != Format::Auto) st.detected = format;
        if (!(cancel && cancel->load())) st.sha256 = stream.sha256();
    } catch (const std::exception& e) {
        st.fatal = e.what();
    }
    queue.finish();
}

std::string reportJson(const std::string& path, const ImportResult& r, int64_t totalIssues) {
    nlohmann::json j;
    j["file"] = path;
    j["format"] = r.format;
    j["records_ok"] = r.samples;
    j["records_failed"] = r.errors;
    j["bytes"] = r.bytes;
    j["seconds"] = r.seconds;
    j["mb_per_s"] = r.seconds > 0 ? double(r.bytes) / 1e6 / r.seconds : 0.0;
    j["issues_total"] = totalIssues;
    auto& issues = j["issues"] = nlohmann::json::array();
    for (const auto& i : r.issues) issues.push_back({{"line", i.line}, {"message", i.message}});
    j["duplicates"] = r.duplicates;
    j["near_duplicates"] = r.nearDuplicates;
    auto& dups = j["duplicate_examples"] = nlohmann::json::array();
    for (const auto& i : r.duplicateExamples) dups.push_back({{"line", i.line}, {"message", i.message}});
    auto& near = j["near_duplicate_examples"] = nlohmann::json::array();
    for (const auto& i : r.nearDuplicateExamples) near.push_back({{"line", i.line}, {"message", i.message}});
    return j.dump();
}

}  // namespace

ImportResult importDataset(ProjectStore& store, const std::string& path, const ImportOptions& opts) {
    namespace fs = std::filesystem;
    auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    std::error_code ec;
    if (!fs::exists(path, ec)) throw ImportError(path + ": no such file");
    if (fs::is_directory(path, ec)) throw ImportError(path + ": is a directory, not a dataset file");
    const std::string absPath = fs::absolute(path).lexically_normal().string();
    const int64_t size = int64_t(fs::file_size(path, ec));
    Database& db = store.db();
    ImportResult result;

    // A same-size dataset may be this very file: hash first so a re-import writes nothing.
    {
        auto same = db.prepare("SELECT id, sha256, format, sample_count FROM datasets WHERE status = 'complete' AND size_bytes = ?1");
        same.bind(1, size);
        std::string sha;
        while (same.step()) {
            if (sha.empty()) sha = util::sha256File(path);
            if (same.textView(1) == sha) {
                result.status = ImportResult::Status::AlreadyImported;
                result.datasetId = same.int64(0);
                result.format = same.text(2);
                result.samples = same.int64(3);
                result.seconds = elapsed();
                return result;
            }
        }
    }

    // The rows being imported name this worker, so that another import (of this file or
    // any) never takes them for the leftovers of a killed one.
    WorkerLease lease(db, "import");
    // Imports killed earlier (any file) left partial rows that nothing shows: remove them now.
    result.removedInterrupted = removeInterruptedImports(store);
    {
        Transaction tx(db);
        auto ins = db.prepare(
            "INSERT INTO datasets(path, name, size_bytes, format, status, imported_at, worker_id) "
            "VALUES (?1, ?2, ?3, ?4, 'importing', ?5, ?6)");
        ins.bind(1, absPath).bind(2, fs::path(path).filename().string()).bind(3, size)
            .bind(4, datasets::formatName(opts.format)).bind(5, utcNow()).bind(6, lease.id()).run();
        result.datasetId = db.lastInsertId();
        tx.commit();
    }

    BoundedQueue queue(64u << 20);
    ProducerState ps;
    std::thread producer(produce, path, opts.format, opts.maxStoredIssues, opts.cancel, std::ref(queue), std::ref(ps));

    auto insSample = db.prepare(
        "INSERT INTO samples(dataset_id, line, external_id, turns, prompt_chars, response_chars, preview, content_hash) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    // A record whose conversation is already in the project (any complete dataset, or earlier
    // in this file) is skipped and reported, not stored twice.
    auto seen = db.prepare(
        "SELECT s.dataset_id, s.line FROM samples s JOIN datasets d ON d.id = s.dataset_id "
        "WHERE s.content_hash = ?1 AND (d.status = 'complete' OR d.id = ?2) LIMIT 1");
    auto isDuplicate = [&](const Prepared& p) {
        seen.bindView(1, p.contentHash).bind(2, result.datasetId);
        const bool dup = seen.step();
        if (dup) {
            if (result.duplicates == 0) result.firstDuplicateOf = seen.int64(0);
            if (result.duplicateExamples.size() < 20)
                result.duplicateExamples.push_back(
                    {p.line, "already in the project (dataset #" + std::to_string(seen.int64(0)) + " line " +
                                 std::to_string(seen.int64(1)) + ")"});
            ++result.duplicates;
        }
        seen.reset();
        return dup;
    };
    auto insText = db.prepare("INSERT INTO sample_texts(sample_id, raw) VALUES (?1, ?2)");
    // Near-duplicates are kept (they are different samples) and reported; the browser filters them.
    NearDuplicateIndex nearDuplicates(db);
    auto addNearDuplicate = [&](int64_t sampleId, const Prepared& p) {
        const auto match = p.minhash.empty ? std::nullopt : nearDuplicates.best(p.minhash.values, sampleId, result.datasetId);
        nearDuplicates.add(sampleId, p.minhash, match);
        if (!match) return;
        if (result.nearDuplicateExamples.size() < 20) {
            char sim[16];
            std::snprintf(sim, sizeof sim, "%.2f", match->similarity);
            result.nearDuplicateExamples.push_back(
                {p.line, "near-duplicate of sample #" + std::to_string(match->sampleId) + " (similarity " + sim + ")"});
        }
        ++result.nearDuplicates;
    };
    // Not ON DELETE CASCADE: with many scores in the project it takes minutes (dataset_admin.cpp).
    auto dropDataset = [&] { deleteDatasetRows(db, result.datasetId); };

    try {
        std::vector<Prepared> batch;
        std::chrono::steady_clock::time_point lastReport{};  // report the first batch at once
        while (queue.pop(batch)) {
            if (opts.cancel && opts.cancel->load()) break;
            Transaction tx(db);
            int64_t stored = 0;
            for (auto& p : batch) {
                if (isDuplicate(p)) continue;
                ++stored;
                insSample.bind(1, result.datasetId).bind(2, p.line);
                if (p.externalId.empty()) insSample.bindNull(3);
                else insSample.bind(3, p.externalId);
                insSample.bind(4, p.turns).bind(5, p.promptChars).bind(6, p.responseChars).bind(7, p.preview)
                    .bindView(8, p.contentHash).run();
                const int64_t sampleId = db.lastInsertId();
                insText.bind(1, sampleId).bindView(2, p.raw).run();
                addNearDuplicate(sampleId, p);
            }
            tx.commit();
            lease.heartbeat();
            store.maintain();
            result.samples += stored;
            auto now = std::chrono::steady_clock::now();
            if (opts.progress && now - lastReport > std::chrono::milliseconds(100)) {
                lastReport = now;
                opts.progress({ps.bytesRead.load(), uint64_t(size), result.samples, ps.errors.load(), elapsed()});
            }
        }
    } catch (...) {
        queue.close();
        producer.join();
        try {  // best effort: the first error is the one to report
            dropDataset();
        } catch (const std::exception&) {
        }
        throw;
    }
    queue.close();
    producer.join();

    if (opts.cancel && opts.cancel->load()) {
        dropDataset();
        result.status = ImportResult::Status::Cancelled;
        result.seconds = elapsed();
        return result;
    }
    auto failWith = [&](const std::string& msg) {
        dropDataset();
        throw ImportError(msg);
    };
    if (!ps.fatal.empty()) failWith(ps.fatal);
    result.format = datasets::formatName(ps.detected);
    result.errors = ps.errorCount;
    result.issues = std::move(ps.issues);
    result.bytes = uint64_t(size);
    result.seconds = elapsed();
    if (result.samples == 0 && result.duplicates > 0) {  // every good record is already in the project
        dropDataset();
        result.status = ImportResult::Status::AlreadyImported;
        result.datasetId = result.firstDuplicateOf;
        return result;
    }
    if (result.samples == 0) {
        std::string why = result.issues.empty() ? "no records" : result.issues.front().message;
        if (!result.issues.empty() && result.issues.front().line > 0)
            why = "line " + std::to_string(result.issues.front().line) + ": " + why;
        failWith(path + ": no valid record imported (" + why + (result.errors > 1 ? ", and " + std::to_string(result.errors - 1) + " more problems)" : ")"));
    }
    result.reportJson = reportJson(absPath, result, result.errors);
    if (opts.progress) opts.progress({uint64_t(size), uint64_t(size), result.samples, result.errors, result.seconds});

    Transaction tx(db);
    auto dup = db.prepare("SELECT id FROM datasets WHERE status = 'complete' AND sha256 = ?1");
    dup.bind(1, ps.sha256);
    if (dup.step()) {  // the same content arrived meanwhile (another process): keep the first
        int64_t existing = dup.int64(0);
        dup.reset();
        tx.commit();
        dropDataset();
        result.status = ImportResult::Status::AlreadyImported;
        result.datasetId = existing;
        return result;
    }
    dup.reset();
    auto fin = db.prepare(
        "UPDATE datasets SET status = 'complete', sha256 = ?2, format = ?3, sample_count = ?4, error_count = ?5, "
        "report = ?6, worker_id = NULL WHERE id = ?1 AND worker_id = ?7 AND status = 'importing'");
    fin.bind(1, result.datasetId).bind(2, ps.sha256).bind(3, result.format).bind(4, result.samples)
        .bind(5, result.errors).bind(6, result.reportJson).bind(7, lease.id()).run();
    if (db.changes() != 1)
        throw ImportError(path + ": dataset #" + std::to_string(result.datasetId) +
                          " was removed from " + store.path() + " by another process while importing; nothing was added");
    tx.commit();
    return result;
}

}  // namespace gateau::db
