#pragma once
// The format-independent shape of one SFT sample, as extracted from any supported schema.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateau::datasets {

enum class Format { Auto, Messages, ShareGPT, Alpaca };

const char* formatName(Format f);                        // "auto", "messages", "sharegpt", "alpaca"
std::optional<Format> parseFormat(std::string_view name);  // inverse of formatName

enum class Role { System, User, Assistant };
const char* roleName(Role r);

struct Turn {
    Role role;
    std::string content;
};

struct Conversation {
    std::vector<Turn> turns;

    // Index of the last assistant turn (the scored response); -1 if none.
    int responseIndex() const;
    // The instruction shown in tables: last paragraph of the user turn before the response.
    std::string instructionText() const;
    size_t promptChars() const;    // code points of every turn before the response
    size_t responseChars() const;  // code points of the response

    // Stored form: [{"role":"user","content":"..."}, ...].
    std::string toJson() const;
    static Conversation fromJson(std::string_view json);  // throws std::runtime_error
};

// Splits a final user turn into (context, instruction) by METHOD.md's rule:
// the instruction is the text after the last blank line ("\n\n", or "\r\n\r\n" in CRLF text,
// whichever starts later); without one the context is empty.
std::pair<std::string_view, std::string_view> splitInstruction(std::string_view userTurn);

}  // namespace gateau::datasets
