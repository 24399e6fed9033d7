// Loading at real size (issue 14, item 4): writes a random bf16 checkpoint shaped like
// Llama-3.2-1B (hidden 2048, 16 layers, 32 heads, 8 KV heads, ffn 8192, vocab 128256, tied
// embeddings: 1.24B parameters, 2.47 GB) as two safetensors shards with an index, then
// reports the time to open and load it, to the first forward pass of a short prompt, and the
// resident memory split into file-backed pages (the memory map, shared with the page cache)
// and anonymous memory (copies). Weights stored in the compute dtype should be used from the
// map: anonymous memory stays far below the checkpoint's size. Prints numbers; not a test.
//
//   bench_load [--dir PARENT] [--keep] [--layers N] [--prompt N]
//   bench_load --unfused-cost    only: fused against separate q/k/v and gate/up GEMMs
//
// The checkpoint is deleted afterwards unless --keep. Run it under `nice`.
#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/config.h"
#include "core/model/engine_weights.h"
#include "core/model/tensor_names.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace gateau::model;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Memory {
    double rssMiB = 0, anonMiB = 0;
};

// /proc/self/smaps_rollup: Rss is every resident page; Anonymous the ones not backed by a
// file (heap, copies). The difference is the memory map's pages (page cache).
Memory memory() {
    Memory m;
    std::ifstream in("/proc/self/smaps_rollup");  // first line: the address range, "[rollup]"
    for (std::string line; std::getline(in, line);) {
        char key[64];
        double kb = 0;
        if (std::sscanf(line.c_str(), "%63s %lf", key, &kb) != 2) continue;
        if (std::strcmp(key, "Rss:") == 0) m.rssMiB = kb / 1024;
        if (std::strcmp(key, "Anonymous:") == 0) m.anonMiB = kb / 1024;
    }
    return m;
}

void printMemory(const char* when, const Memory& m) {
    std::printf("  RSS %-22s %8.0f MiB  (file-backed %8.0f MiB, anonymous %7.0f MiB)\n", when, m.rssMiB,
                m.rssMiB - m.anonMiB, m.anonMiB);
}

// Random bf16 weights of magnitude 2^-7..2^-6 with random signs (finite, so the loader's
// scan passes), four per xorshift64 draw; norms are 1.0.
void fillBf16(uint16_t* out, size_t n, uint64_t& state, bool isNorm) {
    if (isNorm) {
        std::fill(out, out + n, uint16_t(0x3F80));
        return;
    }
    size_t i = 0;
    while (i < n) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        uint64_t r = state;
        for (int k = 0; k < 4 && i < n; ++k, ++i, r >>= 16) out[i] = uint16_t((r & 0x807F) | 0x3C00);
    }
}

uint64_t numelOf(const TensorSpec& t) {
    uint64_t n = 1;
    for (auto d : t.shape) n *= uint64_t(d);
    return n;
}

// One shard: the header (tensors in name order, padded to 8 bytes), then the data,
// generated and written 32 MiB at a time.
void writeShard(const fs::path& path, std::vector<TensorSpec> tensors, uint64_t seed) {
    std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    nlohmann::ordered_json header;
    header["__metadata__"] = {{"format", "pt"}};
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        const uint64_t bytes = numelOf(t) * 2;
        header[t.name] = {{"dtype", "BF16"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string h = header.dump();
    h.append((8 - h.size() % 8) % 8, ' ');
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(path.string() + ": cannot create");
    auto put = [&](const void* p, size_t n) {
        const char* c = static_cast<const char*>(p);
        while (n > 0) {
            const ssize_t w = ::write(fd, c, n);
            if (w <= 0) throw std::runtime_error(path.string() + ": write failed: " + std::strerror(errno));
            c += w;
            n -= size_t(w);
        }
    };
    const uint64_t hsize = h.size();
    put(&hsize, 8);
    put(h.data(), h.size());
    std::vector<uint16_t> buf(size_t(16) << 20);
    uint64_t state = 0x9E3779B97F4A7C15ull ^ seed;
    for (const auto& t : tensors) {
        const bool isNorm = t.shape.size() == 1;
        for (uint64_t left = numelOf(t); left > 0;) {
            const size_t n = size_t(std::min<uint64_t>(left, buf.size()));
            fillBf16(buf.data(), n, state, isNorm);
            put(buf.data(), n * 2);
            left -= n;
        }
    }
    // Out of the page cache, so that the load below reads from the disk (where the kernel
    // lets go of the pages: it may keep some).
    ::fsync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
}

const char* kConfig = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
  "hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16,
  "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 128256,
  "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "tie_word_embeddings": true, "torch_dtype": "bfloat16", "bos_token_id": 128000, "eos_token_id": 128001
})";

