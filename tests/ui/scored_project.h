#pragma once
// A really scored project for the browser suites: the built-in tokenizer, two tiny random
// models and `gateau score` on a word-salad dataset (sample id i is dataset line i).
#include "tests/scoring/run_fixture.h"

#include <fstream>
#include <string>

namespace gateau::test {

struct ScoredProject {
    std::string dir, project, dataset;
    std::string error;  // empty when every step succeeded
};

inline ScoredProject makeScoredProject(const std::string& dir, int samples) {
    ScoredProject p{dir, dir + "/p.gateau", dir + "/data.jsonl", {}};
    auto step = [&p](const QStringList& args) {
        if (!p.error.empty()) return;
        const CliResult r = runCli(args);
        if (r.code != 0) p.error = args.join(' ').toStdString() + ": " + r.out + r.err;
    };
    step({"make-tokenizer", q(dir + "/tok"), "--merges", "300"});
    for (const char* seed : {"1", "2"})
        step({"make-tiny-model", q(dir + "/m" + seed), "--arch", "llama", "--tokenizer", q(dir + "/tok"), "--layers", "2",
              "--hidden", "32", "--heads", "2", "--intermediate", "64", "--seed", seed});
    writeWordDataset(p.dataset, samples);
    std::ofstream(dir + "/run.json") << R"({"model_a": "m1", "model_b": "m2", "segment_len": 32, "max_tokens": 2048, "dtype": "float32"})";
    step({"import", q(p.project), q(p.dataset)});
    step({"score", q(p.project), "--config", q(dir + "/run.json")});
    return p;
}

}  // namespace gateau::test
