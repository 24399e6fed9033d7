// `gateau bench NAME`: benchmarks that print numbers (never timed unit tests).
#include "app/cli/bench_scoring.h"
#include "app/cli/command.h"
#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/hf_cache.h"
#include "core/model/matmul_peak.h"
#include "core/util/process_stats.h"
#include "core/util/text.h"
#include "db/importer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <unistd.h>

namespace {

using namespace gateau;

// A LongAlign-shaped file: {"messages": [user: long context + question, assistant: answer]}
// with records of 20-120 KB, written at disk speed.
void writeSyntheticLongAlign(const std::string& path, uint64_t bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw cli::CliError(path + ": cannot write");
    const char* words[] = {"context", "model", "attention", "the", "of", "long", "sample", "token", "window", "data",
                           "é", "数据", "\"quoted\"", "line\nbreak", "tab\there", "alignment", "response", "segment"};
    uint64_t state = 42, written = 0;
    std::string text, line;
    for (int i = 0; written < bytes; ++i) {
        text.clear();
        size_t target = 20000 + (state % 100000);
        while (text.size() < target) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            text += words[(state >> 33) % (sizeof words / sizeof *words)];
            text += (state >> 20) % 13 == 0 ? "\n\n" : " ";
        }
        line = "{\"id\":\"bench-" + std::to_string(i) + "\",\"messages\":[{\"role\":\"user\",\"content\":";
        util::appendJsonString(line, text + "\n\nSummarise the document above.");
        line += "},{\"role\":\"assistant\",\"content\":";
        size_t cut = 2000;  // on a character boundary: the words include multi-byte UTF-8
        while ((text[cut] & 0xC0) == 0x80) ++cut;
        util::appendJsonString(line, text.substr(0, cut));
        line += "}]}\n";
        std::fwrite(line.data(), 1, line.size(), f);
        written += line.size();
    }
    std::fclose(f);
}

int benchImport(const cli::ArgParser& p) {
    uint64_t sizeMb = uint64_t(p.intValue("size-mb", 1024));
    std::string dir = p.value("dir", std::filesystem::temp_directory_path().string());
    std::string data = dir + "/gateau-bench-" + std::to_string(getpid()) + ".jsonl";
    std::string project = dir + "/gateau-bench-" + std::to_string(getpid()) + ".gateau";
    std::printf("generating %llu MB LongAlign-shaped file %s ...\n", (unsigned long long)sizeMb, data.c_str());
    std::fflush(stdout);
    writeSyntheticLongAlign(data, sizeMb << 20);
    int64_t rssBefore = util::peakRssBytes();
    auto store = db::ProjectStore::open(project, true);
    auto r = db::importDataset(store, data);
    double mb = double(r.bytes) / 1e6;
    std::printf("import: %.1f MB, %lld records in %.2f s = %.1f MB/s\n", mb, (long long)r.samples, r.seconds, mb / r.seconds);
    std::printf("peak RSS: %.1f MB (%.1f MB before the import)\n", double(util::peakRssBytes()) / 1e6, double(rssBefore) / 1e6);
    std::printf("project file: %.1f MB\n", double(std::filesystem::file_size(project)) / 1e6);
    if (!p.flag("keep")) {
        std::filesystem::remove(data);
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(project + suffix);
    }
    return 0;
}

