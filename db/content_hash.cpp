#include "db/content_hash.h"

#include "core/datasets/record_parser.h"
#include "core/util/sha256.h"

#include <vector>

namespace gateau::db {

std::string contentHash(const datasets::Conversation& conversation) {
    util::Sha256 h;
    auto put = [&h](std::string_view s) {
        const uint64_t n = s.size();
        h.update(&n, sizeof n);
        h.update(s.data(), s.size());
    };
    for (const auto& turn : conversation.turns) {
        put(datasets::roleName(turn.role));
        put(turn.content);
    }
    return h.hexDigest().substr(0, 32);
}

void backfillContentHashes(Database& db) {
    datasets::RecordParser parser;
    datasets::ParsedRecord rec;
    std::string error, padded;
    auto upd = db.prepare("UPDATE samples SET content_hash = ?2 WHERE id = ?1");
    // Keyset batches: the rows are not updated while a statement still walks them.
    for (int64_t after = 0;;) {
        std::vector<std::pair<int64_t, std::string>> hashes;
        int64_t rows = 0;
        {
            auto sel = db.prepare(
                "SELECT s.id, t.raw, d.format FROM samples s JOIN sample_texts t ON t.sample_id = s.id "
                "JOIN datasets d ON d.id = s.dataset_id WHERE s.id > ?1 AND s.content_hash IS NULL ORDER BY s.id LIMIT 2000");
            sel.bind(1, after);
            while (sel.step()) {
                ++rows;
                after = sel.int64(0);
                const std::string_view raw = sel.textView(1);
                padded.assign(raw.data(), raw.size());
                padded.resize(raw.size() + datasets::RecordParser::kPadding);
                const auto format = datasets::parseFormat(sel.textView(2)).value_or(datasets::Format::Auto);
                if (parser.parse(std::string_view(padded.data(), raw.size()), format, rec, error))
                    hashes.emplace_back(after, contentHash(rec.conversation));
            }
        }
        if (rows == 0) break;
        for (const auto& [id, hash] : hashes) upd.bind(1, id).bind(2, hash).run();
    }
}

}  // namespace gateau::db
