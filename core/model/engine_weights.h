#pragma once
// The weight callback of the Engine, with torch in scope. Only code that produces tensors
// (the checkpoint loader, tests, benchmarks) includes this header.
#include <ATen/core/Tensor.h>

#include "core/model/engine.h"

namespace gateau::model {

// WeightFn (declared in engine.h) maps a Hugging Face tensor name, e.g.
// "model.layers.0.self_attn.q_proj.weight", to its tensor in any float dtype on any device;
// the engine converts and moves it. It throws ModelError when the tensor is missing.
static_assert(std::is_same_v<WeightFn, std::function<at::Tensor(const std::string&)>>);

}  // namespace gateau::model
