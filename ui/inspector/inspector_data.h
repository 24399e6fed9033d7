#pragma once
// What the inspector paints for one (run, sample), gathered without any widget: the stored
// score row and its arrays, the run's prompt rebuilt with model B's tokenizer (exactly the ids
// the scorer used), and the derived per-token values. Qt-free and torch-free, so tests can
// check it against the store directly.
#include "core/datasets/conversation.h"
#include "db/project_store.h"
#include "db/run_store.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace gateau::tok {
class Tokenizer;
}

namespace gateau::ui {

struct InspectorData {
    int64_t runId = 0, sampleId = 0;
    std::string externalId;  // the dataset's id of the sample ("" when unknown)

    // The conversation as imported; false only when the sample does not exist.
    bool hasConversation = false;
    datasets::Conversation conversation;

    // The run's score row. scoreStatus: "" (no row, or runId 0), "done" or "failed".
    std::string scoreStatus, scoreError;
    db::StoredScore score;    // scalars only (arraysBlob is cleared)
    bool hasArrays = false;   // scoreStatus == "done" and the blob decoded
    db::ScoreArrays arrays;

    // The run's configuration (from its canonical JSON).
    std::string modelA, modelB, dtype;
    int64_t segmentLen = 0;

    // The prompt rebuilt with model B's tokenizer; only when hasTokens.
    bool hasTokens = false;
    std::vector<int64_t> ids;              // the scored sequence, cut at spanEnd
    std::vector<std::string> tokenTexts;   // display text of each of ids (tokenizer's tokenText)
    int64_t contextBegin = 0, contextEnd = 0, spanFrom = 0, spanEnd = 0;
    std::vector<std::pair<int64_t, int64_t>> segments;  // [begin, end) in ids coordinates
    // Per kept context token, its bytes [begin, end) in the context text (the context as
    // scoring::splitConversation makes it): where evidence spans are stored.
    std::vector<std::pair<int64_t, int64_t>> contextBytes;

    // Derived values the views paint (hasArrays).
    std::vector<float> contextValues;  // per context token (hasTokens): A_k / |segment k|
    std::vector<float> responseDelta;  // per response token: logprobsB - logprobsA

    // Human-readable problems that leave part of the view empty (model folder moved,
    // tokenizer missing, corrupt blob, ...). `error` is set when nothing at all can be shown.
    std::vector<std::string> messages;
    std::string error;

    double loadSeconds = 0;  // wall time of loadInspectorData

    int64_t contextTokenCount() const { return contextEnd - contextBegin; }
    int64_t responseTokenCount() const { return hasArrays ? arrays.responseTokens : 0; }
    int64_t segmentCount() const { return hasArrays ? arrays.segments : 0; }
    // Context tokens (0-based within the context) covering bytes [start, end): {first, one
    // past the last}; {-1, -1} when none does.
    std::pair<int, int> tokensOfBytes(int64_t start, int64_t end) const;
    // Bytes of context tokens [first, last]: {start, end}; {-1, -1} when out of range.
    std::pair<int64_t, int64_t> bytesOfTokens(int first, int last) const;
    // Index of the segment holding absolute position pos; -1 outside the context.
    int segmentOfPosition(int64_t pos) const;
};

// Model B's tokenizer, loaded once per folder. Thread-safe (the loader thread owns one).
class TokenizerCache {
public:
    // Throws tok::TokenizerError / std::runtime_error naming the folder.
    std::shared_ptr<const tok::Tokenizer> get(const std::string& dir);
    int loads() const;

private:
    mutable std::mutex mutex_;
    std::string dir_;
    std::shared_ptr<const tok::Tokenizer> tokenizer_;
    int loads_ = 0;
};

// Everything for one sample. runId 0: only the conversation. Never throws: problems end up
// in messages / error. The store must belong to the calling thread.
InspectorData loadInspectorData(db::ProjectStore& store, int64_t runId, int64_t sampleId,
                                TokenizerCache* tokenizers = nullptr);

// Spreads one value per segment over the segment's tokens, divided by the segment's length:
// result[i] for absolute position contextBegin + i. Positions outside every segment (and
// segments without a value) get NaN.
std::vector<float> perTokenFromSegments(const std::vector<std::pair<int64_t, int64_t>>& segments,
                                        int64_t contextBegin, int64_t contextEnd,
                                        const std::vector<float>& segmentValues);

// Row t of tokenSegmentAttention ([segments]); empty when t is out of range.
std::vector<float> tokenSegmentRow(const db::ScoreArrays& arrays, int64_t t);

// cos(a, b) over the common length; NaN when either is all zero.
double cosine(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace gateau::ui
