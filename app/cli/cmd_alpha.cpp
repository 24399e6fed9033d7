#include "app/cli/command.h"
#include "db/project_store.h"
#include "db/ranking_settings.h"

#include <cstdio>
#include <stdexcept>

namespace {

using namespace gateau;

const char* kUsage = "gateau alpha PROJECT [VALUE]";

int runAlpha(const cli::Args& a) {
    cli::ArgParser p(a, {}, {});
    p.requirePositionals(1, 2, kUsage);
    if (p.positionals().size() == 1) {
        auto store = db::ProjectStore::openReadOnly(p.positionals()[0]);
        std::printf("%.4g\n", db::projectAlpha(store.db()));
        return 0;
    }
    const std::string& text = p.positionals()[1];
    double alpha = 0;
    try {
        size_t used = 0;
        alpha = std::stod(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
    } catch (const std::exception&) {
        throw cli::CliError("alpha: \"" + text + "\" is not a number; usage: " + kUsage, 2);
    }
    auto store = db::ProjectStore::open(p.positionals()[0], false);
    try {
        db::setProjectAlpha(store.db(), alpha);
    } catch (const std::invalid_argument& e) {
        throw cli::CliError(std::string("alpha: ") + e.what(), 2);
    }
    store.finish();
    std::printf("%s: alpha %.4g (rank, export, evaluate, compare and the workbench start from it)\n",
                p.positionals()[0].c_str(), alpha);
    return 0;
}

}  // namespace

GATEAU_CLI_COMMAND("alpha", kUsage,
                   "Print PROJECT's ranking alpha (score = alpha * HMG + (1 - alpha) * CAM; 0.7 unless set), or set it "
                   "to VALUE in [0, 1]. It is stored in the project: rank, export, evaluate and compare use it when "
                   "--alpha is not given, and the workbench's slider starts from it.",
                   runAlpha);
