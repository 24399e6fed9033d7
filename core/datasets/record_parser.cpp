#include "core/datasets/record_parser.h"

#include <simdjson.h>

#include <string>

static_assert(gateau::datasets::RecordParser::kPadding >= simdjson::SIMDJSON_PADDING, "padding too small for simdjson");

namespace gateau::datasets {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

struct Fail {
    std::string message;
};

std::string_view stringField(const object& obj, const char* key, const std::string& where, bool required) {
    element el;
    if (obj[key].get(el)) {
        if (required) throw Fail{where + ": missing \"" + key + "\""};
        return {};
    }
    if (el.type() == element_type::NULL_VALUE && !required) return {};
    std::string_view s;
    if (el.get_string().get(s)) throw Fail{where + ": \"" + key + "\" is not a string"};
    return s;
}

// OpenAI-style content may be a string or a list of parts [{type:"text", text:"..."}].
std::string contentText(element el, const std::string& where) {
    std::string_view s;
    if (!el.get_string().get(s)) return std::string(s);
    if (el.type() == element_type::NULL_VALUE) return {};
    simdjson::dom::array parts;
    if (el.get_array().get(parts)) throw Fail{where + ": content is neither a string nor a list of parts"};
    std::string out;
    for (element part : parts) {
        std::string_view text;
        if (!part.get_string().get(text) || !part["text"].get_string().get(text)) out.append(text);
    }
    return out;
}

std::optional<Role> messagesRole(std::string_view r) {
    if (r == "system") return Role::System;
    if (r == "user" || r == "human") return Role::User;
    if (r == "assistant" || r == "gpt") return Role::Assistant;
    return std::nullopt;
}

std::optional<Role> sharegptRole(std::string_view r) {
    if (r == "system") return Role::System;
    if (r == "human" || r == "user") return Role::User;
    if (r == "gpt" || r == "assistant" || r == "chatgpt" || r == "model" || r == "bard" || r == "bing")
        return Role::Assistant;
    return std::nullopt;
}

void readMessages(const object& obj, Conversation& conv) {
    simdjson::dom::array arr;
    if (obj["messages"].get_array().get(arr)) throw Fail{"\"messages\" is not an array"};
    size_t i = 0;
    for (element m : arr) {
        std::string where = "messages[" + std::to_string(i++) + "]";
        object mo;
        if (m.get_object().get(mo)) throw Fail{where + " is not an object"};
        std::string_view role = stringField(mo, "role", where, true);
        auto r = messagesRole(role);
        if (!r) throw Fail{where + ": unknown role '" + std::string(role) + "'"};
        element content;
        if (mo["content"].get(content)) throw Fail{where + ": missing \"content\""};
        conv.turns.push_back({*r, contentText(content, where)});
    }
}

void readShareGpt(const object& obj, Conversation& conv) {
    std::string_view system = stringField(obj, "system", "record", false);
    if (!system.empty()) conv.turns.push_back({Role::System, std::string(system)});
    simdjson::dom::array arr;
    if (obj["conversations"].get_array().get(arr)) throw Fail{"\"conversations\" is not an array"};
    size_t i = 0;
    for (element m : arr) {
        std::string where = "conversations[" + std::to_string(i++) + "]";
        object mo;
        if (m.get_object().get(mo)) throw Fail{where + " is not an object"};
        std::string_view from = stringField(mo, "from", where, true);
        auto r = sharegptRole(from);
        if (!r) throw Fail{where + ": unknown speaker '" + std::string(from) + "'"};
        conv.turns.push_back({*r, std::string(stringField(mo, "value", where, true))});
    }
}

// Alpaca: the long input comes first and the instruction last, so that METHOD.md's
// "instruction = last paragraph of the user turn" rule finds the instruction.
void readAlpaca(const object& obj, Conversation& conv) {
    std::string_view system = stringField(obj, "system", "record", false);
    if (!system.empty()) conv.turns.push_back({Role::System, std::string(system)});
    simdjson::dom::array history;
    if (!obj["history"].get_array().get(history)) {
        size_t i = 0;
        for (element pair : history) {
            simdjson::dom::array qa;
            std::string_view q, a;
            if (pair.get_array().get(qa) || qa.size() != 2 || qa.at(0).get_string().get(q) ||
                qa.at(1).get_string().get(a))
                throw Fail{"history[" + std::to_string(i) + "] is not a [question, answer] pair of strings"};
            conv.turns.push_back({Role::User, std::string(q)});
            conv.turns.push_back({Role::Assistant, std::string(a)});
            ++i;
        }
    }
    std::string_view instruction = stringField(obj, "instruction", "record", true);
    std::string_view input = stringField(obj, "input", "record", false);
    std::string_view output = stringField(obj, "output", "record", true);
    std::string user = input.empty() ? std::string(instruction) : std::string(input) + "\n\n" + std::string(instruction);
    conv.turns.push_back({Role::User, std::move(user)});
    conv.turns.push_back({Role::Assistant, std::string(output)});
}

Format detect(const object& obj) {
    element el;
    if (!obj["messages"].get(el)) return Format::Messages;
    if (!obj["conversations"].get(el)) return Format::ShareGPT;
    if (!obj["instruction"].get(el) || !obj["output"].get(el)) return Format::Alpaca;
    return Format::Auto;
}

std::string externalId(const object& obj) {
    for (const char* key : {"id", "_id", "uuid", "sample_id", "idx"}) {
        element el;
        if (obj[key].get(el)) continue;
        std::string_view s;
        if (!el.get_string().get(s)) return std::string(s);
        int64_t i;
        if (!el.get_int64().get(i)) return std::to_string(i);
        uint64_t u;
        if (!el.get_uint64().get(u)) return std::to_string(u);
    }
    return {};
}

}  // namespace

struct RecordParser::Impl {
    simdjson::dom::parser parser;
};

RecordParser::RecordParser() : impl_(std::make_unique<Impl>()) {}
RecordParser::~RecordParser() = default;

bool RecordParser::parse(std::string_view json, Format format, ParsedRecord& out, std::string& error) {
    element doc;
    if (auto err = impl_->parser.parse(json.data(), json.size(), false).get(doc)) {
        error = err == simdjson::UTF8_ERROR ? "invalid UTF-8" : std::string("malformed JSON: ") + simdjson::error_message(err);
        return false;
    }
    object obj;
    if (doc.get_object().get(obj)) {
        error = "record is not a JSON object";
        return false;
    }
    out = ParsedRecord{};
    try {
        Format found = detect(obj);
        if (found == Format::Auto)
            throw Fail{"unrecognised schema: expected \"messages\" (LongAlign/OpenAI), \"conversations\" (ShareGPT) "
                       "or \"instruction\"/\"output\" (Alpaca)"};
        if (format != Format::Auto && found != format)
            throw Fail{std::string("record is in ") + formatName(found) + " format, but the import uses " + formatName(format)};
        switch (found) {
        case Format::Messages: readMessages(obj, out.conversation); break;
        case Format::ShareGPT: readShareGpt(obj, out.conversation); break;
        case Format::Alpaca: readAlpaca(obj, out.conversation); break;
        case Format::Auto: break;
        }
        if (out.conversation.responseIndex() < 0) throw Fail{"record has no assistant turn"};
        out.format = found;
        out.externalId = externalId(obj);
        return true;
    } catch (const Fail& f) {
        error = f.message;
        return false;
    }
}

}  // namespace gateau::datasets
