// gateau tokenize: encode JSONL texts with a checkpoint's tokenizer, one id array per line.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "core/model/hf_cache.h"
#include "core/tokenizer/tokenizer.h"

namespace {

const char* const kUsage = "gateau tokenize --tokenizer PATH --jsonl IN [--special]";

void appendIds(std::string& out, const std::vector<int32_t>& ids) {
    out += '[';
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(ids[i]);
    }
    out += "]\n";
}

int runTokenize(const gateau::cli::Args& args) {
    using gateau::cli::CliError;
    const gateau::cli::ArgParser p(args, {"special"}, {"tokenizer", "jsonl"});
    p.requirePositionals(0, 0, kUsage);
    if (!p.has("tokenizer") || !p.has("jsonl")) throw CliError(std::string("usage: ") + kUsage, 2);
    const std::string tokPath = gateau::model::resolveModelDir(p.value("tokenizer"));  // or a cached model
    const std::string inPath = p.value("jsonl");
    const bool special = p.flag("special");

    std::unique_ptr<gateau::tok::Tokenizer> tok;
    try {
        tok = gateau::tok::Tokenizer::load(tokPath);
    } catch (const gateau::tok::TokenizerError& e) {
        throw CliError(e.what());
    }

    std::ifstream file;
    if (inPath != "-") {
        file.open(inPath, std::ios::binary);
        if (!file) throw CliError(inPath + ": cannot open");
    }
    std::istream& in = inPath == "-" ? std::cin : file;

    std::string line, out;
    size_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_string())
            throw CliError(inPath + ":" + std::to_string(lineNo) + ": expected one JSON string per line");
        appendIds(out, tok->encode(j.get_ref<const std::string&>(), special));
        if (out.size() > (1u << 16)) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            out.clear();
        }
    }
    if (in.bad()) throw CliError(inPath + ": read error after line " + std::to_string(lineNo));
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("tokenize", kUsage,
                   "Encode a JSONL file of strings with a checkpoint's tokenizer; prints one JSON id array per line "
                   "(--special adds BOS etc. as the tokenizer's post-processor does).",
                   [](const gateau::cli::Args& a) -> int { return runTokenize(a); });
