// Encoding speed on a ~64k-token text per tokenizer: `bench_tokenizer [testdata/tokenizers dir]`.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/tokenizer/tokenizer.h"

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The golden texts repeated until the tokenizer counts at least `target` tokens.
std::string buildText(const gateau::tok::Tokenizer& tok, const std::string& goldenPath, size_t target) {
    std::string corpus;
    std::ifstream in(goldenPath);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) corpus += nlohmann::json::parse(line).at("text").get<std::string>() + "\n";
    if (corpus.empty()) return {};
    std::string text;
    size_t tokens = 0;
    const size_t per = tok.encode(corpus, false).size();
    while (tokens < target) {
        text += corpus;
        tokens += per;
    }
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string dir = argc > 1 ? argv[1] : std::string(GATEAU_SHARED_DIR) + "/testdata/tokenizers";
    for (const char* name : {"llama3", "qwen3", "mistral", "llama2"}) {
        try {
            auto t0 = std::chrono::steady_clock::now();
            const auto tok = gateau::tok::Tokenizer::load(dir + "/" + name);
            const double load = secondsSince(t0);
            const std::string text = buildText(*tok, dir + "/" + name + "/golden.jsonl", 65536);
            // A fresh tokenizer so the first pass runs with an empty word cache.
            const auto fresh = gateau::tok::Tokenizer::load(dir + "/" + name);
            t0 = std::chrono::steady_clock::now();
            const size_t n = fresh->encode(text, false).size();
            const double cold = secondsSince(t0);
            t0 = std::chrono::steady_clock::now();
            const int reps = 5;
            for (int i = 0; i < reps; ++i) fresh->encode(text, false);
            const double warm = secondsSince(t0) / reps;
            std::printf("%-8s load %6.3f s | %zu tokens (%zu bytes): cold %7.0f tok/s, warm %7.0f tok/s\n", name, load,
                        n, text.size(), n / cold, n / warm);
        } catch (const std::exception& e) {
            std::printf("%-8s failed: %s\n", name, e.what());
        }
    }
    return 0;
}
