// Training throughput of `gateau train` on this machine: tokens/s and achieved GFLOP/s
// (forward + backward = 3x the forward matmul FLOPs, attention included) against a square
// matmul in the same dtype and thread count. Runs on the built-in demo corpus with a BPE
// tokenizer trained on it (the demo's vocabulary size), a few warm-up steps, then timed ones.
//
//   bench_train [--hidden 128] [--layers 2] [--heads 4] [--kv-heads 2] [--ffn 512]
//               [--seq 256] [--batch 8] [--steps 6] [--threads 0] [--merges 2000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>

#include "core/datasets/demo_corpus.h"
#include "core/model/engine.h"
#include "core/model/matmul_peak.h"
#include "core/tokenizer/bpe_trainer.h"
#include "core/train/train_session.h"

using namespace gateau;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
    std::map<std::string, long long> a = {{"hidden", 128}, {"layers", 2}, {"heads", 4}, {"kv-heads", 2},
                                          {"ffn", 512},    {"seq", 256},  {"batch", 8}, {"steps", 6},
                                          {"threads", 0},  {"merges", 2000}};
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i][0] == '-' && argv[i][1] == '-' ? argv[i] + 2 : argv[i];
        if (!a.count(k)) {
            std::fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
        a[k] = std::atoll(argv[i + 1]);
    }
    const fs::path dir = fs::temp_directory_path() / ("bench_train_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::vector<std::string> texts;
    for (auto& p : datasets::loadDemoCorpus()) texts.push_back(std::move(p.text));
    tok::BpeTrainOptions bo;
    bo.merges = int(a["merges"]);
    const int64_t vocab = tok::writeTrainedTokenizer((dir / "tokenizer").string(), texts, bo);
    const int threads = a["threads"] > 0 ? int(a["threads"]) : model::physicalCoreCount();

    const int64_t d = a["hidden"], L = a["layers"], H = a["heads"], KV = a["kv-heads"], F = a["ffn"];
    const int64_t T = a["seq"], B = a["batch"], dh = d / H;
    const double matmulParams = double(L) * double(d * H * dh + 2 * d * KV * dh + H * dh * d + 3 * d * F) +
                                double(vocab) * double(d);
    const double forward = 2.0 * matmulParams * double(B * T) + double(L) * 4.0 * double(B * H * T * T * dh);
    const double flopsPerStep = 3.0 * forward;

    std::printf("model: %lld layers, hidden %lld, %lld heads (%lld kv), ffn %lld, vocab %lld; batch %lld x %lld tokens; "
                "%d threads\n",
                (long long)L, (long long)d, (long long)H, (long long)KV, (long long)F, (long long)vocab, (long long)B,
                (long long)T, threads);
    std::vector<model::ComputeDtype> dtypes = {model::ComputeDtype::Float32};
    if (model::cpuHasBf16()) dtypes.push_back(model::ComputeDtype::BFloat16);
    for (auto dt : dtypes) {
        const std::string name = model::computeDtypeName(dt);
        train::TrainOptions o;
        o.outDir = (dir / ("run-" + name)).string();
        o.spec.tokenizerPath = (dir / "tokenizer").string();
        o.spec.layers = L;
        o.spec.hidden = d;
        o.spec.heads = H;
        o.spec.kvHeads = KV;
        o.spec.intermediate = F;
        o.spec.maxPositionEmbeddings = std::max<int64_t>(T, 2048);
        o.schedule = {{T, 1000}};
        o.batchSize = B;
        o.threads = threads;
        o.compute = dt;
        o.checkpointEvery = 1000000;
        train::TrainSession s(o);
        for (int i = 0; i < 2; ++i) s.runStep();  // warm-up: allocator, library set-up
        const auto t0 = std::chrono::steady_clock::now();
        for (long long i = 0; i < a["steps"]; ++i) s.runStep();
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double peak = model::measureMatmulGflops(name, threads);
        const double achieved = flopsPerStep * double(a["steps"]) / sec / 1e9;
        std::printf("%-9s %8.0f tokens/s  %6.2f s/step  %7.1f GFLOP/s achieved  matmul peak %7.1f GFLOP/s  (%4.1f%%)\n",
                    name.c_str(), double(B * T) * double(a["steps"]) / sec, sec / double(a["steps"]), achieved, peak,
                    100.0 * achieved / peak);
    }
    fs::remove_all(dir);
    return 0;
}
