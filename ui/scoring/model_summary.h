#pragma once
// What the scoring dialog shows about a checkpoint folder and about this machine (the
// Hugging Face cache's models, the GPUs). Both are read from disk or from CUDA, which takes
// from milliseconds to seconds (CUDA's initialisation): call them off the GUI thread.
#include "core/model/config.h"
#include "core/model/hf_cache.h"

#include <QString>

#include <algorithm>
#include <string>
#include <vector>

namespace gateau::ui {

// What the dialog shows about a checkpoint folder (read from config.json and the weight
// headers only; nothing is hashed or loaded).
struct ModelSummary {
    bool ok = false;
    QString error;  // names the offending file when !ok
    QString dir;  // the folder: the spec's snapshot for a cached model (model::resolveModelDir)
    QString arch, ropeScaling;  // ropeScaling: "none", "dynamic ×4", ...
    quint64 parameters = 0;
    qint64 layers = 0, hidden = 0, heads = 0, kvHeads = 0, vocab = 0, contextWindow = 0;
    // The sliding window when every layer has one (then no token sees further back), else 0.
    qint64 slidingWindow = 0;
    // How far back a token can attend: what makes A the short-window model.
    qint64 reach() const { return slidingWindow > 0 ? std::min(contextWindow, slidingWindow) : contextWindow; }
    double ropeTheta = 0;
    bool hasTokenizer = false;  // tokenizer.json or tokenizer.model in the folder
    model::ModelConfig config;  // for the checks of max_tokens against B's window
};
// `spec`: a folder, or a repo id of the local Hugging Face cache ("Qwen/Qwen3-8B[@rev]").
ModelSummary describeModel(const QString& spec);

// 4200000 -> "4.2M", 6738415616 -> "6.7B", 950 -> "950".
QString humanCount(quint64 n);

// What the dialog offers to pick from: the models of the local Hugging Face cache and the
// devices ("cpu", then "cuda:0".. for model::cudaDeviceCount()).
struct MachineInventory {
    std::vector<model::CachedModel> cached;
    std::string cacheDir;
    std::vector<std::string> devices;
};
MachineInventory takeMachineInventory();

}  // namespace gateau::ui
