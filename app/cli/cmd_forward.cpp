#include "app/cli/command.h"
#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/hf_cache.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

namespace {

using namespace gateau;

std::vector<int64_t> readIds(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw cli::CliError(path + ": cannot open");
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_array()) throw cli::CliError(path + ": expected a JSON array of token ids");
    std::vector<int64_t> ids;
    for (size_t i = 0; i < j.size(); ++i) {
        if (!j[i].is_number_integer()) throw cli::CliError(path + ": element " + std::to_string(i) + " is not an integer");
        ids.push_back(j[i].get<int64_t>());
    }
    return ids;
}

int runForward(const cli::Args& a) {
    const char* usage =
        "gateau forward --model MODEL_DIR|REPO_ID[@REV] --ids IDS.json [--span-from K] [--segment-len L] [--device D] [--dtype D] [--json]";
    cli::ArgParser p(a, {"json"}, {"model", "ids", "span-from", "segment-len", "device", "dtype", "threads", "prefill-chunk"});
    p.requirePositionals(0, 0, usage);
    if (!p.has("model") || !p.has("ids")) throw cli::CliError(std::string("usage: ") + usage, 2);
    auto ids = readIds(p.value("ids"));
    const int64_t n = int64_t(ids.size());
    if (n < 2) throw cli::CliError(p.value("ids") + ": need at least 2 token ids");
    const int64_t K = p.intValue("span-from", 1), L = p.intValue("segment-len", 0);
    if (K < 1 || K > n - 1) throw cli::CliError("--span-from must be in 1.." + std::to_string(n - 1), 2);
    if (L < 0) throw cli::CliError("--segment-len must be positive", 2);

    auto checkpoint = model::Checkpoint::open(model::resolveModelDir(p.value("model")));
    const int64_t vocab = checkpoint.config().vocabSize;
    for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || ids[i] >= vocab)
            throw cli::CliError(p.value("ids") + ": id " + std::to_string(ids[i]) + " at index " + std::to_string(i) +
                                " is outside the vocabulary (0.." + std::to_string(vocab - 1) + ")");
    model::EngineOptions opts;
    opts.device = p.value("device", "cpu");
    opts.dtype = model::computeDtypeFromName(p.value("dtype", "auto"));
    opts.threads = int(p.intValue("threads", 0));
    opts.prefillChunk = p.intValue("prefill-chunk", opts.prefillChunk);
    auto engine = model::loadEngine(checkpoint, opts);

    model::SpanRequest req;
    req.spanFrom = K;
    req.allLogprobs = true;
    req.segmentLen = L;
    auto r = engine->scoreSpan(ids, req);

    nlohmann::json out;
    out["n"] = n;
    out["span_from"] = K;
    out["device"] = engine->info().device;
    out["dtype"] = engine->info().dtype;
    out["logprobs"] = r.logprobs;
    if (L > 0) {
        out["segment_len"] = L;
        out["num_segments"] = r.numSegments;
        auto& seg = out["segment_attention"] = nlohmann::json::array();
        for (int64_t l = 0; l < r.numLayers; ++l) {
            std::vector<float> row(size_t(r.numSegments));
            for (int64_t s = 0; s < r.numSegments; ++s) row[size_t(s)] = r.segmentAt(l, s);
            seg.push_back(row);
        }
    }
    double sum = 0;
    for (size_t i = size_t(K - 1); i < r.logprobs.size(); ++i) sum += r.logprobs[i];
    out["span_mean_logprob"] = sum / double(n - K);
    if (p.flag("json")) {
        std::cout << out.dump() << "\n";
    } else {
        std::cout << "n=" << n << " span " << K << ".." << n - 1 << " mean log p " << out["span_mean_logprob"].get<double>()
                  << " (" << engine->info().device << ", " << engine->info().dtype << ")\n";
    }
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("forward",
                   "gateau forward --model MODEL_DIR|REPO_ID[@REV] --ids IDS.json [--span-from K] [--segment-len L] [--device D] [--dtype D] [--json]",
                   "One forward pass: per-token log-probs (n-1) and, with --segment-len, the span's attention per segment and layer.",
                   runForward);
