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
        // Mapped bytes need not be aligned for their dtype: copy into an owned tensor.
        at::Tensor t = at::empty(v.shape, at::TensorOptions().dtype(type));
        std::memcpy(t.data_ptr(), v.data, v.nbytes);
        return t;
    };
    return std::make_unique<Engine>(checkpoint.config(), weights, options);
}

}  // namespace gateau::model
