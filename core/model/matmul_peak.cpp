#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include "core/model/engine.h"
#include "core/model/matmul_peak.h"

#include <algorithm>
#include <chrono>

namespace gateau::model {

double measureMatmulGflops(const std::string& dtype, int threads, int64_t n) {
    c10::InferenceMode guard;
    at::set_num_threads(threads > 0 ? threads : physicalCoreCount());
    const auto type = computeDtypeFromName(dtype) == ComputeDtype::BFloat16 ? at::kBFloat16 : at::kFloat;
    auto a = at::randn({n, n}).to(type), b = at::randn({n, n}).to(type);
    at::matmul(a, b);  // warm-up: library set-up, page faults
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        at::matmul(a, b);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return 2.0 * double(n) * double(n) * double(n) / best / 1e9;
}

}  // namespace gateau::model
