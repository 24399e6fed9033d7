#pragma once
// Writes .safetensors files the way the reference implementation lays them out.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/model/dtype.h"

namespace gateau::model {

struct TensorData {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;  // little-endian elements, numel * dtypeSize bytes
};

// Tensors are stored in name order; the header lists `__metadata__` first, then tensors in
// name order, padded with spaces to a multiple of 8 bytes. Throws ModelError on I/O errors
// or a byte count that does not match the shape.
void writeSafetensors(const std::string& path, const std::vector<TensorData>& tensors,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Packs floats into F32/F16/BF16 little-endian bytes.
std::vector<uint8_t> encodeFloats(const std::vector<float>& values, DType dtype);

}  // namespace gateau::model
