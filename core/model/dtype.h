#pragma once
// Element types found in safetensors files and the float conversions the engine needs.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace gateau::model {

// Only F32/F16/BF16 can be loaded; Other keeps files with e.g. I64 buffers listable.
enum class DType { F32, F16, BF16, Other };

// Byte size of a safetensors dtype name ("F32", "I64", "F8_E4M3", ...); nullopt if the
// name is not part of the safetensors format at all.
std::optional<size_t> safetensorsDtypeSize(const std::string& name);
DType dtypeFromName(const std::string& name);  // Other for anything but F32/F16/BF16
const char* dtypeName(DType d);                // "F32", "F16", "BF16", "?"
size_t dtypeSize(DType d);                     // 0 for Other
bool dtypeSupported(DType d);

// Rounds to nearest even, NaN stays NaN (quietened), like torch's float->bfloat16.
uint16_t floatToBf16(float f);
float bf16ToFloat(uint16_t b);
uint16_t floatToHalf(float f);
float halfToFloat(uint16_t h);

// Converts `count` elements at `src` (any alignment) to float.
void convertToFloat(DType d, const void* src, size_t count, float* dst);

// Number of NaN or infinite elements among `count` at `src` (any alignment): an exponent
// test on the raw bits, no conversion (0 for Other).
uint64_t countNonFinite(DType d, const void* src, size_t count);

}  // namespace gateau::model