// What keeping q/k/v and gate/up unfused costs (the price of using them in place): one
// layer's projections of a prefill chunk as two fused GEMMs against five separate ones,
// bf16, best of `reps`.
void unfusedCost(int64_t chunk, int reps) {
    c10::InferenceMode guard;
    at::set_num_threads(physicalCoreCount());  // as the engine does
    const auto bf = at::TensorOptions().dtype(at::kBFloat16);
    const int64_t hidden = 2048, q = 2048, kv = 512, ffn = 8192;
    const at::Tensor x = at::randn({1, chunk, hidden}, bf) * 0.1;
    const at::Tensor wq = at::randn({q, hidden}, bf) * 0.02, wk = at::randn({kv, hidden}, bf) * 0.02,
                     wv = at::randn({kv, hidden}, bf) * 0.02, wg = at::randn({ffn, hidden}, bf) * 0.02,
                     wu = at::randn({ffn, hidden}, bf) * 0.02;
    const at::Tensor wqkv = at::cat({wq, wk, wv}), wgu = at::cat({wg, wu});
    auto best = [&](const std::function<void()>& f) {
        double b = 1e9;
        for (int r = 0; r < reps; ++r) {
            const double t0 = now();
            f();
            b = std::min(b, now() - t0);
        }
        return b;
    };
    const double fused = best([&] {
        auto qkv = at::linear(x, wqkv);
        auto gu = at::linear(x, wgu);
        (void)(at::silu(gu.narrow(-1, 0, ffn)) * gu.narrow(-1, ffn, ffn)).sum().item<float>();
        (void)qkv.sum().item<float>();
    });
    const double separate = best([&] {
        auto a = at::linear(x, wq), b = at::linear(x, wk), c = at::linear(x, wv);
        (void)(at::silu(at::linear(x, wg)) * at::linear(x, wu)).sum().item<float>();
        (void)(a.sum() + b.sum() + c.sum()).item<float>();
    });
    std::printf("unfused cost, one 1B-class layer's q/k/v + gate/up for %lld tokens, bf16, %d threads: fused %.2f ms, "
                "separate %.2f ms (%+.1f%%)\n",
                (long long)chunk, at::get_num_threads(), fused * 1e3, separate * 1e3, (separate / fused - 1) * 100);
}

}  // namespace

