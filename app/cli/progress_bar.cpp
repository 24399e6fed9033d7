#include "app/cli/progress_bar.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace gateau::cli {

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), tty_(isatty(STDERR_FILENO)) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(double fraction, const std::string& detail) {
    if (!tty_) return;
    fraction = std::clamp(fraction, 0.0, 1.0);
    const int width = 30;
    int filled = int(fraction * width + 0.5);
    std::string bar(size_t(filled), '#');
    bar.append(size_t(width - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %3d%% %s\033[K", label_.c_str(), bar.c_str(), int(fraction * 100), detail.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::finish() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
}

}  // namespace gateau::cli
