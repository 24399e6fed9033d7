// libFuzzer target: arbitrary bytes as a .safetensors file. Only ModelError may come out of the
// parser, and every tensor it accepts must lie inside the input, with a byte count that
// matches its shape (the reads below would trip AddressSanitizer otherwise).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace gateau::model;
    try {
        const SafetensorsHeader h = parseSafetensorsHeader(data, size, size, "fuzz.safetensors");
        std::vector<float> values;
        for (const TensorInfo& t : h.tensors) {
            if (h.dataOffset + t.end > size || t.begin > t.end) __builtin_trap();
            if (!dtypeSupported(t.dtype)) continue;
            if (t.numel() * dtypeSize(t.dtype) != t.nbytes()) __builtin_trap();
            values.resize(t.numel());
            convertToFloat(t.dtype, data + h.dataOffset + t.begin, values.size(), values.data());
        }
    } catch (const ModelError&) {
    }
    return 0;
}
