#pragma once
// An Engine fed from a checkpoint folder: the bridge between the safetensors loader
// (torch-free) and the libtorch engine.
#include "core/model/engine.h"

#include <memory>

namespace gateau::model {

class Checkpoint;

// Validates the checkpoint against its config and builds an Engine from its tensors.
// Tensors stored in the compute dtype are used in place, from the read-only memory map (the
// engine keeps the mappings alive, so the Checkpoint may be closed once this returns); the
// others are converted, or copied to the device. Errors name the file and tensor.
std::unique_ptr<Engine> loadEngine(const Checkpoint& checkpoint, const EngineOptions& options);

}  // namespace gateau::model
