#include "core/scoring/prompt.h"

#include <algorithm>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gateau::scoring {

namespace {

constexpr std::string_view kContext = "{context}", kInstruction = "{instruction}", kResponse = "{response}";

enum Part { kContextPart, kInstructionPart, kResponsePart, kNoPart };

bool overlaps(const tok::Offsets& token, const std::pair<size_t, size_t>& text) {
    return token.first < token.second && text.first < text.second && token.first < text.second &&
           text.first < token.second;
}

struct TokenRange {  // [begin, end) token indices; -1 until a token is found
    int64_t begin = -1, end = -1;
};

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

RenderedPrompt renderPrompt(const PromptParts& parts, const PromptConfig& config) {
    validate(config);
    const std::string_view t = config.templ;
    const size_t c = t.find(kContext), i = t.find(kInstruction), r = t.find(kResponse);
    RenderedPrompt out;
    out.text.reserve(t.size() + parts.context.size() + parts.instruction.size() + parts.response.size());
    auto put = [&](std::string_view text) {
        const size_t at = out.text.size();
        out.text += text;
        return std::pair<size_t, size_t>(at, out.text.size());
    };
    out.text += t.substr(0, c);
    out.context = put(parts.context);
    out.text += t.substr(c + kContext.size(), i - c - kContext.size());
    out.instruction = put(parts.instruction);
    out.text += t.substr(i + kInstruction.size(), r - i - kInstruction.size());
    out.response = put(parts.response);
    out.text += t.substr(r + kResponse.size());
    return out;
}

BuiltPrompt buildPrompt(const tok::Tokenizer& tokenizer, const PromptParts& parts, const PromptConfig& config) {
    if (parts.response.empty()) throw ScoringError("sample's response is empty: nothing to score");
    const RenderedPrompt rendered = renderPrompt(parts, config);
    tok::Tokenizer::Encoding enc = tokenizer.encodeWithOffsets(rendered.text, config.addBos);
    const auto n = int64_t(enc.ids.size());

    const std::pair<size_t, size_t> texts[3] = {rendered.context, rendered.instruction, rendered.response};
    TokenRange ranges[3];
    int64_t specialPrefix = 0;
    while (specialPrefix < n && enc.offsets[size_t(specialPrefix)].first == enc.offsets[size_t(specialPrefix)].second)
        ++specialPrefix;
    for (int64_t k = 0; k < n; ++k) {
        const tok::Offsets& o = enc.offsets[size_t(k)];
        int part = kNoPart;
        for (int p : {kResponsePart, kInstructionPart, kContextPart})
            if (overlaps(o, texts[p])) {
                part = p;
                break;
            }
        if (part == kNoPart) continue;
        TokenRange& range = ranges[part];
        if (range.begin < 0) range.begin = k;
        else if (range.end != k)  // offsets only grow, so this is a tokenizer defect
            throw ScoringError("prompt tokens of one part are not contiguous (token " + std::to_string(k) + ")");
        range.end = k + 1;
    }
    for (int p : {kContextPart, kInstructionPart}) {
        if (ranges[p].begin >= 0) continue;
        // An empty text: before the first token that starts at or after its position (the
        // trailing special tokens start at the end of the text).
        int64_t at = specialPrefix;
        while (at < n && enc.offsets[size_t(at)].first < texts[p].first) ++at;
        ranges[p] = {at, at};
    }
    if (ranges[kResponsePart].begin < 0) throw ScoringError("sample's response has no tokens: nothing to score");

    BuiltPrompt out;
    out.specialPrefix = specialPrefix;
    out.hasContext = !parts.context.empty();
    const int64_t contextTokens = ranges[kContextPart].end - ranges[kContextPart].begin;
    if (n > config.maxTokens) {
        const int64_t drop = n - config.maxTokens;
        if (drop > contextTokens)
            throw ScoringError("sample needs " + std::to_string(n - contextTokens) +
                               " tokens without context, more than max_tokens " + std::to_string(config.maxTokens));
        out.truncated = true;
        out.truncatedContextTokens = drop;
        const int64_t b = ranges[kContextPart].begin;
        enc.ids.erase(enc.ids.begin() + b, enc.ids.begin() + b + drop);
        ranges[kContextPart].end -= drop;
        for (int p : {kInstructionPart, kResponsePart}) {
            ranges[p].begin -= drop;
            ranges[p].end -= drop;
        }
    }
    out.ids.assign(enc.ids.begin(), enc.ids.end());
    out.contextBegin = ranges[kContextPart].begin;
    out.contextEnd = ranges[kContextPart].end;
    out.instructionBegin = ranges[kInstructionPart].begin;
    out.instructionEnd = ranges[kInstructionPart].end;
    out.spanFrom = ranges[kResponsePart].begin;
    out.spanEnd = ranges[kResponsePart].end;
    for (int64_t b = out.contextBegin; b < out.contextEnd; b += config.segmentLen)
        out.segments.emplace_back(b, std::min(b + config.segmentLen, out.contextEnd));
    return out;
}

std::string promptJson(const BuiltPrompt& p) {
    auto range = [](int64_t b, int64_t e) { return nlohmann::json::array({b, e}); };
    nlohmann::json j;
    j["ids"] = p.ids;
    j["context"] = p.hasContext ? range(p.contextBegin, p.contextEnd) : nlohmann::json();
    j["instruction"] = range(p.instructionBegin, p.instructionEnd);
    j["response"] = range(p.spanFrom, p.spanEnd);
    j["segments"] = nlohmann::json::array();
    for (const auto& [b, e] : p.segments) j["segments"].push_back(range(b, e));
    j["truncated_context_tokens"] = p.truncatedContextTokens;
    return j.dump();
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

SpanPrompt buildResponseOnly(const BuiltPrompt& full) {
    SpanPrompt out;
    out.ids.assign(full.ids.begin(), full.ids.begin() + full.specialPrefix);
    out.ids.insert(out.ids.end(), full.ids.begin() + full.spanFrom, full.ids.begin() + full.spanEnd);
    out.spanFrom = full.specialPrefix > 0 ? full.specialPrefix : 1;
    out.spanEnd = int64_t(out.ids.size());
    return out;
}

}  // namespace gateau::scoring
