#include "core/model/hf_cache.h"

#include "core/model/config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <sstream>

namespace gateau::model {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

// huggingface_hub expands "~" in these variables; so do we.
std::string expandHome(const std::string& p) {
    if (p == "~" || p.rfind("~/", 0) == 0) return env("HOME") + p.substr(1);
    return p;
}

struct CacheLocation {
    std::string dir;
    std::string how;  // which variable chose it, for error messages
};

CacheLocation cacheLocation() {
    if (const std::string v = env("HF_HUB_CACHE"); !v.empty()) return {expandHome(v), "HF_HUB_CACHE"};
    if (const std::string v = env("HF_HOME"); !v.empty()) return {(fs::path(expandHome(v)) / "hub").string(), "HF_HOME/hub"};
    if (const std::string v = env("XDG_CACHE_HOME"); !v.empty())
        return {(fs::path(expandHome(v)) / "huggingface" / "hub").string(), "XDG_CACHE_HOME/huggingface/hub"};
    return {(fs::path(env("HOME")) / ".cache" / "huggingface" / "hub").string(), "~/.cache/huggingface/hub"};
}

bool validPart(const std::string& s) {
    if (s.empty() || s.size() > 96 || s[0] == '.' || s[0] == '-') return false;
    if (s.find("--") != std::string::npos || s.find("..") != std::string::npos) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
    });
}

// "models--Qwen--Qwen3-8B" <-> "Qwen/Qwen3-8B", as huggingface_hub names repo folders.
std::string repoFolderName(const std::string& repoId) {
    std::string out = "models--";
    for (char c : repoId) out += c == '/' ? std::string("--") : std::string(1, c);
    return out;
}

std::string repoIdFromFolder(const std::string& folder) {
    std::string rest = folder.substr(std::string("models--").size()), out;
    for (size_t i = 0; i < rest.size(); ++i) {
        if (rest.compare(i, 2, "--") == 0) {
            out += '/';
            ++i;
        } else {
            out += rest[i];
        }
    }
    return out;
}

std::string readTrimmed(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// Ref name (e.g. "main", "refs/pr/1") -> commit, for every file under refs/.
std::map<std::string, std::string> readRefs(const fs::path& repoDir) {
    std::map<std::string, std::string> refs;
    std::error_code ec;
    const fs::path dir = repoDir / "refs";
    if (!fs::is_directory(dir, ec)) return refs;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) refs[fs::relative(it->path(), dir).generic_string()] = readTrimmed(it->path());
    return refs;
}

