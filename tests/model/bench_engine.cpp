// Prefill benchmark of the engine on a random Llama (hidden 768, 12 layers, 12 heads,
// ffn 2048, vocab 32000): tokens/s, achieved GFLOP/s against a square matmul in the same
// dtype and thread count, and peak RSS. Each measurement runs in a fresh child process
// (this binary re-executed) so that peak RSS belongs to that measurement alone.
//
//   bench_engine                      all measurements (fp32, and bf16 when the CPU has it)
//   bench_engine --max 8192           stop at this length
//   bench_engine --one DTYPE N MODE   one measurement; MODE: forward | span | matmul
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/model/matmul_peak.h"
#include "tests/model/random_llama.h"

using namespace gateau::model;
using namespace gateau::model::testing;

namespace {

constexpr int64_t kHidden = 768, kLayers = 12, kHeads = 12, kFfn = 2048, kVocab = 32000;
constexpr int64_t kSpan = 512, kSegment = 128;

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

double peakRssMiB() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;
}

// Matmul FLOPs per token (LM head included: the forward mode scores every position).
double linearParams() {
    const double attn = 4.0 * kHidden * kHidden, mlp = 3.0 * kHidden * kFfn;
    return kLayers * (attn + mlp) + double(kVocab) * kHidden;
}

// QK^T and PV over the causal triangle: 2 matmuls x 2 flops x hidden x n(n+1)/2 per layer.
double attentionFlops(double n) { return kLayers * 4.0 * kHidden * n * (n + 1) / 2; }

int runOne(const std::string& dtypeName, int64_t n, const std::string& mode) {
    const int threads = physicalCoreCount();
    const ComputeDtype dt = computeDtypeFromName(dtypeName);
    at::set_num_threads(threads);
    if (mode == "matmul") {
        std::printf("RESULT matmul %s %lld %.1f\n", dtypeName.c_str(), (long long)n,
                    measureMatmulGflops(dtypeName, threads, n));
        return 0;
    }

    EngineOptions opt;
    opt.dtype = dt;
    opt.threads = threads;
    if (const char* c = std::getenv("GATEAU_BENCH_CHUNK")) opt.prefillChunk = std::atoll(c);
    // 1/0: force the fused-attention path on or off (EngineOptions::fusedAttention).
    if (const char* f = std::getenv("GATEAU_BENCH_FUSED")) opt.fusedAttention = std::strcmp(f, "1") == 0;
    const ModelConfig config = randomLlamaConfig(kHidden, kLayers, kHeads, kHeads, kFfn, kVocab);
    Engine engine(config, randomLlamaWeights(config), opt);
    const double rssModel = peakRssMiB();

    engine.logprobs(randomTokenIds(256, kVocab, 1));  // warm-up: oneDNN primitive creation, allocator

    const auto seq = randomTokenIds(n, kVocab, 2);
    const double t0 = now();
    if (mode == "forward") {
        engine.logprobs(seq);
    } else {
        SpanRequest req;
        req.spanFrom = n - kSpan;
        req.segmentLen = kSegment;
        req.tokenSegmentAttention = true;
        engine.scoreSpan(seq, req);
    }
    const double secs = now() - t0;
    const double flops = 2.0 * linearParams() * double(n) + attentionFlops(double(n));
    std::printf("RESULT %s %s %lld %.3f %.1f %.1f %.0f %.0f %d\n", mode.c_str(),
                engine.info().dtype.c_str(), (long long)n, secs, double(n) / secs,
                flops / secs / 1e9, rssModel, peakRssMiB(), threads);
    return 0;
}

struct Row {
    std::string mode, dtype;
    long long n = 0;
    double secs = 0, tps = 0, gflops = 0, rssModel = 0, rssPeak = 0;
    int threads = 0;
};

bool runChild(const char* self, const std::string& args, Row& row, double& matmul) {
    const std::string cmd = std::string(self) + " --one " + args;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return false;
    char line[512];
    bool ok = false;
    while (std::fgets(line, sizeof line, p)) {
        char mode[32], dtype[32];
        long long n;
        double a, b, c, d, e;
        int th;
        if (std::sscanf(line, "RESULT matmul %31s %lld %lf", dtype, &n, &a) == 3) {
            matmul = a;
            ok = true;
        } else if (std::sscanf(line, "RESULT %31s %31s %lld %lf %lf %lf %lf %lf %d", mode, dtype,
                               &n, &a, &b, &c, &d, &e, &th) == 9) {
            row = {mode, dtype, n, a, b, c, d, e, th};
            ok = true;
        } else {
            std::fputs(line, stderr);
        }
    }
    return pclose(p) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 5 && std::strcmp(argv[1], "--one") == 0)
        return runOne(argv[2], std::atoll(argv[3]), argv[4]);
    int64_t maxLen = 16384;
    if (argc == 3 && std::strcmp(argv[1], "--max") == 0) maxLen = std::atoll(argv[2]);

    std::vector<std::string> dtypes = {"float32"};
    if (cpuHasBf16()) dtypes.push_back("bfloat16");
    std::printf("random Llama: hidden %lld, %lld layers, %lld heads, ffn %lld, vocab %lld; "
                "%.1fM matmul params/token; %d threads (physical cores); cpu bf16: %s\n",
                (long long)kHidden, (long long)kLayers, (long long)kHeads, (long long)kFfn,
                (long long)kVocab, linearParams() / 1e6, physicalCoreCount(),
                cpuHasBf16() ? "yes" : "no");
    std::printf("%-8s %-9s %6s %8s %8s %8s %8s %6s %9s %9s\n", "mode", "dtype", "n", "secs",
                "tok/s", "GFLOP/s", "matmul", "ratio", "rss0 MiB", "peak MiB");
    for (const auto& dt : dtypes) {
        Row dummy;
        double mm = 0;
        runChild(argv[0], dt + " 2048 matmul", dummy, mm);
        for (const std::string mode : {"forward", "span"}) {
            for (int64_t n : {1024, 2048, 4096, 8192, 16384, 32768, 65536}) {
                if (n > maxLen) break;
                if (mode == "span" && n < 4096) continue;
                Row r;
                double unused = 0;
                if (!runChild(argv[0], dt + " " + std::to_string(n) + " " + mode, r, unused)) {
                    std::printf("%-8s %-9s %6lld  failed\n", mode.c_str(), dt.c_str(), (long long)n);
                    continue;
                }
                std::printf("%-8s %-9s %6lld %8.2f %8.1f %8.1f %8.1f %6.2f %9.0f %9.0f\n",
                            r.mode.c_str(), r.dtype.c_str(), r.n, r.secs, r.tps, r.gflops, mm,
                            mm > 0 ? r.gflops / mm : 0.0, r.rssModel, r.rssPeak);
                std::fflush(stdout);
            }
        }
    }
    return 0;
}
