#pragma once
// Walks every stored record again (a migration's step for rows imported before it): parses
// each with its dataset's format, computes a value from the conversation while the batch's
// statement is open, and applies the values after it is closed, since rows must not change
// under a statement that still walks them. Records that no longer parse are skipped.
#include "core/datasets/record_parser.h"
#include "db/sqlite.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gateau::db {

// `where`: extra SQL condition on samples s (e.g. "s.content_hash IS NULL"); keyset batches
// in id order, so `apply` sees the samples in id order.
template <class Compute, class Apply>
void forEachStoredConversation(Database& db, const std::string& where, Compute compute, Apply apply) {
    using Value = decltype(compute(std::declval<const datasets::Conversation&>()));
    datasets::RecordParser parser;
    datasets::ParsedRecord rec;
    std::string error, padded;
    for (int64_t after = 0;;) {
        std::vector<std::pair<int64_t, Value>> values;
        int64_t rows = 0;
        {
            auto sel = db.prepare(
                "SELECT s.id, t.raw, d.format FROM samples s JOIN sample_texts t ON t.sample_id = s.id "
                "JOIN datasets d ON d.id = s.dataset_id WHERE s.id > ?1 AND (" + where + ") ORDER BY s.id LIMIT 2000");
            sel.bind(1, after);
            while (sel.step()) {
                ++rows;
                after = sel.int64(0);
                const std::string_view raw = sel.textView(1);
                padded.assign(raw.data(), raw.size());
                padded.resize(raw.size() + datasets::RecordParser::kPadding);
                const auto format = datasets::parseFormat(sel.textView(2)).value_or(datasets::Format::Auto);
                if (parser.parse(std::string_view(padded.data(), raw.size()), format, rec, error))
                    values.emplace_back(after, compute(rec.conversation));
            }
        }
        if (rows == 0) break;
        for (auto& [id, v] : values) apply(id, v);
    }
}

}  // namespace gateau::db
