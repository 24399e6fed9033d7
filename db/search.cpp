#include "db/search.h"

#include <sstream>

namespace gateau::db {

int64_t ensureSearchIndex(ProjectStore& store, const std::function<bool(int64_t, int64_t)>& progress) {
    Database& db = store.db();
    int64_t upto = 0, count = 0;
    {
        auto st = db.prepare("SELECT indexed_upto, indexed_count FROM search_state WHERE id = 1");
        if (st.step()) {
            upto = st.int64(0);
            count = st.int64(1);
        }
    }
    // Samples removed since (a cancelled import, a deleted dataset): contentless FTS5 cannot
    // delete rows without their text, so start again.
    // Each count in its own scope: a statement left mid-result keeps a read transaction open,
    // and a connection that then wants to write after another one did gets SQLITE_BUSY.
    auto countSamples = [&](const char* cmp) {
        auto st = db.prepare(std::string("SELECT count(*) FROM samples s JOIN datasets d ON d.id = s.dataset_id "
                                         "WHERE d.status = 'complete' AND s.id ") + cmp + " ?1");
        st.bind(1, upto);
        return st.step() ? st.int64(0) : 0;
    };
    if (countSamples("<=") != count) {
        Transaction tx(db);
        db.exec("INSERT INTO sample_search(sample_search) VALUES('delete-all'); DELETE FROM search_state;");
        tx.commit();
        upto = count = 0;
    }
    const int64_t total = countSamples(">");
    int64_t added = 0;
    while (added < total) {
        std::vector<int64_t> ids;
        {
            auto st = db.prepare(
                "SELECT s.id FROM samples s JOIN datasets d ON d.id = s.dataset_id WHERE d.status = 'complete' AND "
                "s.id > ?1 ORDER BY s.id LIMIT 500");
            st.bind(1, upto);
            while (st.step()) ids.push_back(st.int64(0));
        }
        if (ids.empty()) break;
        Transaction tx(db);
        auto ins = db.prepare("INSERT INTO sample_search(rowid, text) VALUES (?1, ?2)");
        for (int64_t id : ids) {
            std::string text;
            try {
                if (auto t = store.sampleText(id))
                    for (const auto& turn : t->conversation.turns) text += turn.content + "\n";
            } catch (const DbError&) {
                // a record that no longer parses is still counted, just not searchable
            }
            ins.bind(1, id).bind(2, text).run();
            ins.reset();
        }
        upto = ids.back();
        count += int64_t(ids.size());
        auto state = db.prepare("INSERT OR REPLACE INTO search_state(id, indexed_upto, indexed_count) VALUES (1, ?1, ?2)");
        state.bind(1, upto).bind(2, count).run();
        tx.commit();
        added += int64_t(ids.size());
        if (progress && !progress(added, total)) break;
    }
    return added;
}

std::string ftsQueryFor(const std::string& userText) {
    std::istringstream in(userText);
    std::string word, out;
    while (in >> word) {
        bool prefix = word.size() > 1 && word.back() == '*';
        if (prefix) word.pop_back();
        std::string quoted = "\"";
        for (char c : word) {
            if (c == '"') quoted += '"';
            quoted += c;
        }
        quoted += "\"";
        if (prefix) quoted += "*";
        out += (out.empty() ? "" : " ") + quoted;
    }
    return out;
}

std::vector<int64_t> searchSamples(ProjectStore& store, const std::string& userText) {
    std::vector<int64_t> out;
    const std::string query = ftsQueryFor(userText);
    if (query.empty()) return out;
    auto st = store.db().prepare("SELECT rowid FROM sample_search WHERE sample_search MATCH ?1 ORDER BY rowid");
    st.bind(1, query);
    while (st.step()) out.push_back(st.int64(0));
    return out;
}

}  // namespace gateau::db
