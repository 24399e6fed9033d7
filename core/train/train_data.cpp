#include "core/train/train_data.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/datasets/demo_corpus.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/train_options.h"

namespace gateau::train {

std::vector<int32_t> loadTrainingTokens(const tok::Tokenizer& tokenizer, const std::vector<std::string>& files,
                                        const std::string& corpusRoot) {
    std::vector<std::string> docs;
    if (files.empty()) {
        for (const auto& p : datasets::loadDemoCorpus(corpusRoot)) docs.push_back(p.text);
        if (docs.empty()) throw TrainError("the demo corpus is empty (no Debian licence or documentation files found)");
    } else {
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            if (!in) throw TrainError("--text " + f + ": cannot read");
            std::ostringstream ss;
            ss << in.rdbuf();
            if (ss.str().find_first_not_of(" \t\r\n") == std::string::npos) throw TrainError("--text " + f + ": empty");
            docs.push_back(ss.str());
        }
    }
    std::vector<int32_t> out;
    const auto eos = tokenizer.eosId();
    for (const auto& d : docs) {
        const auto ids = tokenizer.encode(d, false);
        out.insert(out.end(), ids.begin(), ids.end());
        if (eos) out.push_back(*eos);
    }
    if (out.size() < 2) throw TrainError("the training text gives fewer than 2 tokens");
    return out;
}

SequenceSampler::SequenceSampler(const std::vector<int32_t>& stream, CopyCurriculum curriculum, uint64_t seed)
    : stream_(stream), curriculum_(curriculum), rng_(seed ^ 0x7261696e64617461ull) {
    if (stream_.empty()) throw TrainError("no training tokens");
    if (curriculum_.randomFraction > 0) {
        alphabet_.assign(stream_.begin(), stream_.end());
        std::sort(alphabet_.begin(), alphabet_.end());
        alphabet_.erase(std::unique(alphabet_.begin(), alphabet_.end()), alphabet_.end());
    }
}

uint64_t SequenceSampler::below(uint64_t n) {
    // Multiply-shift: unbiased enough for n far below 2^64, and integer-only.
    return n == 0 ? 0 : uint64_t((__uint128_t(rng_.next()) * n) >> 64);
}

int64_t SequenceSampler::logUniformGap(int64_t maxGap) {
    // exp(u * ln(maxGap + 1)) - 1 for u uniform in [0, 1): every octave of distance equally likely.
    const double u = double(rng_.next() >> 11) * 0x1.0p-53;
    return std::min(maxGap, int64_t(std::exp(u * std::log(double(maxGap) + 1.0))) - 1);
}

bool SequenceSampler::chance(double p) {
    // Decided from 24 random bits so that the fraction is exact in integers.
    return double(rng_.next() >> 40) < p * double(1 << 24);
}

std::vector<int64_t> SequenceSampler::next(int64_t n, std::vector<CopySpan>* copies) {
    std::vector<int64_t> seq(static_cast<size_t>(n));
    if (copies) copies->clear();
    const bool withCopies = chance(curriculum_.fraction);
    // No draw when there are no random sequences: runs without them keep their data exactly.
    if (withCopies && curriculum_.randomFraction > 0 && chance(curriculum_.randomFraction)) {
        for (auto& t : seq) t = alphabet_[below(alphabet_.size())];
    } else {
        const uint64_t size = stream_.size();
        for (int64_t i = 0; i < n; ++i) seq[size_t(i)] = stream_[(cursor_ + uint64_t(i)) % size];
        cursor_ = (cursor_ + uint64_t(n)) % size;
    }
    if (!withCopies) return seq;
    int64_t pos = n / 8 + int64_t(below(uint64_t(std::max<int64_t>(1, n / 2 - n / 8 + 1))));
    while (pos < n) {
        const int64_t maxLen = std::min(curriculum_.spanMax, pos);
        if (maxLen < curriculum_.spanMin) break;
        const int64_t len = curriculum_.spanMin + int64_t(below(uint64_t(maxLen - curriculum_.spanMin + 1)));
        const int64_t src = curriculum_.logDistance ? pos - len - logUniformGap(pos - len)
                                                    : int64_t(below(uint64_t(pos - len + 1)));
        const int64_t take = std::min(len, n - pos);
        // Forward copy of an earlier range: src + len <= pos, so no overlap.
        std::copy(seq.begin() + src, seq.begin() + src + take, seq.begin() + pos);
        if (copies) copies->push_back({src, pos, take});
        pos += take;
        pos += int64_t(below(uint64_t(len / 4 + 1)));  // a little fresh text between copies
    }
    return seq;
}

nlohmann::json SequenceSampler::state() const {
    nlohmann::json words = nlohmann::json::array();
    for (auto w : rng_.state()) words.push_back(std::to_string(w));  // strings: JSON readers lose 64-bit ints
    return {{"cursor", cursor_}, {"rng", words}};
}

void SequenceSampler::restore(const nlohmann::json& j) {
    try {
        std::array<uint64_t, 4> s{};
        const auto& words = j.at("rng");
        if (!words.is_array() || words.size() != 4) throw std::invalid_argument("rng must hold 4 words");
        for (size_t i = 0; i < 4; ++i) s[i] = std::stoull(words[i].get<std::string>());
        const uint64_t cursor = j.at("cursor").get<uint64_t>();
        if (cursor >= stream_.size()) throw std::invalid_argument("cursor beyond the training text");
        rng_.setState(s);
        cursor_ = cursor;
    } catch (const std::exception& e) {
        throw TrainError(std::string("data state: ") + e.what());
    }
}

}  // namespace gateau::train
