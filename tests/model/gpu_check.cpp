// The engine on another device (a CUDA GPU) against the same engine on the CPU in fp32,
// which test_engine checks against the float64 reference; then prefill speed and memory
// on that device. It needs the engine sources and libtorch only, so that it builds on a
// GPU machine without Qt, SQLite or PCRE2 (packaging/gpu-check/); the main build runs it
// on the CPU as a smoke test.
//
//   gpu_check [--device cuda:0] [--lengths 2048,8192,16384,32768,65536] [--bench-layers 12]
//
// Prints one CHECK line per comparison and one BENCH line per length; exit 1 if a check
// fails.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "core/model/engine_weights.h"
#include "tests/model/random_llama.h"

#ifdef GATEAU_CUDA_MEMORY_STATS
#include <c10/cuda/CUDACachingAllocator.h>
#endif

using namespace gateau::model;
using namespace gateau::model::testing;

namespace {

int failures = 0;

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void check(const std::string& what, const std::vector<float>& got, const std::vector<float>& want, double tol) {
    double diff = got.size() == want.size() ? 0.0 : INFINITY;
    for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
        const double d = std::abs(double(got[i]) - double(want[i]));
        if (!(d <= diff)) diff = d;  // a NaN sticks (std::max would drop it)
    }
    const bool ok = diff <= tol;  // NaN fails
    if (!ok) ++failures;
    std::printf("CHECK %-58s max|diff| %.3g (tol %.3g) %s\n", what.c_str(), diff, tol, ok ? "ok" : "FAIL");
}

std::unique_ptr<Engine> makeEngine(const ModelConfig& c, const std::string& device, ComputeDtype dtype) {
    EngineOptions opt;
    opt.device = device;
    opt.dtype = dtype;
    return std::make_unique<Engine>(c, randomLlamaWeights(c), opt);
}

SpanRequest statsRequest(int64_t K) {
    SpanRequest req;
    req.spanFrom = K;
    req.allLogprobs = true;
    req.segmentLen = 64;
    req.tokenSegmentAttention = true;
    req.keyAttentionFor = {K, K + 7};
    return req;
}

void correctness(const std::string& device) {
    // GQA, several prefill chunks and attention blocks, with and without a sliding window.
    for (int64_t window : {int64_t(0), int64_t(300)}) {
        auto c = randomLlamaConfig(256, 4, 8, 4, 512, 1000);
        if (window) c.slidingWindow = window;
        const std::string tag = window ? " (window 300)" : "";
        const auto ids = randomTokenIds(1300, c.vocabSize, 11);
        const int64_t K = 1100;
        auto cpu = makeEngine(c, "cpu", ComputeDtype::Float32);
        const SpanResult want = cpu->scoreSpan(ids, statsRequest(K));
        const std::vector<float> wantAll = cpu->logprobs(ids);

        auto dev = makeEngine(c, device, ComputeDtype::Float32);
        const SpanResult got = dev->scoreSpan(ids, statsRequest(K));
        check("fp32 logprobs, span statistics pass" + tag, got.logprobs, want.logprobs, 2e-3);
        check("fp32 segment attention [layers x S]" + tag, got.segmentAttention, want.segmentAttention, 1e-4);
        check("fp32 token x segment attention" + tag, got.tokenSegmentAttention, want.tokenSegmentAttention, 1e-4);
        check("fp32 per-key attention" + tag, got.keyAttention, want.keyAttention, 1e-4);
        // No span statistics: on CUDA with LibTorch >= 2 this is the fused-attention path.
        check("fp32 logprobs, plain forward" + tag, dev->logprobs(ids), wantAll, 2e-3);

        std::vector<std::vector<int64_t>> seqs;
        std::vector<int64_t> spans;
        for (int i = 0; i < 6; ++i) {
            seqs.push_back(randomTokenIds(100 + 37 * i, c.vocabSize, 50 + uint64_t(i)));
            spans.push_back(seqs.back().size() / 2);
        }
        auto batch = dev->scoreSpanBatch(seqs, spans);
        std::vector<float> b, s;
        for (size_t i = 0; i < seqs.size(); ++i) {
            b.insert(b.end(), batch[i].logprobs.begin(), batch[i].logprobs.end());
            auto one = cpu->scoreSpan(seqs[i], spans[i], 0, false);
            s.insert(s.end(), one.logprobs.begin(), one.logprobs.end());
        }
        check("fp32 padded batch vs single sequences on the CPU" + tag, b, s, 2e-3);

        auto low = makeEngine(c, device, ComputeDtype::BFloat16);
        const SpanResult lowGot = low->scoreSpan(ids, statsRequest(K));
        check("bf16 logprobs (bf16 precision)" + tag, lowGot.logprobs, want.logprobs, 0.3);
        check("bf16 segment attention (bf16 precision)" + tag, lowGot.segmentAttention, want.segmentAttention, 0.02);
        check("bf16 logprobs, plain forward (bf16 precision)" + tag, low->logprobs(ids), wantAll, 0.3);
    }
}

