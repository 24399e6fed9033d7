#pragma once
// Token sequences of one sample for the GATEAU forward passes (METHOD.md "Sample anatomy",
// "Tokenization"): the full prompt (HMG, CAM attention, perplexity/IFD baselines), CAM's
// per-segment prompts and IFD's response-only prompt. The full prompt is the tokenizer's
// encoding of the whole rendered template, exactly what fine-tuning sees; token offsets say
// which tokens are the context's, the instruction's and the response's. The other prompts
// reuse its ids, so response tokens are identical in every pass.
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
    // Add the tokenizer's own special tokens (its post-processor, or add_bos for a
    // tokenizer.model), as Hugging Face's tokenizer(text) does: BOS for Llama-2 and Mistral,
    // nothing for Llama-3's and Qwen's tokenizer.json. false: the text's tokens only.
    bool addBos = true;
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

// The template with the three texts substituted (in one pass: a text holding "{response}"
// stays text), and where each text landed, as byte ranges of `text`.
struct RenderedPrompt {
    std::string text;
    std::pair<size_t, size_t> context, instruction, response;
};
RenderedPrompt renderPrompt(const PromptParts& parts, const PromptConfig& config);

// Token ranges are [begin, end) indices into ids. A token belongs to the context, the
// instruction or the response when the characters it was made from overlap that text; one
// that overlaps several belongs to the first of response, instruction, context (so the
// response is scored whole and every pass sees the whole instruction: Qwen's ".\n\n" token
// that ends a context and starts the template is the context's, " The" that ends the
// template and starts the response is the response's). Tokens of template text alone
// belong to none.
struct BuiltPrompt {
    std::vector<int64_t> ids;
    int64_t specialPrefix = 0;                 // leading special tokens the tokenizer added (BOS)
    bool hasContext = false;                   // false: the sample has no context text
    int64_t contextBegin = 0, contextEnd = 0;  // token range of the (kept) context
    int64_t instructionBegin = 0, instructionEnd = 0;
    int64_t spanFrom = 0;                      // first response token
    int64_t spanEnd = 0;                       // one past the last response token (template text may follow)
    int64_t truncatedContextTokens = 0;        // context tokens dropped from the left
    bool truncated = false;
    // [begin, end) token ranges of the L-token context segments, in ids coordinates;
    // they tile [contextBegin, contextEnd) and only the last may be shorter. Empty
    // context: no segments.
    std::vector<std::pair<int64_t, int64_t>> segments;
};

// One line of `gateau prompt --json`: {"ids", "context": [b, e] or null, "instruction",
// "response", "segments": [[b, e], ...], "truncated_context_tokens"} (docs/cli.md).
std::string promptJson(const BuiltPrompt& prompt);

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

// IFD's PPL(y): the full prompt's leading special tokens (BOS) + its response tokens. With a
// BOS every response token is scored; without one, the first response token has nothing to
// be predicted from and is not scored (spanFrom 1).
SpanPrompt buildResponseOnly(const BuiltPrompt& full);

}  // namespace gateau::scoring
