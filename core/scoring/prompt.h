#pragma once
// Token sequences of one sample for the GATEAU forward passes (METHOD.md "Sample anatomy"):
// the full prompt (HMG, CAM attention, perplexity/IFD baselines), CAM's per-segment prompts
// and IFD's response-only prompt. Every piece is tokenized on its own so the response span
// and the context range are known exactly.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/datasets/conversation.h"
#include "core/scoring/formulas.h"  // ScoringError
#include "core/tokenizer/tokenizer.h"

namespace gateau::scoring {

// How a conversation splits into context, instruction and response (METHOD.md "Sample
// anatomy"; RUN.json "instruction" and "response_turn").
enum class InstructionRule {
    LastParagraph,  // "last_paragraph": the final user turn's text after its last blank line
    WholeTurn,      // "whole_turn": the whole final user turn; the context is the earlier turns
};
enum class ResponseTurn {
    Last,   // "last": the last assistant turn is scored
    First,  // "first": the first assistant turn; later turns are not part of the prompt
};
const char* instructionRuleName(InstructionRule r);
const char* responseTurnName(ResponseTurn r);
// nullopt for a name not in the table; knownInstructionRules() lists the names for messages.
std::optional<InstructionRule> instructionRuleFromName(std::string_view name);
std::optional<ResponseTurn> responseTurnFromName(std::string_view name);
std::string knownInstructionRules();  // "last_paragraph, whole_turn"
std::string knownResponseTurns();     // "last, first"

struct PromptConfig {
    // Must contain {context}, {instruction} and {response}, once each, in this order.
    std::string templ = "### Input: {context}\n\n ### Instruction: {instruction}\n\n ### Response: {response}";
    int64_t maxTokens = 65536;
    int64_t segmentLen = 128;  // L
    bool addBos = true;        // only when the tokenizer has a BOS token
    InstructionRule instruction = InstructionRule::LastParagraph;
    ResponseTurn responseTurn = ResponseTurn::Last;
};

// Throws ScoringError naming the problem (placeholders, maxTokens or segmentLen < 1).
void validate(const PromptConfig& config);

// The three texts of a sample.
struct PromptParts {
    std::string context, instruction, response;
};

// response: the scored assistant turn (config.responseTurn: the last or the first one).
// The final user turn is the last user turn before it. context: the turns before the final
// user turn, each rendered as "role: content" and joined by "\n\n", then (LastParagraph
// only) "\n\n" and the final user turn's text before its last blank line (either side may
// be empty; the separator only appears when both are non-empty). instruction: the final
// user turn's last paragraph (LastParagraph) or the whole turn (WholeTurn). Turns between
// the final user turn and the response, and after the response, are not part of the prompt.
// Throws when there is no assistant turn or no user turn before it.
PromptParts splitConversation(const datasets::Conversation& conversation, const PromptConfig& config);

struct BuiltPrompt {
    std::vector<int64_t> ids;
    int64_t contextBegin = 0, contextEnd = 0;  // token range of the (kept) context inside ids
    int64_t spanFrom = 0;                      // first response token
    int64_t spanEnd = 0;                       // one past the last response token (template text may follow)
    int64_t truncatedContextTokens = 0;        // context tokens dropped from the left
    bool truncated = false;
    // [begin, end) token ranges of the L-token context segments, in ids coordinates;
    // they tile [contextBegin, contextEnd) and only the last may be shorter. Empty
    // context: no segments.
    std::vector<std::pair<int64_t, int64_t>> segments;
};

// A prompt whose scored span is [spanFrom, spanEnd).
struct SpanPrompt {
    std::vector<int64_t> ids;
    int64_t spanFrom = 0, spanEnd = 0;
};

BuiltPrompt buildPrompt(const tok::Tokenizer& tokenizer, const PromptParts& parts, const PromptConfig& config);
BuiltPrompt buildPrompt(const tok::Tokenizer& tokenizer, const datasets::Conversation& conversation,
                        const PromptConfig& config);

// CAM segment pass k: the template with {context} = the token ids of segment k, taken from
// the full prompt itself (not re-tokenized text), so segment tokens are exactly the ones the
// attention pass saw; instruction and response tokens are likewise reused.
SpanPrompt buildSegmentPrompt(const BuiltPrompt& full, size_t k);

// IFD's PPL(y): BOS + the full prompt's response tokens. spanFrom is 1 either way: with a
// BOS every response token is scored; without one, the first response token has nothing
// to be predicted from and is not scored.
SpanPrompt buildResponseOnly(const tok::Tokenizer& tokenizer, const BuiltPrompt& full, const PromptConfig& config);

}  // namespace gateau::scoring
