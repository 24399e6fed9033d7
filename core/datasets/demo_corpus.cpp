#include "core/datasets/demo_corpus.h"

#include "core/util/gzip_text.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace gateau::datasets {

namespace fs = std::filesystem;

size_t countWords(const std::string& text) {
    size_t n = 0;
    bool in = false;
    for (char c : text) {
        bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (!space && !in) ++n;
        in = !space;
    }
    return n;
}

std::vector<std::string> splitParagraphs(const std::string& text, size_t minWords) {
    std::vector<std::string> out;
    std::string para;
    std::istringstream in(text);
    std::string line;
    auto flush = [&] {
        if (countWords(para) >= minWords) out.push_back(para);
        para.clear();
    };
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        // Form feeds separate pages in licence texts; treat them as blank.
        std::replace(line.begin(), line.end(), '\f', ' ');
        size_t a = line.find_first_not_of(" \t");
        if (a == std::string::npos) {
            flush();
            continue;
        }
        size_t b = line.find_last_not_of(" \t");
        // Collapse inner runs of blanks: answers are compared word for word.
        for (size_t i = a; i <= b; ++i) {
            char c = line[i] == '\t' ? ' ' : line[i];
            if (c == ' ' && !para.empty() && para.back() == ' ') continue;
            if (i == a && !para.empty()) para += ' ';
            para += c;
        }
    }
    flush();
    return out;
}

std::string stripRoff(const std::string& roff) {
    std::istringstream in(roff);
    std::string line, out;
    while (std::getline(in, line)) {
        if (line.rfind(".\\\"", 0) == 0 || line.rfind("'\\\"", 0) == 0) continue;
        bool request = !line.empty() && (line[0] == '.' || line[0] == '\'');
        if (request) {
            // Paragraph macros become blank lines; text-carrying macros keep their text.
            std::string macro = line.substr(1, line.find(' ') == std::string::npos ? std::string::npos : line.find(' ') - 1);
            if (macro == "PP" || macro == "LP" || macro == "P" || macro == "SH" || macro == "SS" || macro == "TP" ||
                macro == "IP" || macro == "sp" || macro == "br") {
                out += "\n";
                if ((macro == "SH" || macro == "SS") && line.size() > 4) out += line.substr(4) + "\n\n";
                continue;
            }
            if ((macro == "B" || macro == "I" || macro == "BR" || macro == "IR" || macro == "RB" || macro == "BI" ||
                 macro == "IB" || macro == "RI") &&
                line.find(' ') != std::string::npos) {
                line = line.substr(line.find(' ') + 1);
                line.erase(std::remove(line.begin(), line.end(), '"'), line.end());
            } else {
                continue;
            }
        }
        std::string plain;
        for (size_t i = 0; i < line.size(); ++i) {
            if (line[i] != '\\' || i + 1 >= line.size()) {
                plain += line[i];
                continue;
            }
            char e = line[++i];
            if (e == 'f' && i + 1 < line.size()) {
                ++i;  // font change: \fB, \fI, \fR, \fP
                if (line[i] == '(' && i + 2 < line.size()) i += 2;
            } else if (e == '-' || e == 'e') {
                plain += e == '-' ? '-' : '\\';
            } else if (e == '(' && i + 2 < line.size()) {
                std::string code = line.substr(i + 1, 2);
                i += 2;
                plain += code == "em" ? "--" : code == "lq" || code == "rq" ? "\"" : code == "aq" ? "'" : "";
            } else if (e == '&' || e == '/' || e == ',' || e == ':' || e == '^' || e == '|') {
            } else if (e == ' ') {
                plain += ' ';
            } else {
                plain += e;
            }
        }
        out += plain + "\n";
    }
    return out;
}

std::vector<Passage> loadDemoCorpus(const std::string& root) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root + "/usr/share/common-licenses", ec))
        if (e.is_regular_file(ec) && !e.is_symlink(ec)) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    static const char* docs[] = {
        "/usr/share/doc/bash/INTRO.gz",          "/usr/share/doc/bash/POSIX.gz",
        "/usr/share/doc/bash/COMPAT.gz",         "/usr/share/doc/bash/README.gz",
        "/usr/share/doc/coreutils/README.gz",    "/usr/share/doc/dpkg/README.feature-removal-schedule.gz",
        "/usr/share/man/man1/bash.1.gz",         "/usr/share/man/man1/tar.1.gz",
        "/usr/share/man/man1/grep.1.gz",         "/usr/share/man/man1/sed.1.gz",
        "/usr/share/man/man1/sort.1.gz",         "/usr/share/man/man1/find.1.gz",
        "/usr/share/man/man1/dpkg.1.gz",         "/usr/share/man/man8/apt-get.8.gz",
    };
    for (const char* d : docs) files.push_back(root + d);

    std::vector<Passage> out;
    for (const auto& f : files) {
        auto text = util::readTextFile(f);
        if (!text) continue;
        if (f.find("/man/") != std::string::npos) *text = stripRoff(*text);
        for (auto& p : splitParagraphs(*text, 12)) {
            size_t w = countWords(p);
            out.push_back({f.substr(root.size()), std::move(p), w});
        }
    }
    return out;
}

}  // namespace gateau::datasets
