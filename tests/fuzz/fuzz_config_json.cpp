// libFuzzer: arbitrary bytes as a model's config.json. Only ModelError may come out; a config
// it accepts survives the round trip through toHfConfigJson.
#include "core/model/config.h"
#include "core/model/config_json.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace gateau::model;
    try {
        const ModelConfig c = ModelConfig::fromJson(std::string(reinterpret_cast<const char*>(data), size), "config.json");
        const ModelConfig back = ModelConfig::fromJson(toHfConfigJson(c).dump(), "round trip");
        if (back.numLayers != c.numLayers || back.hiddenSize != c.hiddenSize || back.vocabSize != c.vocabSize ||
            back.maxPositionEmbeddings != c.maxPositionEmbeddings)
            __builtin_trap();
    } catch (const ModelError&) {
    }
    return 0;
}
