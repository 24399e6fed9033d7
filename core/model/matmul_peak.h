#pragma once
// The machine's own matmul throughput, the yardstick for the engine's achieved FLOP/s.
#include <cstdint>
#include <string>

namespace gateau::model {

// GFLOP/s of an n x n x n matmul in `dtype` ("float32" or "bfloat16") with `threads`
// intra-op threads (0: physical cores), best of a few repetitions after a warm-up.
double measureMatmulGflops(const std::string& dtype, int threads, int64_t n = 2048);

}  // namespace gateau::model