std::vector<std::string> snapshotNames(const fs::path& repoDir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::directory_iterator(repoDir / "snapshots", ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        if (it->is_directory(ec)) out.push_back(it->path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string listed(const std::vector<std::string>& names) {
    if (names.empty()) return "none";
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

// Why a snapshot folder cannot be opened as a checkpoint ("" when it looks complete). A
// snapshot's files are symlinks into ../../blobs: a missing blob is a dangling link, which
// fs::exists (following links) reports as missing.
std::string snapshotProblem(const fs::path& snap) {
    std::error_code ec;
    if (!fs::exists(snap / "config.json", ec)) return snap.string() + " has no config.json (incomplete download?)";
    const fs::path index = snap / "model.safetensors.index.json";
    if (fs::exists(index, ec)) {
        std::ifstream in(index, std::ios::binary);
        const auto j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_discarded() || !j.contains("weight_map") || !j["weight_map"].is_object())
            return index.string() + ": not a safetensors index (no \"weight_map\" object)";
        std::set<std::string> shards;
        for (const auto& [tensor, shard] : j["weight_map"].items())
            if (shard.is_string()) shards.insert(shard.get<std::string>());
        for (const auto& shard : shards)
            if (!fs::exists(snap / shard, ec))
                return snap.string() + " lacks '" + shard + "', listed in model.safetensors.index.json (incomplete download?)";
        return {};
    }
    if (!fs::exists(snap / "model.safetensors", ec))
        return snap.string() + " has neither model.safetensors nor model.safetensors.index.json (incomplete download, "
                               "or weights in another format?)";
    return {};
}

}  // namespace

std::string hfHubCacheDir() { return cacheLocation().dir; }

bool looksLikeRepoId(const std::string& spec) {
    const std::string id = spec.substr(0, spec.find('@'));
    if (spec.find('@') != std::string::npos && spec.size() == id.size() + 1) return false;  // "repo@"
    const auto slash = id.find('/');
    if (slash == std::string::npos) return validPart(id);
    return validPart(id.substr(0, slash)) && validPart(id.substr(slash + 1));
}

std::string resolveModelDir(const std::string& spec, const std::string& baseDir) {
    if (spec.empty()) return spec;
    fs::path local(spec);
    if (local.is_relative() && !baseDir.empty()) local = fs::path(baseDir) / local;
    std::error_code ec;
    if (fs::exists(local, ec) || !looksLikeRepoId(spec)) return local.string();

    const auto at = spec.find('@');
    const std::string repoId = spec.substr(0, at);
    const std::string revision = at == std::string::npos ? "main" : spec.substr(at + 1);
    if (revision.find("..") != std::string::npos || revision[0] == '/')  // stays inside the repo folder
        throw ModelError("'" + spec + "': revision '" + revision + "' is not a branch, tag or commit name");
    const CacheLocation cache = cacheLocation();
    const fs::path repoDir = fs::path(cache.dir) / repoFolderName(repoId);
    const std::string where = " (Hugging Face cache " + cache.dir + ", from " + cache.how + ")";
    if (!fs::is_directory(repoDir, ec))
        throw ModelError("'" + spec + "' is not a folder, and model '" + repoId + "' is not in the Hugging Face cache: no " +
                         repoDir.string() + where + "; Gateau never downloads: fetch it first, e.g. `hf download " +
                         repoId + "`");
    std::string commit;
    if (fs::is_regular_file(repoDir / "refs" / revision, ec)) {
        commit = readTrimmed(repoDir / "refs" / revision);
        if (commit.empty()) throw ModelError((repoDir / "refs" / revision).string() + " is empty: no commit for revision '" + revision + "'");
    } else if (fs::is_directory(repoDir / "snapshots" / revision, ec)) {
        commit = revision;  // a commit hash given directly
    } else {
        std::vector<std::string> refNames;
        for (const auto& [name, c] : readRefs(repoDir)) refNames.push_back(name);
        throw ModelError("model '" + repoId + "' has no revision '" + revision + "' in the cache: no " +
                         (repoDir / "refs" / revision).string() + " and no snapshots/" + revision + where +
                         "; refs: " + listed(refNames) + "; snapshots: " + listed(snapshotNames(repoDir)));
    }
    const fs::path snap = repoDir / "snapshots" / commit;
    if (!fs::is_directory(snap, ec))
        throw ModelError("model '" + repoId + "': refs/" + revision + " names commit " + commit + " but " + snap.string() +
                         " does not exist (incomplete download?)");
    if (const std::string problem = snapshotProblem(snap); !problem.empty())
        throw ModelError("model '" + spec + "': snapshot " + problem);
    return snap.string();
}

std::string CachedModel::spec() const { return revision == "main" ? repoId : repoId + "@" + revision; }

std::vector<CachedModel> listCachedModels(const std::string& cacheDirIn) {
    const fs::path cacheDir = cacheDirIn.empty() ? fs::path(hfHubCacheDir()) : fs::path(cacheDirIn);
    std::vector<CachedModel> out;
    std::error_code ec;
    for (auto it = fs::directory_iterator(cacheDir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string folder = it->path().filename().string();
        if (folder.rfind("models--", 0) != 0 || !it->is_directory(ec)) continue;
        const auto refs = readRefs(it->path());
        for (const auto& commit : snapshotNames(it->path())) {
            CachedModel m;
            m.repoId = repoIdFromFolder(folder);
            m.commit = commit;
            m.dir = (it->path() / "snapshots" / commit).string();
            for (const auto& [name, c] : refs)
                if (c == commit && (m.revision.empty() || name == "main")) m.revision = name;
            if (m.revision.empty()) m.revision = commit;

            std::set<fs::path> blobs;  // a file shared by two names counts once
            for (auto f = fs::recursive_directory_iterator(m.dir, ec); !ec && f != fs::recursive_directory_iterator(); f.increment(ec)) {
                std::error_code fe;
                const fs::path target = fs::canonical(f->path(), fe);
                if (!fe && fs::is_regular_file(target, fe) && blobs.insert(target).second) m.sizeBytes += fs::file_size(target, fe);
            }
            ec.clear();
            if (std::ifstream in{fs::path(m.dir) / "config.json", std::ios::binary}) {
                const auto j = nlohmann::json::parse(in, nullptr, false);
                if (j.is_object() && j.contains("model_type") && j["model_type"].is_string())
                    m.modelType = j["model_type"].get<std::string>();
            }
            m.problem = snapshotProblem(m.dir);
            if (m.problem.empty()) {
                try {
                    ModelConfig::fromFile((fs::path(m.dir) / "config.json").string());
                    m.supported = true;
                } catch (const std::exception& e) {
                    m.problem = e.what();
                }
            }
            out.push_back(std::move(m));
        }
    }
    std::sort(out.begin(), out.end(), [](const CachedModel& a, const CachedModel& b) {
        return std::tie(a.repoId, a.revision) < std::tie(b.repoId, b.revision);
    });
    return out;
}

}  // namespace gateau::model
