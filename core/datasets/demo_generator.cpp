#include "core/datasets/demo_generator.h"

#include "core/util/text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace gateau::datasets {

namespace {

// splitmix64: tiny, portable and identical on every platform (std distributions are not).
struct Rng {
    uint64_t s;
    uint64_t next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return next() % n; }
};

std::vector<std::string> splitSentences(const std::string& para) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i + 2 < para.size(); ++i) {
        char c = para[i];
        if ((c == '.' || c == '?' || c == '!') && para[i + 1] == ' ' && std::isupper(static_cast<unsigned char>(para[i + 2]))) {
            out.push_back(para.substr(start, i + 1 - start));
            start = i + 2;
        }
    }
    out.push_back(para.substr(start));
    return out;
}

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> w;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ') ++j;
        if (j > i) w.push_back(s.substr(i, j - i));
        i = j;
    }
    return w;
}

std::string joinWords(const std::vector<std::string>& w, size_t from, size_t to) {
    std::string out;
    for (size_t i = from; i < to && i < w.size(); ++i) {
        if (!out.empty()) out += ' ';
        out += w[i];
    }
    return out;
}

size_t occurrences(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}

// Answers are prose sentences: they start with a capital letter, hold no double quote (the
// instruction quotes their opening) and are mostly letters, not tables or rulers.
bool isProse(const std::string& s) {
    if (s.empty() || !std::isupper(static_cast<unsigned char>(s[0])) || s.find('"') != std::string::npos) return false;
    size_t letters = 0;
    for (char c : s) letters += std::isalpha(static_cast<unsigned char>(c)) || c == ' ';
    return letters * 10 >= s.size() * 9;
}

struct Answer {
    std::string sentence;
    size_t wordOffset = 0;
};

// A sentence of 8-60 words in paragraphs [first, last] whose opening words occur once
// in the document, so the instruction identifies exactly one place.
bool pickSentence(const std::vector<const Passage*>& doc, const std::vector<size_t>& paraOffsets, size_t first,
                  size_t last, const std::string& document, Rng& rng, Answer& out) {
    std::vector<std::pair<std::string, size_t>> candidates;
    for (size_t p = first; p <= last && p < doc.size(); ++p) {
        size_t offset = paraOffsets[p];
        for (const auto& s : splitSentences(doc[p]->text)) {
            auto w = words(s);
            if (w.size() >= 8 && w.size() <= 60 && isProse(s) && occurrences(document, joinWords(w, 0, 6)) == 1)
                candidates.emplace_back(s, offset);
            offset += w.size();
        }
    }
    if (candidates.empty()) return false;
    auto& c = candidates[rng.below(candidates.size())];
    out.sentence = c.first;
    out.wordOffset = c.second;
    return true;
}

}  // namespace

DemoSummary writeDemoDataset(const std::string& outPath, const DemoOptions& opts, const std::vector<Passage>& corpus) {
    DemoSummary summary;
    summary.corpusPassages = corpus.size();
    for (const auto& p : corpus) summary.corpusWords += p.words;
    if (summary.corpusWords < opts.maxWords * 2)
        throw std::runtime_error("demo corpus too small: " + std::to_string(summary.corpusWords) +
                                 " words found under /usr/share/common-licenses and /usr/share/doc");
    if (opts.samples <= 0 || opts.minWords > opts.maxWords) throw std::runtime_error("invalid demo options");

    std::string tmp = outPath + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw std::runtime_error(outPath + ": cannot write");
    Rng rng{opts.seed * 0x100000001B3ull + 7};

    for (int i = 0; i < opts.samples; ++i) {
        size_t target = opts.minWords + rng.below(opts.maxWords - opts.minWords + 1);
        std::vector<size_t> order(corpus.size());
        for (size_t k = 0; k < order.size(); ++k) order[k] = k;
        for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng.below(k)]);  // Fisher-Yates

        std::vector<const Passage*> doc;
        std::vector<size_t> offsets;
        size_t total = 0;
        std::set<std::string> seenText;
        for (size_t k = 0; k < order.size() && total < target; ++k) {
            const Passage& p = corpus[order[k]];
            if (!seenText.insert(p.text).second) continue;  // licences repeat paragraphs verbatim
            offsets.push_back(total);
            doc.push_back(&p);
            total += p.words;
        }
        std::string document;
        for (const auto* p : doc) {
            if (!document.empty()) document += "\n\n";
            document += p->text;
        }

        bool wantLong = rng.below(2) == 0;
        Answer ans;
        bool ok = false;
        if (wantLong) {
            size_t lastEarly = 0;  // paragraphs that end within the first 10% of the words
            while (lastEarly + 1 < doc.size() && offsets[lastEarly + 1] + doc[lastEarly + 1]->words <= total / 10)
                ++lastEarly;
            ok = pickSentence(doc, offsets, 0, lastEarly, document, rng, ans) && ans.wordOffset <= total / 10;
        }
        if (!ok) {
            wantLong = false;
            ok = pickSentence(doc, offsets, doc.size() - 1, doc.size() - 1, document, rng, ans);
        }
        if (!ok) {  // no usable sentence anywhere: rare, redraw this sample
            --i;
            continue;
        }

        auto w = words(ans.sentence);
        int templ = int(rng.below(2));
        std::string instruction, response;
        if (templ == 0) {
            instruction = "In the document above, one sentence begins with \"" + joinWords(w, 0, 6) +
                          "\". Quote that sentence in full, exactly as written.";
            response = ans.sentence;
        } else {
            instruction = "Continue this sentence from the document above exactly as it is written there: \"" +
                          joinWords(w, 0, 6) + "\"";
            response = joinWords(w, 6, w.size());
        }

        std::set<std::string> sources;
        for (const auto* p : doc) sources.insert(p->source);

        char id[32];
        std::snprintf(id, sizeof id, "demo-%04d", i + 1);
        std::string line = "{\"id\":\"";
        line += id;
        line += "\",\"messages\":[{\"role\":\"user\",\"content\":";
        util::appendJsonString(line, document + "\n\n" + instruction);
        line += "},{\"role\":\"assistant\",\"content\":";
        util::appendJsonString(line, response);
        line += "}],\"gateau_demo\":{\"dependency\":\"";
        line += wantLong ? "long" : "local";
        line += "\",\"answer_word_offset\":" + std::to_string(ans.wordOffset);
        line += ",\"document_words\":" + std::to_string(total);
        char rel[32];
        std::snprintf(rel, sizeof rel, "%.4f", double(ans.wordOffset) / double(total));
        line += ",\"answer_relative_position\":";
        line += rel;
        line += ",\"template\":\"";
        line += templ == 0 ? "quote" : "continue";
        line += "\",\"sources\":[";
        bool first = true;
        for (const auto& s : sources) {
            if (!first) line += ',';
            first = false;
            util::appendJsonString(line, s);
        }
        line += "],\"seed\":" + std::to_string(opts.seed) + "}}\n";
        if (std::fwrite(line.data(), 1, line.size(), f) != line.size()) {
            std::fclose(f);
            throw std::runtime_error(outPath + ": write failed");
        }
        ++summary.samples;
        (wantLong ? summary.longDependency : summary.localDependency)++;
    }
    if (std::fclose(f) != 0 || std::rename(tmp.c_str(), outPath.c_str()) != 0)
        throw std::runtime_error(outPath + ": write failed");
    return summary;
}

}  // namespace gateau::datasets
