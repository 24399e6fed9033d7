#pragma once
// SIGINT, SIGTERM and SIGHUP for every command (docs/cli.md "Signals"). By default a signal
// removes this process's temporary files (util::removeRegisteredTempFiles) and ends the
// process as the signal would. Inside a GracefulInterrupt scope the first signal only sets a
// flag that the command polls to stop cleanly (gateau score: exit 130); a second one ends
// the process at once.
namespace gateau::cli {

void installSignalHandlers();  // once, from main

class GracefulInterrupt {
public:
    GracefulInterrupt();
    ~GracefulInterrupt();
    GracefulInterrupt(const GracefulInterrupt&) = delete;
    GracefulInterrupt& operator=(const GracefulInterrupt&) = delete;

    bool requested() const;
    int exitCode() const;  // 128 + the signal number (130 for SIGINT)
};

}  // namespace gateau::cli