int main(int argc, char** argv) {
    std::string parent = fs::temp_directory_path().string();
    bool keep = false;
    int64_t layers = 16, promptLen = 32;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--dir" && i + 1 < argc) parent = argv[++i];
        else if (a == "--keep") keep = true;
        else if (a == "--layers" && i + 1 < argc) layers = std::stoll(argv[++i]);
        else if (a == "--prompt" && i + 1 < argc) promptLen = std::stoll(argv[++i]);
        else if (a == "--unfused-cost") {
            for (int64_t chunk : {32, 256}) unfusedCost(chunk, 15);
            return 0;
        }
        else {
            std::fprintf(stderr, "usage: bench_load [--dir PARENT] [--keep] [--layers N] [--prompt N]\n");
            return 2;
        }
    }
    std::string tmpl = (fs::path(parent) / "gateau-bench-load-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
        std::perror("mkdtemp");
        return 1;
    }
    const fs::path dir = tmpl;
    int rc = 0;
    try {
        auto cfgJson = nlohmann::json::parse(kConfig);
        cfgJson["num_hidden_layers"] = layers;
        std::ofstream(dir / "config.json") << cfgJson.dump(2);
        const ModelConfig cfg = ModelConfig::fromFile((dir / "config.json").string());

        // Two shards split at the middle layer, as published checkpoints are.
        std::vector<TensorSpec> shard[2];
        for (const auto& t : expectedTensors(cfg))
            shard[t.layer >= 0 ? (t.layer >= layers / 2) : (t.role != TensorRole::TokenEmbedding)].push_back(t);
        const std::string names[2] = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
        nlohmann::json index;
        uint64_t total = 0, params = 0;
        double t0 = now();
        for (int s = 0; s < 2; ++s) {
            for (const auto& t : shard[s]) {
                index["weight_map"][t.name] = names[s];
                total += numelOf(t) * 2;
                params += numelOf(t);
            }
            writeShard(dir / names[s], shard[s], uint64_t(s) + 1);
        }
        index["metadata"] = {{"total_size", total}};
        std::ofstream(dir / "model.safetensors.index.json") << index.dump(2);
        const double writeS = now() - t0;
        std::printf("bench_load: Llama-3.2-1B-shaped random checkpoint, %lld layers, %.3fB parameters, bf16, 2 shards, "
                    "%.2f GB in %s\n",
                    (long long)layers, double(params) / 1e9, double(total) / 1e9, dir.c_str());
        std::printf("  written in %.1f s (%.0f MB/s)\n", writeS, double(total) / 1e6 / writeS);
        printMemory("at start", memory());

        t0 = now();
        auto checkpoint = Checkpoint::open(dir.string());
        const double openS = now() - t0;
        EngineOptions opts;
        opts.device = "cpu";
        opts.dtype = ComputeDtype::BFloat16;
        t0 = now();
        auto engine = loadEngine(checkpoint, opts);
        const double loadS = now() - t0;
        std::printf("  open (config, index, headers, mmap)  %7.3f s\n", openS);
        std::printf("  load (validate, finite scan, engine) %7.3f s  (%.0f MB/s; page cache dropped after writing)\n",
                    loadS, double(total) / 1e6 / loadS);
        const Memory afterLoad = memory();
        printMemory("after load", afterLoad);

        std::vector<int64_t> ids(static_cast<size_t>(promptLen));
        for (size_t i = 0; i < ids.size(); ++i) ids[i] = int64_t((i * 7919 + 13) % 128000);
        SpanRequest req;
        req.spanFrom = promptLen / 2;
        t0 = now();
        const auto r = engine->scoreSpan(ids, req);
        const double fwdS = now() - t0;
        double sum = 0;
        for (float v : r.logprobs) sum += v;
        std::printf("  first forward, %lld tokens             %7.3f s  (mean log p %.3f, %d threads)\n",
                    (long long)promptLen, fwdS, sum / double(r.logprobs.size()), engine->info().threads);
        const Memory afterForward = memory();
        printMemory("after first forward", afterForward);
        t0 = now();
        engine->scoreSpan(ids, req);
        std::printf("  second forward                        %7.3f s\n", now() - t0);
        std::printf("  weights used in place: anonymous memory after load is %.0f MiB for %.0f MiB of weights (%s)\n",
                    afterLoad.anonMiB, double(total) / 1048576.0,
                    afterLoad.anonMiB < 0.25 * double(total) / 1048576.0 ? "no copy" : "COPIED");

        engine.reset();
        t0 = now();
        auto warm = loadEngine(Checkpoint::open(dir.string()), opts);
        std::printf("  reload from the page cache            %7.3f s\n", now() - t0);
        printMemory("after reload", memory());
        warm.reset();

        // For comparison, the way weights were loaded before: each tensor copied into an
        // owned one (the engine's layout needs none of it).
        const Memory before = memory();
        t0 = now();
        WeightFn copying = [&checkpoint](const std::string& name) {
            const TensorView v = checkpoint.require(name);
            at::Tensor t = at::empty(v.shape, at::TensorOptions().dtype(at::kBFloat16));
            std::memcpy(t.data_ptr(), v.data, v.nbytes);
            return t;
        };
        auto copied = std::make_unique<Engine>(checkpoint.config(), copying, opts);
        const double copyS = now() - t0;
        const Memory afterCopy = memory();
        std::printf("  copying loader (for comparison)       %7.3f s, anonymous memory +%.0f MiB\n", copyS,
                    afterCopy.anonMiB - before.anonMiB);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_load: %s\n", e.what());
        rc = 1;
    }
    if (!keep) fs::remove_all(dir);
    else std::printf("  kept %s\n", dir.c_str());
    return rc;
}
