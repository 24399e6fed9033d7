#pragma once
// Real public text that every Debian system ships, split into paragraphs with their source.
#include <string>
#include <vector>

namespace gateau::datasets {

struct Passage {
    std::string source;  // file it came from
    std::string text;    // one paragraph, wrapped lines joined with single spaces
    size_t words = 0;
};

// Licence texts in /usr/share/common-licenses, plus a fixed list of documentation files
// and manual pages from Debian's essential packages where present (roff markup removed).
// `root` prefixes every path (tests point it at a fixture tree). Sorted, deterministic.
std::vector<Passage> loadDemoCorpus(const std::string& root = "");

// Splits text into paragraphs at blank lines; short fragments (< minWords) are dropped.
std::vector<std::string> splitParagraphs(const std::string& text, size_t minWords);

// Plain text of a man page source: drops requests and comments, resolves common escapes.
std::string stripRoff(const std::string& roff);

size_t countWords(const std::string& text);

}  // namespace gateau::datasets
