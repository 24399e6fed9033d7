#include "db/content_hash.h"

#include "core/util/sha256.h"
#include "db/stored_records.h"

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
    auto upd = db.prepare("UPDATE samples SET content_hash = ?2 WHERE id = ?1");
    forEachStoredConversation(
        db, "s.content_hash IS NULL", [](const datasets::Conversation& c) { return contentHash(c); },
        [&](int64_t id, const std::string& hash) { upd.bind(1, id).bind(2, hash).run(); });
}

}  // namespace gateau::db
