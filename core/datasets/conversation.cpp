#include "core/datasets/conversation.h"

#include "core/util/text.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace gateau::datasets {

const char* formatName(Format f) {
    switch (f) {
    case Format::Auto: return "auto";
    case Format::Messages: return "messages";
    case Format::ShareGPT: return "sharegpt";
    case Format::Alpaca: return "alpaca";
    }
    return "?";
}

std::optional<Format> parseFormat(std::string_view name) {
    for (Format f : {Format::Auto, Format::Messages, Format::ShareGPT, Format::Alpaca})
        if (name == formatName(f)) return f;
    return std::nullopt;
}

const char* roleName(Role r) {
    switch (r) {
    case Role::System: return "system";
    case Role::User: return "user";
    case Role::Assistant: return "assistant";
    }
    return "?";
}

int Conversation::responseIndex() const {
    for (int i = int(turns.size()) - 1; i >= 0; --i)
        if (turns[size_t(i)].role == Role::Assistant) return i;
    return -1;
}

std::pair<std::string_view, std::string_view> splitInstruction(std::string_view userTurn) {
    // The paragraph separator that starts last: "\n\n", or "\r\n\r\n" in CRLF text.
    const size_t lf = userTurn.rfind("\n\n"), crlf = userTurn.rfind("\r\n\r\n");
    if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf > lf))
        return {userTurn.substr(0, crlf), userTurn.substr(crlf + 4)};
    if (lf == std::string_view::npos) return {std::string_view{}, userTurn};
    return {userTurn.substr(0, lf), userTurn.substr(lf + 2)};
}

std::string Conversation::instructionText() const {
    for (int i = responseIndex() - 1; i >= 0; --i)
        if (turns[size_t(i)].role == Role::User) return std::string(splitInstruction(turns[size_t(i)].content).second);
    return {};
}

size_t Conversation::promptChars() const {
    size_t n = 0;
    int r = responseIndex();
    for (int i = 0; i < r; ++i) n += util::utf8Length(turns[size_t(i)].content);
    return n;
}

size_t Conversation::responseChars() const {
    int r = responseIndex();
    return r < 0 ? 0 : util::utf8Length(turns[size_t(r)].content);
}

std::string Conversation::toJson() const {
    size_t total = 2;
    for (const auto& t : turns) total += t.content.size() + 48;
    std::string out;
    out.reserve(total + total / 16);  // a little room for escapes
    out += '[';
    for (size_t i = 0; i < turns.size(); ++i) {
        if (i) out += ',';
        out += "{\"role\":\"";
        out += roleName(turns[i].role);
        out += "\",\"content\":";
        util::appendJsonString(out, turns[i].content);
        out += '}';
    }
    out += ']';
    return out;
}

Conversation Conversation::fromJson(std::string_view json) {
    auto j = nlohmann::json::parse(json.begin(), json.end());
    Conversation c;
    for (const auto& t : j) {
        const std::string role = t.at("role").get<std::string>();
        Role r = role == "system" ? Role::System : role == "user" ? Role::User : Role::Assistant;
        if (role != "system" && role != "user" && role != "assistant")
            throw std::runtime_error("stored conversation has unknown role '" + role + "'");
        c.turns.push_back({r, t.at("content").get<std::string>()});
    }
    return c;
}

}  // namespace gateau::datasets
