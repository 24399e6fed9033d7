#pragma once
// Models by name from the local Hugging Face hub cache, offline: "Qwen/Qwen3-8B" or
// "Qwen/Qwen3-8B@<branch, tag or commit>" names the snapshot folder
// <cache>/models--Qwen--Qwen3-8B/snapshots/<commit>/ that huggingface_hub downloaded.
// Nothing here ever touches the network. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace gateau::model {

// The hub cache folder, as huggingface_hub finds it: $HF_HUB_CACHE, else $HF_HOME/hub, else
// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. (It may not exist.)
std::string hfHubCacheDir();

// Whether `spec` has the shape of a hub repo id: "name" or "owner/name" (letters, digits,
// '-', '_', '.'; no leading '.', no "--" or ".."), optionally followed by "@revision".
bool looksLikeRepoId(const std::string& spec);

// The checkpoint folder a model argument names; every place that takes a model folder (CLI,
// RUN.json, the scoring dialog) calls this. An existing path wins (relative paths are taken
// relative to baseDir when it is given, else to the working directory) and is returned as
// given (joined to baseDir). Otherwise a repo id is resolved in the cache; the snapshot must
// hold config.json and every weight file its index lists. Throws ModelError naming what was
// looked for and where: a missing model, revision or file is never downloaded. Anything else
// is returned unchanged, so that opening it reports the missing folder.
std::string resolveModelDir(const std::string& spec, const std::string& baseDir = {});

// One snapshot in the cache, for `gateau models` and the scoring dialog.
struct CachedModel {
    std::string repoId;    // "Qwen/Qwen3-8B"
    std::string revision;  // the refs naming this snapshot ("main", ...), else the commit
    std::string commit;
    std::string dir;        // the snapshot folder
    std::string modelType;  // config.json "model_type"; empty when unreadable
    uint64_t sizeBytes = 0;  // the snapshot's files (symlinks followed, each blob once)
    bool supported = false;  // complete, and its config parses for our engine
    std::string problem;     // why not supported: incomplete snapshot, config refused, ...
    // What resolveModelDir takes for this snapshot: the repo id for main, else repo@revision.
    std::string spec() const;
};

// Every model snapshot in `cacheDir` (default: hfHubCacheDir()), sorted by repo id then
// revision; empty when the folder does not exist.
std::vector<CachedModel> listCachedModels(const std::string& cacheDir = {});

}  // namespace gateau::model
