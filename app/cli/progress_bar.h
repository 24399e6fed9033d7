#pragma once
#include <cstdint>
#include <string>

namespace gateau::cli {

// A one-line progress bar on stderr with throughput; silent when stderr is not a terminal.
class ProgressBar {
public:
    explicit ProgressBar(std::string label);
    ~ProgressBar();
    void update(double fraction, const std::string& detail);
    void finish();

private:
    std::string label_;
    bool tty_;
    bool drawn_ = false;
};

}  // namespace gateau::cli