// Prefill of random ids through a real checkpoint at growing lengths: tokens/s, achieved
// GFLOP/s against this machine's matmul in the same dtype and threads, peak RSS; then the
// span-attention pass the CAM scorer makes (a --span-token response, --segment-len segments).
int benchEngine(const cli::ArgParser& p) {
    if (!p.has("model")) throw cli::CliError("usage: gateau bench engine --model MODEL_DIR [...]", 2);
    auto checkpoint = model::Checkpoint::open(model::resolveModelDir(p.value("model")));
    const auto& c = checkpoint.config();
    model::EngineOptions opts;
    opts.device = p.value("device", "cpu");
    opts.dtype = model::computeDtypeFromName(p.value("dtype", "auto"));
    opts.threads = int(p.intValue("threads", 0));
    auto engine = model::loadEngine(checkpoint, opts);
    const auto& info = engine->info();
    const int64_t span = p.intValue("span", 512), segment = p.intValue("segment-len", 128);
    std::vector<int64_t> lengths;
    std::stringstream ls(p.value("lengths", "1024,2048,4096,8192,16384"));
    for (std::string item; std::getline(ls, item, ',');) lengths.push_back(std::stoll(item));

    const double q = double(c.numHeads * c.headDim), kv = double(c.numKvHeads * c.headDim), h = double(c.hiddenSize);
    const double perToken = double(c.numLayers) * (h * (2 * q + 2 * kv) + 3 * h * double(c.intermediateSize)) + double(c.vocabSize) * h;
    auto flops = [&](double n) { return 2 * perToken * n + double(c.numLayers) * 4 * q * n * (n + 1) / 2; };
    const double peak = info.device == "cpu" ? model::measureMatmulGflops(info.dtype, info.threads) : 0;
    std::printf("model %s: %s, %lld layers, hidden %lld, %.1fM params; device %s, dtype %s, %d threads, "
                "prefill chunk %lld; "
                "matmul %.1f GFLOP/s (2048^3, same dtype and threads)\n",
                p.value("model").c_str(), c.modelType.c_str(), (long long)c.numLayers, (long long)c.hiddenSize,
                double(info.parameterCount) / 1e6, info.device.c_str(), info.dtype.c_str(), info.threads,
                (long long)info.prefillChunk, peak);
    std::printf("%-8s %7s %8s %9s %9s %6s %10s\n", "pass", "tokens", "seconds", "tok/s", "GFLOP/s", "ratio", "peak RSS");
    std::mt19937_64 rng(7);
    auto ids = [&](int64_t n) {
        std::vector<int64_t> v(static_cast<size_t>(n));
        for (auto& x : v) x = int64_t(rng() % uint64_t(c.vocabSize));
        return v;
    };
    engine->logprobs(ids(128));  // warm-up
    auto row = [&](const char* pass, int64_t n, double secs) {
        double g = flops(double(n)) / secs / 1e9;
        std::printf("%-8s %7lld %8.2f %9.1f %9.1f %6.2f %7.0f MB\n", pass, (long long)n, secs, double(n) / secs, g,
                    peak > 0 ? g / peak : 0.0, double(util::peakRssBytes()) / 1e6);
        std::fflush(stdout);
    };
    for (int64_t n : lengths) {
        auto seq = ids(n);
        auto t0 = std::chrono::steady_clock::now();
        engine->logprobs(seq);
        row("prefill", n, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    for (int64_t n : lengths) {
        if (n <= span) continue;
        auto seq = ids(n);
        model::SpanRequest req;
        req.spanFrom = n - span;
        req.segmentLen = segment;
        req.tokenSegmentAttention = true;
        auto t0 = std::chrono::steady_clock::now();
        engine->scoreSpan(seq, req);
        row("span", n, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return 0;
}

int runBench(const cli::Args& a) {
    cli::ArgParser p(a, {"keep"}, {"size-mb", "dir", "model", "device", "dtype", "threads", "lengths", "span", "segment-len",
                                         "config", "dataset", "samples", "devices"});
    p.requirePositionals(1, 1, "gateau bench import|engine|scoring [options]");
    const std::string& what = p.positionals()[0];
    if (what == "import") return benchImport(p);
    if (what == "engine") return benchEngine(p);
    if (what == "scoring") return cli::benchScoring(p);
    throw cli::CliError("unknown benchmark '" + what + "' (available: import, engine, scoring)", 2);
}

}  // namespace

GATEAU_CLI_COMMAND("bench",
                   "gateau bench import [--size-mb N] [--dir DIR] [--keep] | gateau bench engine --model DIR "
                   "[--dtype D] [--device D] [--threads N] [--lengths 1024,2048,...] [--span 512] [--segment-len 128] | "
                   "gateau bench scoring --config RUN.json [--dataset FILE] [--samples N] [--devices D]",
                   "Benchmarks that print numbers: 'import' streams a generated 1 GB LongAlign-shaped file (MB/s, peak RSS); "
                   "'engine' times prefill and span attention of a checkpoint (tok/s, GFLOP/s vs matmul peak, peak RSS); "
                   "'scoring' scores a few samples and prints samples/s, phase shares and the segment-batching speed-up.",
                   runBench);
