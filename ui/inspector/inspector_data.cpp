#include "ui/inspector/inspector_data.h"

#include "core/scoring/prompt.h"
#include "core/scoring/run_config.h"
#include "core/tokenizer/tokenizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <limits>

namespace gateau::ui {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

bool isDir(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_directory(path, ec);
}

// Rebuilds the scorer's prompt; fills the token fields or adds a message.
void buildTokens(InspectorData& d, const scoring::RunConfig& config, TokenizerCache* tokenizers) {
    if (!isDir(d.modelB)) {
        d.messages.push_back("Model B's folder " + d.modelB +
                             " is missing (moved or deleted?): its tokenizer is needed to place tokens, so "
                             "only the segment profiles, the layer matrix and the per-position response "
                             "values are shown.");
        return;
    }
    std::shared_ptr<const tok::Tokenizer> tokenizer;
    TokenizerCache local;
    try {
        tokenizer = (tokenizers ? tokenizers : &local)->get(d.modelB);
    } catch (const std::exception& e) {
        d.messages.push_back(std::string("Cannot load model B's tokenizer: ") + e.what() +
                             ". Token views are unavailable; profiles and the layer matrix are shown.");
        return;
    }
    scoring::BuiltPrompt p;
    try {
        p = scoring::buildPrompt(*tokenizer, d.conversation, config.prompt);
    } catch (const std::exception& e) {
        d.messages.push_back(std::string("Cannot rebuild the scored prompt: ") + e.what());
        return;
    }
    const int64_t responseTokens = p.spanEnd - p.spanFrom;
    if (d.hasArrays && (responseTokens != d.arrays.responseTokens ||
                        int64_t(p.segments.size()) != d.arrays.segments)) {
        d.messages.push_back("The prompt rebuilt with model B's tokenizer (" + std::to_string(responseTokens) +
                             " response tokens, " + std::to_string(p.segments.size()) +
                             " segments) does not match the stored scores (" +
                             std::to_string(d.arrays.responseTokens) + " response tokens, " +
                             std::to_string(d.arrays.segments) +
                             " segments): was the tokenizer in " + d.modelB +
                             " changed? Token views are unavailable.");
        return;
    }
    d.hasTokens = true;
    d.ids.assign(p.ids.begin(), p.ids.begin() + p.spanEnd);
    d.contextBegin = p.contextBegin;
    d.contextEnd = p.contextEnd;
    d.spanFrom = p.spanFrom;
    d.spanEnd = p.spanEnd;
    d.segments = std::move(p.segments);
    // Bytes of each kept context token in the context text, for evidence spans: the same
    // rendering and offsets buildPrompt classified tokens by (truncation drops the first ones).
    try {
        const scoring::PromptParts parts = scoring::splitConversation(d.conversation, config.prompt);
        const scoring::RenderedPrompt rendered = scoring::renderPrompt(parts, config.prompt);
        const tok::Tokenizer::Encoding enc = tokenizer->encodeWithOffsets(rendered.text, config.prompt.addBos);
        const auto [cb, ce] = rendered.context;
        for (int64_t k = d.contextBegin; k < d.contextEnd; ++k) {
            const size_t at = size_t(k + p.truncatedContextTokens);
            if (at >= enc.offsets.size()) break;
            const auto& o = enc.offsets[at];
            const int64_t b = int64_t(std::clamp(o.first, cb, ce) - cb), e = int64_t(std::clamp(o.second, cb, ce) - cb);
            d.contextBytes.emplace_back(b, e);
        }
    } catch (const std::exception&) {
        d.contextBytes.clear();
    }
    if (int64_t(d.contextBytes.size()) != d.contextTokenCount()) d.contextBytes.clear();
    d.tokenTexts.reserve(d.ids.size());
    for (int64_t id : d.ids) d.tokenTexts.push_back(tokenizer->tokenText(int32_t(id)));
}

}  // namespace

std::pair<int, int> InspectorData::tokensOfBytes(int64_t start, int64_t end) const {
    int first = -1, last = -1;
    for (size_t i = 0; i < contextBytes.size(); ++i) {
        const auto [b, e] = contextBytes[i];
        if (b < end && e > start) {
            if (first < 0) first = int(i);
            last = int(i);
        }
    }
    return first < 0 ? std::make_pair(-1, -1) : std::make_pair(first, last + 1);
}

std::pair<int64_t, int64_t> InspectorData::bytesOfTokens(int first, int last) const {
    if (first < 0 || last < first || size_t(last) >= contextBytes.size()) return {-1, -1};
    int64_t b = contextBytes[size_t(first)].first, e = contextBytes[size_t(last)].second;
    for (int i = first; i <= last; ++i) {
        b = std::min(b, contextBytes[size_t(i)].first);
        e = std::max(e, contextBytes[size_t(i)].second);
    }
    return e > b ? std::make_pair(b, e) : std::make_pair(int64_t(-1), int64_t(-1));
}

int InspectorData::segmentOfPosition(int64_t pos) const {
    auto it = std::upper_bound(segments.begin(), segments.end(), pos,
                               [](int64_t v, const std::pair<int64_t, int64_t>& s) { return v < s.first; });
    if (it == segments.begin()) return -1;
    --it;
    return pos < it->second ? int(it - segments.begin()) : -1;
}