double peakDeviceMiB(const std::string& device, bool reset) {
#ifdef GATEAU_CUDA_MEMORY_STATS
    if (device.rfind("cuda", 0) == 0) {
        const auto index = device.size() > 5 ? std::atoi(device.c_str() + 5) : 0;
        if (reset) {
            c10::cuda::CUDACachingAllocator::resetPeakStats(index);
            return 0;
        }
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
        return double(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
    }
#endif
    (void)device;
    (void)reset;
    return -1;
}

void bench(const std::string& device, const std::vector<int64_t>& lengths, int64_t layers) {
    const auto c = randomLlamaConfig(768, layers, 12, 12, 2048, 32000);
    auto engine = makeEngine(c, device, ComputeDtype::Auto);
    const auto& info = engine->info();
    std::printf("bench model: Llama hidden 768, %lld layers, vocab 32000; device %s, dtype %s, prefill chunk %lld\n",
                (long long)layers, info.device.c_str(), info.dtype.c_str(), (long long)info.prefillChunk);
    engine->logprobs(randomTokenIds(256, c.vocabSize, 3));  // warm-up
    for (int64_t n : lengths) {
        const auto ids = randomTokenIds(n, c.vocabSize, 5);
        for (const char* mode : {"forward", "span"}) {
            peakDeviceMiB(device, true);
            const double t0 = now();
            if (std::strcmp(mode, "forward") == 0) {
                engine->logprobs(ids);
            } else {
                SpanRequest req;
                req.spanFrom = n - std::min<int64_t>(512, n / 2);
                req.segmentLen = 128;
                req.tokenSegmentAttention = true;
                engine->scoreSpan(ids, req);
            }
            const double secs = now() - t0;  // results are copied to the host: synchronised
            const double peak = peakDeviceMiB(device, false);
            std::printf("BENCH %-7s n %6lld  %8.3f s  %9.1f tok/s  peak device memory %s\n", mode,
                        (long long)n, secs, double(n) / secs,
                        peak < 0 ? "n/a" : (std::to_string(int64_t(peak)) + " MiB").c_str());
            std::fflush(stdout);
        }
    }
}

std::vector<int64_t> parseLengths(const std::string& s) {
    std::vector<int64_t> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');) out.push_back(std::atoll(item.c_str()));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::string device = "cuda:0";
    std::vector<int64_t> lengths{2048, 8192, 16384, 32768, 65536};
    int64_t layers = 12;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--device") device = value;
        else if (key == "--lengths") lengths = parseLengths(value);
        else if (key == "--bench-layers") layers = std::atoll(value.c_str());
        else {
            std::fprintf(stderr, "gpu_check: unknown option %s\n", key.c_str());
            return 2;
        }
    }
    c10::InferenceMode guard;
    // fp32 on the GPU must be fp32: TF32 matmuls would differ from the CPU by ~1e-3 relative.
    at::globalContext().setAllowTF32CuBLAS(false);
    std::printf("libtorch %s; CUDA available: %s, %d device(s); testing %s\n", TORCH_VERSION,
                torch::cuda::is_available() ? "yes" : "no", int(torch::cuda::device_count()), device.c_str());
    try {
        correctness(device);
        bench(device, lengths, layers);
    } catch (const std::exception& e) {
        std::printf("ERROR %s\n", e.what());
        return 1;
    }
    std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
