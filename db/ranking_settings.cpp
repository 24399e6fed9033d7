#include "db/ranking_settings.h"

#include <stdexcept>
#include <string>

namespace gateau::db {

double projectAlpha(Database& db) {
    auto st = db.prepare("SELECT alpha FROM ranking_settings WHERE id = 1");
    return st.step() ? st.real(0) : kDefaultAlpha;
}

void setProjectAlpha(Database& db, double alpha) {
    if (!(alpha >= 0 && alpha <= 1)) throw std::invalid_argument("alpha must be in [0, 1], got " + std::to_string(alpha));
    auto st = db.prepare("INSERT OR REPLACE INTO ranking_settings(id, alpha) VALUES (1, ?1)");
    st.bind(1, alpha);
    st.run();
}

}  // namespace gateau::db
