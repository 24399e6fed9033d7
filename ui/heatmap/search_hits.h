#pragma once
// Where a browser search's words occur in a token sequence, so the context heatmap can mark
// them (docs/workbench.md "Search"). The search itself is SQLite FTS5 (unicode61, diacritics
// removed, `word*` prefixes); this mirrors it on the shown tokens: case and diacritics
// ignored, whole words only, `word*` any word starting so; operators (AND, OR, NOT, NEAR),
// quotes and parentheses are ignored, so a phrase marks each of its words.
#include <QString>
#include <QStringList>

#include <utility>
#include <vector>

namespace gateau::ui {

struct SearchTerm {
    QString text;  // folded (lower case, no diacritics)
    bool prefix = false;
};
std::vector<SearchTerm> searchTerms(const QString& query);

// Token ranges [begin, end) covering every hit, sorted and merged; a word split over several
// tokens marks all of them.
std::vector<std::pair<int, int>> searchHitTokens(const std::vector<QString>& tokenTexts, const QString& query);

}  // namespace gateau::ui
