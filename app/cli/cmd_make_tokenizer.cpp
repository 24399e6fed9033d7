#include "app/cli/command.h"
#include "core/datasets/demo_corpus.h"
#include "core/tokenizer/bpe_trainer.h"

#include <cstdio>
#include <fstream>

namespace {

using namespace gateau;

const char* kUsage = "gateau make-tokenizer OUT_DIR [--text FILE]... [--merges N]";

int runMakeTokenizer(const cli::Args& a) {
    cli::ArgParser p(a, {}, {"text", "merges"});
    p.requirePositionals(1, 1, kUsage);
    tok::BpeTrainOptions o;
    o.merges = int(p.intValue("merges", 2000));
    if (o.merges < 0 || o.merges > 100000) throw cli::CliError("--merges must be in [0, 100000]", 2);
    std::vector<std::string> texts;
    std::string source;
    if (p.has("text")) {
        source = p.value("text");
        std::ifstream in(source, std::ios::binary);
        if (!in) throw cli::CliError(source + ": cannot open");
        texts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
        source = "the built-in demo corpus";
        for (auto& passage : datasets::loadDemoCorpus()) texts.push_back(std::move(passage.text));
    }
    const int64_t vocab = tok::writeTrainedTokenizer(p.positionals()[0], texts, o);
    std::printf("wrote a byte-level BPE tokenizer (%lld tokens) trained on %s to %s\n", (long long)vocab,
                source.c_str(), p.positionals()[0].c_str());
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("make-tokenizer", kUsage,
                   "Train a small byte-level BPE tokenizer.json (on a text file, default the built-in demo corpus), "
                   "for tiny models on machines without a downloaded tokenizer.",
                   runMakeTokenizer);
