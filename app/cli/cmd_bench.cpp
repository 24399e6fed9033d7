// `gateau bench NAME`: benchmarks that print numbers (never timed unit tests).
#include "app/cli/command.h"
#include "core/util/process_stats.h"
#include "core/util/text.h"
#include "db/importer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
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

int runBench(const cli::Args& a) {
    cli::ArgParser p(a, {"keep"}, {"size-mb", "dir"});
    p.requirePositionals(1, 1, "gateau bench import [--size-mb N] [--dir DIR] [--keep]");
    const std::string& what = p.positionals()[0];
    if (what == "import") return benchImport(p);
    throw cli::CliError("unknown benchmark '" + what + "' (available: import)", 2);
}

}  // namespace

GATEAU_CLI_COMMAND("bench", "gateau bench import [--size-mb N] [--dir DIR] [--keep]",
                   "Benchmarks that print numbers: 'import' streams a generated 1 GB LongAlign-shaped file (MB/s, peak RSS).",
                   runBench);
