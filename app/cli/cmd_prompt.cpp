// gateau prompt: what the model sees for each record, as the scorer builds it (METHOD.md
// "Tokenization"): the whole rendered template's ids and which of them are the context, its
// segments, the instruction and the response.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "app/cli/command.h"
#include "core/datasets/record_parser.h"
#include "core/model/hf_cache.h"
#include "core/scoring/prompt.h"
#include "core/scoring/run_config.h"
#include "core/tokenizer/tokenizer.h"

namespace {

using namespace gateau;

const char* const kUsage = "gateau prompt [--tokenizer PATH] [--config RUN.json] --jsonl RECORDS.jsonl [--json]";

// Control characters shown as escapes, so one part stays on one line.
std::string visible(const std::string& token) {
    std::string out;
    for (char c : token) {
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else out += c;
    }
    return out;
}

// Runs of tokens with one owner, each on its own labelled line; "|" between tokens and
// "‖" between context segments.
void printReadable(const tok::Tokenizer& tokenizer, const scoring::BuiltPrompt& p, size_t lineNo) {
    std::cout << "line " << lineNo << ": " << p.ids.size() << " tokens, context ";
    if (p.hasContext)
        std::cout << "[" << p.contextBegin << ", " << p.contextEnd << ") in " << p.segments.size() << " segments";
    else
        std::cout << "none";
    std::cout << ", instruction [" << p.instructionBegin << ", " << p.instructionEnd << "), response [" << p.spanFrom
              << ", " << p.spanEnd << "), " << p.truncatedContextTokens << " context tokens truncated\n";
    auto owner = [&](int64_t k) -> const char* {
        if (k >= p.spanFrom && k < p.spanEnd) return "response";
        if (k >= p.instructionBegin && k < p.instructionEnd) return "instruction";
        if (k >= p.contextBegin && k < p.contextEnd) return "context";
        return "template";
    };
    size_t segment = 0;
    for (int64_t k = 0; k < int64_t(p.ids.size());) {
        const char* part = owner(k);
        std::cout << "  " << part << std::string(12 - std::string(part).size(), ' ') << ": ";
        for (int64_t first = k; k < int64_t(p.ids.size()) && owner(k) == part; ++k) {
            const bool segmentStart = segment < p.segments.size() && p.segments[segment].first == k;
            if (segmentStart) ++segment;
            if (k > first) std::cout << (segmentStart ? "‖" : "|");
            std::cout << visible(tokenizer.tokenText(int32_t(p.ids[size_t(k)])));
        }
        std::cout << "\n";
    }
}

int runPrompt(const cli::Args& args) {
    const cli::ArgParser a(args, {"json"}, {"tokenizer", "config", "jsonl"});
    a.requirePositionals(0, 0, kUsage);
    if (!a.has("jsonl") || !(a.has("tokenizer") || a.has("config"))) throw cli::CliError(std::string("usage: ") + kUsage, 2);

    scoring::PromptConfig config;
    std::string tokenizerPath = model::resolveModelDir(a.value("tokenizer"));  // or a cached model
    if (a.has("config")) {
        try {
            const scoring::RunConfig run = scoring::loadRunConfig(a.value("config"));
            config = run.prompt;
            if (tokenizerPath.empty()) tokenizerPath = run.modelB;  // what the run scores with
        } catch (const std::exception& e) {
            throw cli::CliError(e.what());
        }
    }
    std::unique_ptr<tok::Tokenizer> tokenizer;
    try {
        tokenizer = tok::Tokenizer::load(tokenizerPath);
    } catch (const tok::TokenizerError& e) {
        throw cli::CliError(e.what());
    }

    const std::string path = a.value("jsonl");
    std::ifstream file;
    if (path != "-") {
        file.open(path, std::ios::binary);
        if (!file) throw cli::CliError(path + ": cannot open");
    }
    std::istream& in = path == "-" ? std::cin : file;
    datasets::RecordParser parser;
    size_t lineNo = 0, failed = 0;
    for (std::string line; std::getline(in, line);) {
        ++lineNo;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const size_t size = line.size();
        line.append(datasets::RecordParser::kPadding, ' ');
        datasets::ParsedRecord record;
        std::string error;
        try {
            if (!parser.parse(std::string_view(line.data(), size), datasets::Format::Auto, record, error))
                throw scoring::ScoringError(error);
            const scoring::BuiltPrompt p = scoring::buildPrompt(*tokenizer, record.conversation, config);
            if (a.flag("json")) std::cout << scoring::promptJson(p) << "\n";
            else printReadable(*tokenizer, p, lineNo);
        } catch (const std::exception& e) {
            ++failed;
            std::cout.flush();
            std::cerr << "gateau: " << path << ":" << lineNo << ": " << e.what() << "\n";
        }
    }
    if (in.bad()) throw cli::CliError(path + ": read error after line " + std::to_string(lineNo));
    return failed ? 1 : 0;
}

}  // namespace

GATEAU_CLI_COMMAND("prompt", kUsage,
                   "Show what the model sees for each dataset record: the whole prompt's tokens and which are "
                   "the context (and its segments), the instruction and the response; --json for one line each. "
                   "A record that cannot be built is reported by line and the others go on (exit 1).",
                   [](const gateau::cli::Args& a) -> int { return runPrompt(a); });
