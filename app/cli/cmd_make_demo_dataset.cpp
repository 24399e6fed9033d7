#include "app/cli/command.h"
#include "core/datasets/demo_generator.h"

#include <cstdio>

namespace {

using namespace gateau;

int runMakeDemo(const cli::Args& a) {
    cli::ArgParser p(a, {}, {"samples", "seed", "min-words", "max-words"});
    p.requirePositionals(1, 1, "gateau make-demo-dataset OUT.jsonl [--samples N] [--seed S] [--min-words W] [--max-words W]");
    datasets::DemoOptions o;
    o.samples = int(p.intValue("samples", 200));
    o.seed = uint64_t(p.intValue("seed", 1));
    o.minWords = size_t(p.intValue("min-words", 2000));
    o.maxWords = size_t(p.intValue("max-words", 16000));
    if (o.samples < 1) throw cli::CliError("--samples must be at least 1", 2);
    if (o.minWords < 100 || o.maxWords < o.minWords) throw cli::CliError("need 100 <= --min-words <= --max-words", 2);
    auto corpus = datasets::loadDemoCorpus();
    auto s = datasets::writeDemoDataset(p.positionals()[0], o, corpus);
    std::printf("wrote %d samples to %s (%d long-range, %d local; corpus %zu passages, %zu words)\n", s.samples,
                p.positionals()[0].c_str(), s.longDependency, s.localDependency, s.corpusPassages, s.corpusWords);
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("make-demo-dataset", "gateau make-demo-dataset OUT.jsonl [--samples N] [--seed S]",
                   "Write the built-in LongAlign-format demo dataset from Debian's licence texts and docs, with ground-truth dependency tags.",
                   runMakeDemo);
