#include "ui/heatmap/search_hits.h"

#include <QRegularExpression>

#include <algorithm>

namespace gateau::ui {

namespace {

// One character in, one out, so positions in the folded text are positions in the original:
// the base letter of a decomposable character ("é" -> "e"), case-folded.
QChar fold(QChar c) {
    const QString d = c.decomposition();
    if (!d.isEmpty() && c.decompositionTag() == QChar::Canonical) c = d.front();
    return c.toCaseFolded();
}

bool isWordChar(QChar c) { return c.isLetterOrNumber(); }

}  // namespace

std::vector<SearchTerm> searchTerms(const QString& query) {
    static const QStringList kOperators = {QStringLiteral("AND"), QStringLiteral("OR"), QStringLiteral("NOT"),
                                           QStringLiteral("NEAR")};
    std::vector<SearchTerm> out;
    // FTS5's NEAR(a b) groups: the words count, NEAR is the operator.
    QString q = query;
    q.replace(QRegularExpression(QStringLiteral("\\bNEAR\\(")), QStringLiteral("("));
    for (const QString& raw : q.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts)) {
        if (kOperators.contains(raw)) continue;
        const bool prefix = raw.endsWith(QLatin1Char('*'));
        // Like FTS5's unicode61: the term's runs of letters and digits are its words.
        QString word;
        std::vector<QString> words;
        for (QChar c : raw) {
            if (isWordChar(c)) {
                word += fold(c);
            } else if (!word.isEmpty()) {
                words.push_back(word);
                word.clear();
            }
        }
        if (!word.isEmpty()) words.push_back(word);
        for (size_t i = 0; i < words.size(); ++i) out.push_back({words[i], prefix && i + 1 == words.size()});
    }
    return out;
}

std::vector<std::pair<int, int>> searchHitTokens(const std::vector<QString>& tokenTexts, const QString& query) {
    const std::vector<SearchTerm> terms = searchTerms(query);
    if (terms.empty() || tokenTexts.empty()) return {};
    QString folded;
    std::vector<int> starts;  // character offset of each token, plus the end
    starts.reserve(tokenTexts.size() + 1);
    for (const QString& t : tokenTexts) {
        starts.push_back(int(folded.size()));
        for (QChar c : t) folded += fold(c);
    }
    starts.push_back(int(folded.size()));
    const int n = int(folded.size());
    std::vector<std::pair<int, int>> hits;
    for (const SearchTerm& term : terms) {
        for (int at = folded.indexOf(term.text); at >= 0; at = folded.indexOf(term.text, at + 1)) {
            if (at > 0 && isWordChar(folded[at - 1])) continue;
            int end = at + int(term.text.size());
            if (term.prefix) {
                while (end < n && isWordChar(folded[end])) ++end;
            } else if (end < n && isWordChar(folded[end])) {
                continue;
            }
            // Characters [at, end) -> the tokens they fall in.
            const int first = int(std::upper_bound(starts.begin(), starts.end(), at) - starts.begin()) - 1;
            const int last = int(std::lower_bound(starts.begin(), starts.end(), end) - starts.begin()) - 1;
            hits.push_back({first, last + 1});
        }
    }
    std::sort(hits.begin(), hits.end());
    std::vector<std::pair<int, int>> merged;
    for (const auto& h : hits) {
        if (!merged.empty() && h.first < merged.back().second) merged.back().second = std::max(merged.back().second, h.second);
        else merged.push_back(h);
    }
    return merged;
}

}  // namespace gateau::ui
