#include <cstdio>
#include <string>

#include "app/cli/command.h"
#include "app/cli/model_options.h"
#include "core/model/arch.h"
#include "core/model/config_json.h"

namespace {

using namespace gateau;

const char* kUsage =
    "gateau make-tiny-model OUT --arch llama|mistral|qwen2|qwen3|gemma2|gemma3|phi3 --tokenizer PATH [--vocab N] [--layers N] [--hidden N] "
    "[--heads N] [--kv-heads N] [--intermediate N] [--head-dim N] [--seed S] [--dtype f32|bf16] [--rope-theta X] "
    "[--max-pos N] [--rope-scaling TYPE:FACTOR] [--sliding-window N] [--max-window-layers N] [--partial-rotary F] "
    "[--tie] [--shards N]";

int runMakeTinyModel(const cli::Args& a) {
    cli::ArgParser p(a, cli::kModelSpecFlagNames, cli::kModelSpecValueNames);
    p.requirePositionals(1, 1, kUsage);
    if (!p.has("arch")) throw cli::CliError("--arch is required (" + model::supportedArchNames() + ")", 2);
    if (!p.has("tokenizer") && !p.has("vocab")) throw cli::CliError("--tokenizer PATH (or --vocab N) is required", 2);

    const model::TinyModelSpec s = cli::parseModelSpec(p);

    const std::string out = p.positionals()[0];
    model::TinyModelResult r;
    try {
        r = model::makeTinyModel(out, s);
    } catch (const std::exception& e) {
        throw cli::CliError(e.what());
    }
    std::printf("wrote %s: %s, %llu parameters (%lld layers, hidden %lld, vocab %lld, %s)\n", out.c_str(),
                model::archName(r.config.arch), static_cast<unsigned long long>(r.parameterCount),
                static_cast<long long>(r.config.numLayers), static_cast<long long>(r.config.hiddenSize),
                static_cast<long long>(r.config.vocabSize), r.config.torchDtype.c_str());
    for (const auto& f : r.files) std::printf("  %s\n", f.c_str());
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("make-tiny-model", kUsage,
                   "Write a small seeded random checkpoint in Hugging Face layout (for tests and demos).",
                   runMakeTinyModel);
