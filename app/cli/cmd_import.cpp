#include "app/cli/command.h"
#include "app/cli/progress_bar.h"
#include "db/importer.h"

#include <cstdio>
#include <iostream>

namespace {

using namespace gateau;

int runImport(const cli::Args& a) {
    const char* usage = "gateau import PROJECT FILE [--format auto|messages|sharegpt|alpaca] [--json]";
    cli::ArgParser p(a, {"json"}, {"format"});
    p.requirePositionals(2, 2, usage);
    auto format = datasets::parseFormat(p.value("format", "auto"));
    if (!format) throw cli::CliError("unknown --format '" + p.value("format") + "' (auto|messages|sharegpt|alpaca)", 2);
    const std::string file = p.positionals()[1];

    auto store = db::ProjectStore::open(p.positionals()[0], true);
    cli::ProgressBar bar("import");
    db::ImportOptions opts;
    opts.format = *format;
    opts.progress = [&](const db::ImportProgress& pr) {
        char detail[160];
        double mb = double(pr.bytesRead) / 1e6;
        std::snprintf(detail, sizeof detail, "%.0f/%.0f MB  %.0f MB/s  %lld records  %lld errors", mb,
                      double(pr.totalBytes) / 1e6, pr.seconds > 0 ? mb / pr.seconds : 0.0, (long long)pr.records,
                      (long long)pr.errors);
        bar.update(pr.totalBytes ? double(pr.bytesRead) / double(pr.totalBytes) : 1.0, detail);
    };
    auto r = db::importDataset(store, file, opts);
    bar.finish();
    if (!r.removedInterrupted.empty()) std::cerr << db::describeRemoved(r.removedInterrupted) << "\n";
    store.finish();  // throws when the project was moved meanwhile

    if (r.status == db::ImportResult::Status::AlreadyImported) {
        if (p.flag("json"))
            std::cout << "{\"status\":\"already_imported\",\"dataset_id\":" << r.datasetId << ",\"samples\":" << r.samples
                      << ",\"duplicates\":" << r.duplicates << "}\n";
        else if (r.duplicates > 0)
            std::cout << file << ": all " << r.duplicates << " records are already in the project (first in dataset #"
                      << r.datasetId << "); nothing added\n";
        else
            std::cout << file << ": already imported as dataset #" << r.datasetId << " (same SHA-256); nothing added\n";
        return 0;
    }
    for (size_t i = 0; i < r.issues.size() && i < 20; ++i)
        std::cerr << file << ":" << r.issues[i].line << ": " << r.issues[i].message << "\n";
    for (size_t i = 0; i < r.duplicateExamples.size() && i < 5; ++i)
        std::cerr << file << ":" << r.duplicateExamples[i].line << ": " << r.duplicateExamples[i].message << "\n";
    if (r.duplicates > 0) std::cerr << file << ": skipped " << r.duplicates << " records already in the project\n";
    for (size_t i = 0; i < r.nearDuplicateExamples.size() && i < 5; ++i)
        std::cerr << file << ":" << r.nearDuplicateExamples[i].line << ": " << r.nearDuplicateExamples[i].message << "\n";
    if (r.nearDuplicates > 0)
        std::cerr << file << ": " << r.nearDuplicates << " records are near-duplicates of earlier samples (kept; "
                  << "`gateau near-duplicates` lists them)\n";
    if (r.errors > 20) std::cerr << "... and " << (r.errors - 20) << " more problems (see `gateau info --json`)\n";
    if (p.flag("json")) {
        std::cout << "{\"status\":\"imported\",\"dataset_id\":" << r.datasetId << ",\"report\":" << r.reportJson << "}\n";
    } else {
        std::printf("imported %lld samples from %s (format %s) into dataset #%lld; %lld records skipped; %.1f MB in %.2f s (%.0f MB/s)\n",
                    (long long)r.samples, file.c_str(), r.format.c_str(), (long long)r.datasetId, (long long)r.errors,
                    double(r.bytes) / 1e6, r.seconds, r.seconds > 0 ? double(r.bytes) / 1e6 / r.seconds : 0.0);
    }
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("import", "gateau import PROJECT FILE [--format auto|messages|sharegpt|alpaca] [--json]",
                   "Import a JSONL or JSON-array dataset into PROJECT (created when missing); bad records are reported and skipped.",
                   runImport);
