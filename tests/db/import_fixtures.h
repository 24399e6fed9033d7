#pragma once
// Records used by test_import.cpp (kept apart: moc misreads some raw string literals).
#include <string>

namespace {

const std::string kMessages =
    R"({"id":"m1","messages":[{"role":"user","content":"Context para.\n\nWhat?"},{"role":"assistant","content":"That."}]})";
// Odd spacing, escapes and non-ASCII must come back byte for byte.
const std::string kMessagesOdd =
    R"({ "messages" : [ {"role":"user","content":"caf\u00e9 \"q\" 数据\n\nWhy?"} , {"role":"assistant","content":"Because\ttabs."} ] , "meta": {"k": [1, 2.50, null]} })";
const std::string kShareGpt = R"({"conversations":[{"from":"human","value":"Doc.\n\nQ?"},{"from":"gpt","value":"A."}]})";
const std::string kAlpaca = R"({"instruction":"Summarise.","input":"Long input.","output":"Short."})";

}  // namespace
