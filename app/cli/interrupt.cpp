#include "app/cli/interrupt.h"

#include "core/util/atomic_file.h"

#include <atomic>
#include <csignal>

namespace gateau::cli {

namespace {

std::atomic<bool> g_graceful{false};
std::atomic<int> g_signal{0};

extern "C" void onSignal(int sig) {
    if (g_graceful.load() && g_signal.exchange(sig) == 0) return;  // the command stops cleanly
    util::removeRegisteredTempFiles();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

}  // namespace

void installSignalHandlers() {
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // sqlite and stdio calls carry on; the command polls the flag
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

GracefulInterrupt::GracefulInterrupt() {
    g_signal = 0;
    g_graceful = true;
}

GracefulInterrupt::~GracefulInterrupt() { g_graceful = false; }

bool GracefulInterrupt::requested() const { return g_signal.load() != 0; }

int GracefulInterrupt::exitCode() const { return 128 + g_signal.load(); }

}  // namespace gateau::cli