std::shared_ptr<const tok::Tokenizer> TokenizerCache::get(const std::string& dir) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tokenizer_ && dir_ == dir) return tokenizer_;
    tokenizer_.reset();
    tokenizer_ = std::shared_ptr<const tok::Tokenizer>(tok::Tokenizer::load(dir));
    dir_ = dir;
    ++loads_;
    return tokenizer_;
}

int TokenizerCache::loads() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return loads_;
}

std::vector<float> perTokenFromSegments(const std::vector<std::pair<int64_t, int64_t>>& segments,
                                        int64_t contextBegin, int64_t contextEnd,
                                        const std::vector<float>& segmentValues) {
    std::vector<float> out(size_t(std::max<int64_t>(0, contextEnd - contextBegin)), kNaN);
    for (size_t k = 0; k < segments.size() && k < segmentValues.size(); ++k) {
        const auto [b, e] = segments[k];
        if (e <= b) continue;
        const float v = segmentValues[k] / float(e - b);
        for (int64_t p = std::max(b, contextBegin); p < std::min(e, contextEnd); ++p) out[size_t(p - contextBegin)] = v;
    }
    return out;
}

std::vector<float> tokenSegmentRow(const db::ScoreArrays& arrays, int64_t t) {
    const int64_t S = arrays.segments;
    if (t < 0 || t >= arrays.responseTokens || S <= 0 ||
        int64_t(arrays.tokenSegmentAttention.size()) < (t + 1) * S)
        return {};
    const auto first = arrays.tokenSegmentAttention.begin() + t * S;
    return std::vector<float>(first, first + S);
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    if (aa <= 0 || bb <= 0) return std::numeric_limits<double>::quiet_NaN();
    return ab / std::sqrt(aa * bb);
}

InspectorData loadInspectorData(db::ProjectStore& store, int64_t runId, int64_t sampleId, TokenizerCache* tokenizers) {
    const auto t0 = std::chrono::steady_clock::now();
    InspectorData d;
    d.runId = runId;
    d.sampleId = sampleId;
    auto finish = [&] {
        d.loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return std::move(d);
    };

    try {
        const auto rows = store.samplesAfter(sampleId - 1, 1);
        if (!rows.empty() && rows.front().id == sampleId) d.externalId = rows.front().externalId;
        auto text = store.sampleText(sampleId);
        if (!text) {
            d.error = "Sample " + std::to_string(sampleId) + " does not exist in " + store.path() + ".";
            return finish();
        }
        d.conversation = std::move(text->conversation);
        d.hasConversation = true;
    } catch (const std::exception& e) {
        d.error = std::string("Cannot read sample ") + std::to_string(sampleId) + ": " + e.what();
        return finish();
    }
    if (runId <= 0) return finish();

    scoring::RunConfig config;
    try {
        const auto run = db::findRun(store, runId);
        if (!run) {
            d.messages.push_back("Run " + std::to_string(runId) + " does not exist in this project.");
            return finish();
        }
        config = scoring::runConfigFromCanonical(run->configJson);
        d.modelA = config.modelA;
        d.modelB = config.modelB;
        d.dtype = config.dtype;
        d.segmentLen = config.prompt.segmentLen;

        auto row = db::loadSampleScore(store, runId, sampleId);
        if (!row) {
            d.messages.push_back("Run " + std::to_string(runId) + " has not scored this sample yet.");
            return finish();
        }
        d.scoreStatus = row->status;
        d.scoreError = row->error;
        if (d.externalId.empty()) d.externalId = row->externalId;
        if (row->status != "done") {
            d.messages.push_back("Run " + std::to_string(runId) + " failed on this sample: " + row->error);
            d.score = std::move(*row);
            d.score.arraysBlob.clear();
            return finish();
        }
        std::string blob = std::move(row->arraysBlob);
        d.score = std::move(*row);
        try {
            d.arrays = db::decodeScoreArrays(blob);
            const auto& a = d.arrays;
            if (int64_t(a.logprobsA.size()) != a.responseTokens || int64_t(a.logprobsB.size()) != a.responseTokens ||
                int64_t(a.importance.size()) != a.segments || int64_t(a.attention.size()) != a.segments ||
                int64_t(a.layerSegmentAttention.size()) != a.layers * a.segments ||
                int64_t(a.tokenSegmentAttention.size()) != a.responseTokens * a.segments)
                throw std::runtime_error("array sizes disagree with their shapes");
            d.hasArrays = true;
        } catch (const std::exception& e) {
            d.arrays = {};
            d.messages.push_back(std::string("The stored score arrays of this sample are corrupt (") + e.what() +
                                 "); only the conversation and the summary are shown.");
            return finish();
        }
    } catch (const std::exception& e) {
        d.messages.push_back(std::string("Cannot read the run's scores: ") + e.what());
        return finish();
    }

    d.responseDelta.resize(size_t(d.arrays.responseTokens));
    for (size_t t = 0; t < d.responseDelta.size(); ++t) d.responseDelta[t] = d.arrays.logprobsB[t] - d.arrays.logprobsA[t];

    buildTokens(d, config, tokenizers);
    if (d.hasTokens) d.contextValues = perTokenFromSegments(d.segments, d.contextBegin, d.contextEnd, d.arrays.attention);
    return finish();
}

}  // namespace gateau::ui
