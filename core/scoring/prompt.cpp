#include "core/scoring/prompt.h"

#include <algorithm>
#include <string_view>

namespace gateau::scoring {

namespace {

constexpr std::string_view kContext = "{context}", kInstruction = "{instruction}", kResponse = "{response}";

struct TemplatePieces {
    std::string_view beforeContext, contextToInstruction, instructionToResponse, afterResponse;
};

TemplatePieces splitTemplate(const PromptConfig& config) {
    validate(config);
    const std::string_view t = config.templ;
    const size_t c = t.find(kContext), i = t.find(kInstruction), r = t.find(kResponse);
    return {t.substr(0, c), t.substr(c + kContext.size(), i - c - kContext.size()),
            t.substr(i + kInstruction.size(), r - i - kInstruction.size()), t.substr(r + kResponse.size())};
}

void append(std::vector<int64_t>& out, const std::vector<int32_t>& ids) { out.insert(out.end(), ids.begin(), ids.end()); }

}  // namespace

void validate(const PromptConfig& config) {
    const std::string_view t = config.templ;
    for (auto p : {kContext, kInstruction, kResponse}) {
        const size_t at = t.find(p);
        if (at == std::string_view::npos)
            throw ScoringError("prompt template lacks the placeholder " + std::string(p));
        if (t.find(p, at + 1) != std::string_view::npos)
            throw ScoringError("prompt template has the placeholder " + std::string(p) + " more than once");
    }
    if (!(t.find(kContext) < t.find(kInstruction) && t.find(kInstruction) < t.find(kResponse)))
        throw ScoringError("prompt template must have {context}, {instruction}, {response} in this order");
    if (config.maxTokens < 1) throw ScoringError("max_tokens must be at least 1");
    if (config.segmentLen < 1) throw ScoringError("segment length must be at least 1");
}

namespace {

// Name tables of the split rules: RUN.json spells them, the canonical run JSON stores them.
constexpr std::pair<InstructionRule, const char*> kInstructionRules[] = {
    {InstructionRule::LastParagraph, "last_paragraph"}, {InstructionRule::WholeTurn, "whole_turn"}};
constexpr std::pair<ResponseTurn, const char*> kResponseTurns[] = {{ResponseTurn::Last, "last"},
                                                                   {ResponseTurn::First, "first"}};

template <typename E, size_t N>
const char* nameIn(const std::pair<E, const char*> (&table)[N], E v) {
    for (const auto& [e, name] : table)
        if (e == v) return name;
    return "?";
}

template <typename E, size_t N>
std::optional<E> valueIn(const std::pair<E, const char*> (&table)[N], std::string_view name) {
    for (const auto& [e, n] : table)
        if (name == n) return e;
    return std::nullopt;
}

template <typename E, size_t N>
std::string namesIn(const std::pair<E, const char*> (&table)[N]) {
    std::string out;
    for (const auto& entry : table) out += (out.empty() ? "" : ", ") + std::string(entry.second);
    return out;
}

int responseTurnIndex(const datasets::Conversation& conversation, ResponseTurn rule) {
    if (rule == ResponseTurn::Last) return conversation.responseIndex();
    for (size_t i = 0; i < conversation.turns.size(); ++i)
        if (conversation.turns[i].role == datasets::Role::Assistant) return int(i);
    return -1;
}

}  // namespace

const char* instructionRuleName(InstructionRule r) { return nameIn(kInstructionRules, r); }
const char* responseTurnName(ResponseTurn r) { return nameIn(kResponseTurns, r); }
std::optional<InstructionRule> instructionRuleFromName(std::string_view n) { return valueIn(kInstructionRules, n); }
std::optional<ResponseTurn> responseTurnFromName(std::string_view n) { return valueIn(kResponseTurns, n); }
std::string knownInstructionRules() { return namesIn(kInstructionRules); }
std::string knownResponseTurns() { return namesIn(kResponseTurns); }

PromptParts splitConversation(const datasets::Conversation& conversation, const PromptConfig& config) {
    const int r = responseTurnIndex(conversation, config.responseTurn);
    if (r < 0) throw ScoringError("sample has no assistant turn to score");
    int u = r - 1;
    while (u >= 0 && conversation.turns[size_t(u)].role != datasets::Role::User) --u;
    if (u < 0) throw ScoringError("sample has no user turn before its response");

    PromptParts parts;
    for (int i = 0; i < u; ++i) {
        const auto& turn = conversation.turns[size_t(i)];
        if (!parts.context.empty()) parts.context += "\n\n";
        parts.context += datasets::roleName(turn.role);
        parts.context += ": ";
        parts.context += turn.content;
    }
    const std::string& userTurn = conversation.turns[size_t(u)].content;
    if (config.instruction == InstructionRule::WholeTurn) {
        parts.instruction = userTurn;
    } else {
        const auto [userContext, instruction] = datasets::splitInstruction(userTurn);
        if (!parts.context.empty() && !userContext.empty()) parts.context += "\n\n";
        parts.context += userContext;
        parts.instruction = std::string(instruction);
    }
    parts.response = conversation.turns[size_t(r)].content;
    return parts;
}

BuiltPrompt buildPrompt(const tok::Tokenizer& tokenizer, const PromptParts& parts, const PromptConfig& config) {
    const TemplatePieces t = splitTemplate(config);
    auto enc = [&](std::string_view s) { return tokenizer.encode(s, false); };

    std::vector<int64_t> prefix;  // BOS + template text before {context}
    if (config.addBos && tokenizer.bosId()) prefix.push_back(*tokenizer.bosId());
    append(prefix, enc(t.beforeContext));
    std::vector<int32_t> context = enc(parts.context);
    std::vector<int64_t> middle;  // everything from the end of the context to the response
    append(middle, enc(t.contextToInstruction));
    append(middle, enc(parts.instruction));
    append(middle, enc(t.instructionToResponse));
    const std::vector<int32_t> response = enc(parts.response);
    if (response.empty()) throw ScoringError("sample's response is empty: nothing to score");
    const std::vector<int32_t> suffix = enc(t.afterResponse);

    BuiltPrompt out;
    const auto withoutContext = int64_t(prefix.size() + middle.size() + response.size() + suffix.size());
    const int64_t total = withoutContext + int64_t(context.size());
    if (total > config.maxTokens) {
        if (withoutContext > config.maxTokens)
            throw ScoringError("sample needs " + std::to_string(withoutContext) +
                               " tokens without context, more than max_tokens " + std::to_string(config.maxTokens));
        out.truncated = true;
        out.truncatedContextTokens = total - config.maxTokens;
        context.erase(context.begin(), context.begin() + out.truncatedContextTokens);
    }

    prefix.reserve(size_t(withoutContext) + context.size());
    out.ids = std::move(prefix);
    out.contextBegin = int64_t(out.ids.size());
    append(out.ids, context);
    out.contextEnd = int64_t(out.ids.size());
    out.ids.insert(out.ids.end(), middle.begin(), middle.end());
    out.spanFrom = int64_t(out.ids.size());
    append(out.ids, response);
    out.spanEnd = int64_t(out.ids.size());
    append(out.ids, suffix);
    for (int64_t b = out.contextBegin; b < out.contextEnd; b += config.segmentLen)
        out.segments.emplace_back(b, std::min(b + config.segmentLen, out.contextEnd));
    return out;
}

BuiltPrompt buildPrompt(const tok::Tokenizer& tokenizer, const datasets::Conversation& conversation,
                        const PromptConfig& config) {
    return buildPrompt(tokenizer, splitConversation(conversation, config), config);
}

SpanPrompt buildSegmentPrompt(const BuiltPrompt& full, size_t k) {
    if (k >= full.segments.size())
        throw ScoringError("segment " + std::to_string(k) + " out of range: the sample has " +
                           std::to_string(full.segments.size()) + " segments");
    const auto [b, e] = full.segments[k];
    SpanPrompt out;
    out.ids.reserve(size_t(full.contextBegin + (e - b) + int64_t(full.ids.size()) - full.contextEnd));
    out.ids.insert(out.ids.end(), full.ids.begin(), full.ids.begin() + full.contextBegin);
    out.ids.insert(out.ids.end(), full.ids.begin() + b, full.ids.begin() + e);
    out.ids.insert(out.ids.end(), full.ids.begin() + full.contextEnd, full.ids.end());
    const int64_t removed = (full.contextEnd - full.contextBegin) - (e - b);
    out.spanFrom = full.spanFrom - removed;
    out.spanEnd = full.spanEnd - removed;
    return out;
}

SpanPrompt buildResponseOnly(const tok::Tokenizer& tokenizer, const BuiltPrompt& full, const PromptConfig& config) {
    SpanPrompt out;
    if (config.addBos && tokenizer.bosId()) out.ids.push_back(*tokenizer.bosId());
    out.ids.insert(out.ids.end(), full.ids.begin() + full.spanFrom, full.ids.begin() + full.spanEnd);
    out.spanFrom = 1;
    out.spanEnd = int64_t(out.ids.size());
    return out;
}

}  // namespace gateau::scoring
