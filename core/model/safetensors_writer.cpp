#include "core/model/safetensors_writer.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/model/config.h"

namespace gateau::model {

std::vector<uint8_t> encodeFloats(const std::vector<float>& values, DType dtype) {
    if (dtype == DType::Other) throw ModelError("encodeFloats: unsupported dtype");
    std::vector<uint8_t> out(values.size() * dtypeSize(dtype));
    for (size_t i = 0; i < values.size(); ++i) {
        uint8_t* p = out.data() + i * dtypeSize(dtype);
        if (dtype == DType::F32) {
            uint32_t u;
            std::memcpy(&u, &values[i], 4);
            for (int b = 0; b < 4; ++b) p[b] = static_cast<uint8_t>(u >> (8 * b));
        } else {
            uint16_t h = dtype == DType::F16 ? floatToHalf(values[i]) : floatToBf16(values[i]);
            p[0] = static_cast<uint8_t>(h);
            p[1] = static_cast<uint8_t>(h >> 8);
        }
    }
    return out;
}

void writeSafetensors(const std::string& path, const std::vector<TensorData>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    std::vector<const TensorData*> order;
    for (const auto& t : tensors) order.push_back(&t);
    std::sort(order.begin(), order.end(),
              [](const TensorData* a, const TensorData* b) { return a->name < b->name; });

    // Built by hand because nlohmann::json would sort "__metadata__" among the tensor names.
    std::string header = "{";
    if (!metadata.empty()) header += "\"__metadata__\":" + nlohmann::json(metadata).dump();
    uint64_t offset = 0;
    for (const TensorData* t : order) {
        uint64_t numel = 1;
        for (auto d : t->shape) numel *= static_cast<uint64_t>(d);
        if (t->dtype == DType::Other || numel * dtypeSize(t->dtype) != t->bytes.size())
            throw ModelError(path + ": tensor '" + t->name + "': byte count " +
                             std::to_string(t->bytes.size()) + " does not match its shape and dtype");
        nlohmann::ordered_json entry = {{"dtype", dtypeName(t->dtype)},
                                {"shape", t->shape},
                                {"data_offsets", {offset, offset + t->bytes.size()}}};
        if (header.size() > 1) header += ",";
        header += nlohmann::json(t->name).dump() + ":" + entry.dump();
        offset += t->bytes.size();
    }
    header += "}";
    header.append((8 - header.size() % 8) % 8, ' ');

    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw ModelError(path + ": cannot open for writing");
    uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const TensorData* t : order)
        out.write(reinterpret_cast<const char*>(t->bytes.data()), static_cast<std::streamsize>(t->bytes.size()));
    out.close();
    if (!out) throw ModelError(path + ": write failed");
}

}  // namespace gateau::model
