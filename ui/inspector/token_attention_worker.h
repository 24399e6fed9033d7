#pragma once
// Token-level attention for the inspector (on demand): the attention of one response token
// (or of all response tokens, averaged) over every earlier token of the scored prompt, heads
// and layers averaged, computed with model B through engine.h's plain API and cached in the
// project (db/token_attention.h). Qt-free and torch-free; one instance lives on one thread.
#include "db/project_store.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gateau::model {
class Engine;
}

namespace gateau::ui {

struct TokenAttentionRequest {
    std::string projectPath;
    int64_t runId = 0, sampleId = 0;
    std::string modelB, dtype;   // the run's model B folder and dtype name
    std::vector<int64_t> ids;    // the scored sequence, cut at spanEnd
    int64_t spanFrom = 0;        // first response position
    // Absolute position of a response token (spanFrom..ids.size()-1) or db::kMeanOfResponse.
    int64_t queryPosition = 0;
    bool useCache = true;        // false: always compute (the result is still saved)
};

struct TokenAttentionResult {
    int64_t runId = 0, sampleId = 0, queryPosition = 0;
    std::vector<float> attention;  // [ids.size()]: weight on each key; 0 after the query
    bool fromCache = false;
    bool cancelled = false;
    std::string error;             // non-empty: nothing computed
    double seconds = 0;            // wall time (cache read, or engine load + forward pass)
};

class TokenAttentionComputer {
public:
    TokenAttentionComputer();
    ~TokenAttentionComputer();
    TokenAttentionComputer(const TokenAttentionComputer&) = delete;
    TokenAttentionComputer& operator=(const TokenAttentionComputer&) = delete;

    // Cache first (row of the right length), else the engine (loaded once and kept for
    // requests with the same model folder and dtype), then saved to the cache.
    // progress(done, total) is polled after each prefill chunk; returning false cancels
    // (result.cancelled). Never throws.
    TokenAttentionResult compute(const TokenAttentionRequest& request,
                                 const std::function<bool(int64_t, int64_t)>& progress = {});

    // Frees the engine and closes the project (project change).
    void release();

    // Mean over all response tokens needs one [responseTokens x n] fp32 block per pass; above
    // this budget the response is split over several passes (each a full forward pass).
    void setMemoryBudget(int64_t bytes) { memoryBudgetBytes_ = bytes; }
    int64_t memoryBudget() const { return memoryBudgetBytes_; }

    // Debug counters (tests): engine loads and forward passes since construction.
    int engineLoads() const { return engineLoads_; }
    int forwardPasses() const { return forwardPasses_; }

private:
    db::ProjectStore& storeFor(const std::string& path);

    std::unique_ptr<model::Engine> engine_;
    std::string engineKey_;
    std::optional<db::ProjectStore> store_;
    int64_t memoryBudgetBytes_ = int64_t(512) << 20;
    int engineLoads_ = 0;
    int forwardPasses_ = 0;
};

}  // namespace gateau::ui
