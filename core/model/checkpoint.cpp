#include "core/model/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/model/tensor_names.h"

namespace gateau::model {

namespace fs = std::filesystem;

namespace {

std::string join(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

bool isFile(const std::string& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

// Shard names come from a file we do not trust; keep them inside the checkpoint folder.
bool plainFileName(const std::string& n) {
    return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos &&
           n.find('\0') == std::string::npos;
}

std::map<std::string, std::string> readWeightMap(const std::string& indexPath) {
    std::ifstream in(indexPath, std::ios::binary);
    if (!in) throw ModelError(indexPath + ": cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw ModelError(indexPath + ": not a valid JSON object");
    auto wm = j.find("weight_map");
    if (wm == j.end() || !wm->is_object()) throw ModelError(indexPath + ": missing 'weight_map' object");
    std::map<std::string, std::string> out;
    for (auto it = wm->begin(); it != wm->end(); ++it) {
        if (!it->is_string() || !plainFileName(it->get<std::string>()))
            throw ModelError(indexPath + ": weight_map entry for tensor '" + it.key() +
                             "' is not a plain file name");
        out[it.key()] = it->get<std::string>();
    }
    if (out.empty()) throw ModelError(indexPath + ": weight_map is empty");
    return out;
}

}  // namespace

uint64_t TensorView::numel() const {
    uint64_t n = 1;
    for (auto d : shape) n *= static_cast<uint64_t>(d);
    return n;
}

std::vector<float> TensorView::toFloats() const {
    if (!dtypeSupported(dtype))
        throw ModelError(file + ": tensor '" + name + "': dtype " + dtypeName + " is not supported (only F32, F16, BF16)");
    std::vector<float> out(numel());
    convertToFloat(dtype, data, out.size(), out.data());
    return out;
}

Checkpoint Checkpoint::open(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw ModelError(dir + ": not a checkpoint folder (no such directory)");
    Checkpoint ck;
    ck.dir_ = dir;
    const std::string configPath = join(dir, "config.json");
    if (!isFile(configPath)) throw ModelError(dir + ": no config.json in the checkpoint folder");
    ck.config_ = ModelConfig::fromFile(configPath);

    const std::string indexPath = join(dir, "model.safetensors.index.json");
    const std::string singlePath = join(dir, "model.safetensors");
    if (isFile(indexPath)) {
        ck.indexFile_ = indexPath;
        const auto weightMap = readWeightMap(indexPath);
        std::map<std::string, size_t> shardIndex;
        for (const auto& [tensor, shard] : weightMap) {
            if (shardIndex.count(shard)) continue;
            const std::string shardPath = join(dir, shard);
            if (!isFile(shardPath))
                throw ModelError(indexPath + ": shard '" + shard + "' (holding tensor '" + tensor +
                                 "') does not exist");
            shardIndex[shard] = 0;
        }
        for (auto& [shard, idx] : shardIndex) {
            idx = ck.files_.size();
            ck.files_.push_back(std::make_shared<SafetensorsFile>(SafetensorsFile::open(join(dir, shard))));
        }
        for (const auto& [tensor, shard] : weightMap) {
            size_t idx = shardIndex.at(shard);
            const TensorInfo* info = ck.files_[idx]->find(tensor);
            if (!info)
                throw ModelError(indexPath + ": tensor '" + tensor + "' is mapped to '" + shard +
                                 "' but that shard does not contain it");
            ck.tensors_[tensor] = {idx, info};
        }
    } else if (isFile(singlePath)) {
        ck.files_.push_back(std::make_shared<SafetensorsFile>(SafetensorsFile::open(singlePath)));
        for (const auto& t : ck.files_[0]->tensors()) ck.tensors_[t.name] = {0, &t};
    } else {
        bool shards = false, bins = false;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            const std::string ext = e.path().extension().string();
            shards = shards || ext == ".safetensors";
            bins = bins || ext == ".bin" || ext == ".pt" || ext == ".pth";
        }
        if (shards)
            throw ModelError(dir + ": .safetensors shards without model.safetensors.index.json");
        if (bins)
            throw ModelError(dir + ": only PyTorch pickle weights (.bin/.pt); convert them to safetensors");
        throw ModelError(dir + ": no model.safetensors or model.safetensors.index.json");
    }
    return ck;
}

std::vector<std::string> Checkpoint::tensorNames() const {
    std::vector<std::string> names;
    names.reserve(tensors_.size());
    for (const auto& kv : tensors_) names.push_back(kv.first);
    return names;
}

std::optional<TensorView> Checkpoint::find(const std::string& name) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) return std::nullopt;
    const auto& f = files_[it->second.file];
    const TensorInfo& t = *it->second.info;
    return TensorView{t.name, t.dtype, t.dtypeName, t.shape, f->data(t), t.nbytes(), f->path(), f};
}

TensorView Checkpoint::require(const std::string& name) const {
    auto v = find(name);
    if (!v) throw ModelError(dir_ + ": missing tensor '" + name + "'");
    files_[tensors_.at(name).file]->requireSupportedDtype(*tensors_.at(name).info);
    return *v;
}

std::vector<std::string> Checkpoint::weightFiles() const {
    std::vector<std::string> out;
    for (const auto& f : files_) out.push_back(f->path());
    std::sort(out.begin(), out.end());
    return out;
}

void Checkpoint::validateFor(const ModelConfig& c) const {
    for (const TensorSpec& spec : expectedTensors(c)) {
        auto v = find(spec.name);
        if (!v)
            throw ModelError(dir_ + ": missing tensor '" + spec.name + "' (expected shape " +
                             shapeString(spec.shape) + ")");
        if (v->shape != spec.shape)
            throw ModelError(v->file + ": tensor '" + spec.name + "' has shape " + shapeString(v->shape) +
                             " but the config needs " + shapeString(spec.shape));
        require(spec.name);
    }
}

}  // namespace gateau::model
