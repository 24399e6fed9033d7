#include "core/model/tensor_names.h"

#include "core/model/arch.h"

namespace gateau::model {

bool isPerLayer(TensorRole role) {
    return role != TensorRole::TokenEmbedding && role != TensorRole::OutputNorm && role != TensorRole::Output;
}

bool isNormWeight(TensorRole role) {
    switch (role) {
        case TensorRole::OutputNorm:
        case TensorRole::AttnNorm:
        case TensorRole::AttnQNorm:
        case TensorRole::AttnKNorm:
        case TensorRole::AttnPostNorm:
        case TensorRole::FfnNorm:
        case TensorRole::FfnPostNorm: return true;
        default: return false;
    }
}

const char* hfTensorNameTemplate(Arch arch, TensorRole role) {
    for (const auto& row : archInfo(arch).tensors)
        if (row.role == role) return row.name;
    return "";
}

std::string hfTensorName(const ModelConfig& c, TensorRole role, int64_t layer) {
    std::string name = hfTensorNameTemplate(c.arch, role);
    if (name.empty()) return name;
    auto pos = name.find("{L}");
    if (pos != std::string::npos) name.replace(pos, 3, std::to_string(layer));
    return c.tensorPrefix + name;
}

std::vector<TensorSpec> expectedTensors(const ModelConfig& c) {
    const ArchInfo& a = archInfo(c.arch);
    const int64_t h = c.hiddenSize, dh = c.headDim, q = c.numHeads * dh, kv = c.numKvHeads * dh;
    const int64_t inter = c.intermediateSize, vocab = c.vocabSize;
    std::vector<TensorSpec> out;
    auto add = [&](TensorRole role, int64_t layer, std::vector<int64_t> shape) {
        out.push_back({hfTensorName(c, role, layer), role, layer, std::move(shape)});
    };
    const bool qkvBias = hasQkvBias(c), outBias = hasOutBias(c);
    add(TensorRole::TokenEmbedding, -1, {vocab, h});
    for (int64_t l = 0; l < c.numLayers; ++l) {
        add(TensorRole::AttnNorm, l, {h});
        if (a.fusedQkv) {
            add(TensorRole::AttnQkv, l, {q + 2 * kv, h});
        } else {
            add(TensorRole::AttnQ, l, {q, h});
            add(TensorRole::AttnK, l, {kv, h});
            add(TensorRole::AttnV, l, {kv, h});
        }
        if (qkvBias) {
            add(TensorRole::AttnQBias, l, {q});
            add(TensorRole::AttnKBias, l, {kv});
            add(TensorRole::AttnVBias, l, {kv});
        }
        if (a.qkNorm) {
            add(TensorRole::AttnQNorm, l, {dh});
            add(TensorRole::AttnKNorm, l, {dh});
        }
        add(TensorRole::AttnOut, l, {h, q});
        if (outBias) add(TensorRole::AttnOutBias, l, {h});
        if (a.sandwichNorms) add(TensorRole::AttnPostNorm, l, {h});
        add(TensorRole::FfnNorm, l, {h});
        if (a.fusedGateUp) {
            add(TensorRole::FfnGateUp, l, {2 * inter, h});
        } else {
            add(TensorRole::FfnGate, l, {inter, h});
            add(TensorRole::FfnUp, l, {inter, h});
        }
        add(TensorRole::FfnDown, l, {h, inter});
        if (a.sandwichNorms) add(TensorRole::FfnPostNorm, l, {h});
    }
    add(TensorRole::OutputNorm, -1, {h});
    if (!c.tieWordEmbeddings) add(TensorRole::Output, -1, {vocab, h});
    return out;
}

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace gateau::model
