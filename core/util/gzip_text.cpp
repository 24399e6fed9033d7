#include "core/util/gzip_text.h"

#include <zlib.h>

#include <fstream>
#include <sstream>

namespace gateau::util {

std::optional<std::string> readTextFile(const std::string& path) {
    if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
        gzFile f = gzopen(path.c_str(), "rb");
        if (!f) return std::nullopt;
        std::string out;
        char buf[65536];
        int n;
        while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
        bool ok = n == 0;
        gzclose(f);
        if (!ok) return std::nullopt;
        return out;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace gateau::util
