#include "db/token_attention.h"

#include "db/run_store.h"

#include <cstring>

namespace gateau::db {

void saveTokenAttention(ProjectStore& store, int64_t runId, int64_t sampleId, int64_t queryPosition,
                        const std::vector<float>& attention) {
    std::string blob(attention.size() * 2, '\0');
    for (size_t i = 0; i < attention.size(); ++i) {
        const uint16_t h = floatToHalf(attention[i]);
        std::memcpy(&blob[2 * i], &h, 2);
    }
    auto st = store.db().prepare(
        "INSERT OR REPLACE INTO token_attention(run_id, sample_id, query_position, attention, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    st.bind(1, runId).bind(2, sampleId).bind(3, queryPosition).bindBlob(4, blob).bind(5, utcNow()).run();
}

std::optional<std::vector<float>> loadTokenAttention(ProjectStore& store, int64_t runId, int64_t sampleId,
                                                     int64_t queryPosition) {
    auto st = store.db().prepare(
        "SELECT attention FROM token_attention WHERE run_id = ?1 AND sample_id = ?2 AND query_position = ?3");
    st.bind(1, runId).bind(2, sampleId).bind(3, queryPosition);
    if (!st.step()) return std::nullopt;
    const std::string blob = st.blob(0);
    if (blob.size() % 2 != 0) throw DbError(store.path() + ": token attention blob of odd length");
    std::vector<float> out(blob.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        uint16_t h;
        std::memcpy(&h, &blob[2 * i], 2);
        out[i] = halfToFloat(h);
    }
    return out;
}

}  // namespace gateau::db
