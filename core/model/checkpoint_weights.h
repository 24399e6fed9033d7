#pragma once
// An Engine fed from a checkpoint folder: the bridge between the safetensors loader
// (torch-free) and the libtorch engine.
#include "core/model/engine.h"

#include <memory>

namespace gateau::model {

class Checkpoint;

// Validates the checkpoint against its config and builds an Engine from its tensors.
// Every tensor is copied while the Engine is constructed, so the checkpoint (and its
// mapping) may be closed once this returns. Errors name the file and tensor.
std::unique_ptr<Engine> loadEngine(const Checkpoint& checkpoint, const EngineOptions& options);

}  // namespace gateau::model
