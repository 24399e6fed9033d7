#include "ui/inspector/token_attention_worker.h"

#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/engine.h"
#include "db/token_attention.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>

namespace gateau::ui {

TokenAttentionComputer::TokenAttentionComputer() = default;
TokenAttentionComputer::~TokenAttentionComputer() = default;

void TokenAttentionComputer::release() {
    engine_.reset();
    engineKey_.clear();
    store_.reset();
}

db::ProjectStore& TokenAttentionComputer::storeFor(const std::string& path) {
    if (!store_ || store_->path() != path) {
        store_.reset();
        store_.emplace(db::ProjectStore::open(path, false));
    }
    return *store_;
}

TokenAttentionResult TokenAttentionComputer::compute(const TokenAttentionRequest& req,
                                                     const std::function<bool(int64_t, int64_t)>& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    TokenAttentionResult r;
    r.runId = req.runId;
    r.sampleId = req.sampleId;
    r.queryPosition = req.queryPosition;
    auto done = [&] {
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return std::move(r);
    };
    const int64_t n = int64_t(req.ids.size());
    const bool mean = req.queryPosition == db::kMeanOfResponse;
    if (req.spanFrom < 1 || req.spanFrom >= n || (!mean && (req.queryPosition < req.spanFrom || req.queryPosition >= n))) {
        r.error = "token-level attention: query position " + std::to_string(req.queryPosition) +
                  " is not a response token";
        return done();
    }

    // 1. The project's cache.
    if (req.useCache) {
        try {
            auto cached = db::loadTokenAttention(storeFor(req.projectPath), req.runId, req.sampleId, req.queryPosition);
            if (cached && int64_t(cached->size()) == n) {
                r.attention = std::move(*cached);
                r.fromCache = true;
                return done();
            }
        } catch (const std::exception&) {
            // An unreadable cache row is recomputed (and replaced) below.
        }
    }

    // 2. Model B.
    try {
        const std::string key = req.modelB + "\n" + req.dtype;
        if (!engine_ || engineKey_ != key) {
            engine_.reset();
            engineKey_.clear();
            std::error_code ec;
            if (!std::filesystem::is_directory(req.modelB, ec)) {
                r.error = "Model B's folder " + req.modelB + " is missing (moved or deleted?): token-level attention needs it.";
                return done();
            }
            model::EngineOptions options;
            options.dtype = model::computeDtypeFromName(req.dtype.empty() ? "auto" : req.dtype);
            options.device = model::cudaDeviceCount() > 0 ? "cuda" : "cpu";
            engine_ = model::loadEngine(model::Checkpoint::open(req.modelB), options);
            engineKey_ = key;
            ++engineLoads_;
        }

        model::SpanRequest sr;
        sr.spanFrom = req.spanFrom;
        int64_t passes = 1, pass = 0;
        std::vector<std::vector<int64_t>> groups;
        if (mean) {
            // [rows x n] fp32 per pass: split the response so one block stays within budget.
            const int64_t rowsPerPass = std::max<int64_t>(1, memoryBudgetBytes_ / std::max<int64_t>(1, n * 4));
            for (int64_t p = req.spanFrom; p < n; p += rowsPerPass) {
                std::vector<int64_t> g;
                for (int64_t q = p; q < std::min(n, p + rowsPerPass); ++q) g.push_back(q);
                groups.push_back(std::move(g));
            }
            passes = int64_t(groups.size());
        } else {
            groups.push_back({req.queryPosition});
        }
        sr.progress = [&](int64_t d, int64_t total) {
            return !progress || progress(pass * total + d, passes * total);
        };
        std::vector<double> sum(size_t(n), 0.0);
        for (pass = 0; pass < passes; ++pass) {
            const auto& g = groups[size_t(pass)];
            if (mean && passes == 1) {
                sr.keyAttentionAll = true;
                sr.keyAttentionFor.clear();
            } else {
                sr.keyAttentionAll = false;
                sr.keyAttentionFor = g;
            }
            model::SpanResult res = engine_->scoreSpan(req.ids, sr);
            ++forwardPasses_;
            const int64_t rows = int64_t(res.keyAttentionPositions.size());
            if (res.n != n || int64_t(res.keyAttention.size()) != rows * n || rows != int64_t(g.size()))
                throw std::runtime_error("engine returned " + std::to_string(res.keyAttention.size()) +
                                         " attention values, expected " + std::to_string(int64_t(g.size()) * n));
            for (int64_t i = 0; i < rows; ++i)
                for (int64_t k = 0; k < n; ++k) sum[size_t(k)] += res.keyAttention[size_t(i * n + k)];
        }
        const double rowsTotal = mean ? double(n - req.spanFrom) : 1.0;
        r.attention.resize(size_t(n));
        for (int64_t k = 0; k < n; ++k) r.attention[size_t(k)] = float(sum[size_t(k)] / rowsTotal);
    } catch (const model::EngineCancelled&) {
        r.cancelled = true;
        return done();
    } catch (const std::exception& e) {
        r.error = std::string("Token-level attention failed: ") + e.what();
        return done();
    }

    // 3. Kept for next time; a failed save only costs a recomputation later.
    try {
        db::saveTokenAttention(storeFor(req.projectPath), req.runId, req.sampleId, req.queryPosition, r.attention);
    } catch (const std::exception&) {
        // Read-only project or a locked database: shown anyway, recomputed next time.
    }
    return done();
}

}  // namespace gateau::ui
