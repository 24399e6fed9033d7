#pragma once
// The inspector's cache of token-level attention (migration 3): for one run and sample, the
// attention of a response token (query_position = its absolute position in the prompt) or
// of all response tokens averaged (query_position = kMeanOfResponse) over every earlier
// token, heads and layers averaged, stored as fp16. Computed on demand, kept for next time.
#include "db/project_store.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace gateau::db {

constexpr int64_t kMeanOfResponse = -1;

void saveTokenAttention(ProjectStore& store, int64_t runId, int64_t sampleId, int64_t queryPosition,
                        const std::vector<float>& attention);
std::optional<std::vector<float>> loadTokenAttention(ProjectStore& store, int64_t runId, int64_t sampleId,
                                                     int64_t queryPosition);

}  // namespace gateau::db
