// Host facts the engine's defaults depend on. Torch-free: read from /proc/cpuinfo because
// torch's own thread default may be 1 and it does not tell whether bf16 matmul is fast.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "core/model/engine.h"

namespace gateau::model {

namespace {

std::string valueOf(const std::string& line) {
    auto colon = line.find(':');
    if (colon == std::string::npos) return {};
    auto v = line.substr(colon + 1);
    auto b = v.find_first_not_of(" \t");
    return b == std::string::npos ? std::string() : v.substr(b);
}

}  // namespace

int physicalCoreCount() {
    std::ifstream in("/proc/cpuinfo");
    std::set<std::pair<std::string, std::string>> cores;
    std::string line, physical = "0";
    int processors = 0;
    while (std::getline(in, line)) {
        if (line.rfind("processor", 0) == 0) ++processors;
        else if (line.rfind("physical id", 0) == 0) physical = valueOf(line);
        else if (line.rfind("core id", 0) == 0) cores.insert({physical, valueOf(line)});
    }
    if (!cores.empty()) return int(cores.size());
    return processors > 0 ? processors : 1;  // VMs without topology lines
}

bool cpuHasBf16() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(valueOf(line));
        std::string w;
        while (words >> w)
            if (w == "avx512_bf16" || w == "amx_bf16") return true;
        return false;  // every core lists the same flags
    }
    return false;
}

const char* computeDtypeName(ComputeDtype d) {
    switch (d) {
        case ComputeDtype::Auto: return "auto";
        case ComputeDtype::Float32: return "float32";
        case ComputeDtype::BFloat16: return "bfloat16";
        case ComputeDtype::Float16: return "float16";
    }
    return "?";
}

ComputeDtype computeDtypeFromName(const std::string& n) {
    if (n == "auto") return ComputeDtype::Auto;
    if (n == "float32" || n == "fp32" || n == "f32") return ComputeDtype::Float32;
    if (n == "bfloat16" || n == "bf16") return ComputeDtype::BFloat16;
    if (n == "float16" || n == "fp16" || n == "f16" || n == "half") return ComputeDtype::Float16;
    throw ModelError("unknown dtype '" + n + "' (expected auto, float32, bfloat16 or float16)");
}

ComputeDtype resolveComputeDtype(ComputeDtype want, const std::string& device) {
    if (want != ComputeDtype::Auto) return want;
    return device.rfind("cuda", 0) == 0 || cpuHasBf16() ? ComputeDtype::BFloat16 : ComputeDtype::Float32;
}

double SpanResult::meanSpanLogprob() const {
    int64_t skip = spanFrom - firstLogprobPos;
    double sum = 0;
    int64_t count = 0;
    for (size_t i = size_t(skip < 0 ? 0 : skip); i < logprobs.size(); ++i, ++count) sum += logprobs[i];
    return count ? sum / double(count) : 0.0;
}

}  // namespace gateau::model
