#include <ATen/ATen.h>

#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"

#include <cstring>

namespace gateau::model {

std::unique_ptr<Engine> loadEngine(const Checkpoint& checkpoint, const EngineOptions& options) {
    checkpoint.validate();
    WeightFn weights = [&checkpoint](const std::string& name) -> at::Tensor {
        TensorView v = checkpoint.require(name);
        at::ScalarType type;
        switch (v.dtype) {
        case DType::F32: type = at::kFloat; break;
        case DType::F16: type = at::kHalf; break;
        case DType::BF16: type = at::kBFloat16; break;
        default: throw ModelError(v.file + ": tensor '" + name + "' has unsupported dtype " + v.dtypeName);
        }
        // NaN or infinite weights make every sample fail; checked here, where the bytes are read
        // anyway (docs/model.md says what it costs).
        if (const uint64_t bad = countNonFinite(v.dtype, v.data, size_t(v.numel())))
            throw ModelError(v.file + ": tensor '" + name + "' has " + std::to_string(bad) + " NaN or infinite values (of " +
                             std::to_string(v.numel()) + "): the weights are damaged");
        // In place over the mapping when aligned for the dtype (safetensors data usually is):
        // the engine keeps a tensor of the compute dtype on the CPU as it is, so a bf16
        // checkpoint scored in bf16 costs page cache, not a second copy. The mapping is
        // read-only; the engine never writes its weights. The deleter holds the mapping.
        const auto opts = at::TensorOptions().dtype(type);
        if (reinterpret_cast<uintptr_t>(v.data) % at::elementSize(type) == 0)
            return at::from_blob(const_cast<void*>(v.data), v.shape, [keep = v.mapping](void*) mutable { keep.reset(); },
                                 opts);
        at::Tensor t = at::empty(v.shape, opts);
        std::memcpy(t.data_ptr(), v.data, v.nbytes);
        return t;
    };
    return std::make_unique<Engine>(checkpoint.config(), weights, options);
}

}  // namespace gateau::model
