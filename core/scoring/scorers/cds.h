#pragma once
// LADM's Contextual Dependency Score (Chen et al., ACL 2025; docs/scorers.md): how strongly
// spans of a sample attend to spans at increasing distances before them, from the prefix tile
// attention of one long pass of model B (model::SpanRequest::tileLen).
#include <cstdint>
#include <vector>

#include "core/scoring/scorers/scorer.h"

namespace gateau::scoring {

struct CdsParams {
    int64_t span = 128;        // L: tokens per query and key span (LADM attn_chunk_size)
    int64_t distanceStep = 4;  // key spans sit k * distanceStep spans before the query span (d_afs)
    int64_t queryStride = 4;   // every queryStride-th span, counted back from the end, is a query (d_cds)
    int64_t minDistances = 4;  // a query span needs this many key spans (LADM: 4)
};

// The CDS keys of a run's settings (defaults for missing ones); throws ScoringError naming a
// key that is not a whole number.
CdsParams cdsParams(const ScorerSettings& settings);

// The query tiles (indices of the engine's end-anchored tiles of `span` tokens over n tokens):
// the last tile, then every queryStride-th before it, while the tile starts after
// span * (1 + minDistances * distanceStep) tokens. Ascending. Empty when n is too short.
std::vector<int64_t> cdsQueryTiles(int64_t n, const CdsParams& p);

// CDS from the engine's tile attention of those query tiles: tileAttention is [layers x
// queryTiles.size() x numTiles], tiles of p.span ending at n. Per layer and query tile at
// start s, PFS_k = its attention on the key tile k * distanceStep tiles earlier, for k = 1..
// while that tile starts at or after p.span; AFS = (sum_k PFS_k * d_k / n) * std_k(PFS)
// * s / n, with d_k = k * distanceStep * span and the sample standard deviation; CDS = mean
// over query tiles, then over layers. 0 when there is no query tile. Throws ScoringError on
// inconsistent shapes or non-finite input.
double cdsFromTiles(const std::vector<float>& tileAttention, int64_t layers, const std::vector<int64_t>& queryTiles,
                    int64_t numTiles, int64_t n, const CdsParams& p);

}  // namespace gateau::scoring
