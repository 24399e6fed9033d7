#pragma once
// A Hugging Face checkpoint folder: config.json plus model.safetensors, or shards listed by
// model.safetensors.index.json. Weights stay memory-mapped for the Checkpoint's lifetime.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/config.h"
#include "core/model/dtype.h"
#include "core/model/safetensors.h"

namespace gateau::model {

struct TensorView {
    std::string name;
    DType dtype = DType::Other;
    std::string dtypeName;
    std::vector<int64_t> shape;
    const void* data = nullptr;  // inside the mapping; not necessarily aligned
    uint64_t nbytes = 0;
    std::string file;  // path of the .safetensors file holding it
    // Keeps the mapping that `data` points into alive, also after the Checkpoint is gone:
    // the engine uses weights in place (checkpoint_weights.cpp).
    std::shared_ptr<const SafetensorsFile> mapping;

    uint64_t numel() const;
    std::vector<float> toFloats() const;  // throws for unsupported dtypes
};

class Checkpoint {
public:
    // Reads config.json and maps every weight file; checks the index against the shards.
    // Throws ModelError naming the offending file or tensor.
    static Checkpoint open(const std::string& dir);

    const std::string& dir() const { return dir_; }
    const ModelConfig& config() const { return config_; }
    bool sharded() const { return !indexFile_.empty(); }
    const std::string& indexFile() const { return indexFile_; }  // empty when not sharded

    std::vector<std::string> tensorNames() const;  // sorted
    std::optional<TensorView> find(const std::string& name) const;
    // Like find, but a missing tensor or an unsupported dtype throws.
    TensorView require(const std::string& name) const;
    std::vector<std::string> weightFiles() const;  // absolute-or-as-given paths, sorted
    const std::vector<std::shared_ptr<SafetensorsFile>>& files() const { return files_; }

    // Every tensor the architecture needs exists, has the config's shape and a loadable dtype.
    void validateFor(const ModelConfig& c) const;
    void validate() const { validateFor(config_); }

private:
    struct Entry {
        size_t file;
        const TensorInfo* info;
    };

    std::string dir_;
    std::string indexFile_;
    ModelConfig config_;
    std::vector<std::shared_ptr<SafetensorsFile>> files_;
    std::map<std::string, Entry> tensors_;
};

}  // namespace gateau::model
