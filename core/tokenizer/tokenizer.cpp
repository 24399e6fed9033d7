#include "core/tokenizer/tokenizer.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/tokenizer/json_loader.h"
#include "core/tokenizer/sp_tokenizer.h"

namespace gateau::tok {
namespace fs = std::filesystem;
namespace {

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw TokenizerError(p.string() + ": cannot open: " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw TokenizerError(p.string() + ": read error");
    return ss.str();
}

bool looksLikeJson(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    char c = 0;
    while (in.get(c))
        if (!std::isspace(static_cast<unsigned char>(c))) return c == '{';
    return false;
}

std::unique_ptr<Tokenizer> loadJsonFile(const fs::path& file) {
    const std::string json = readFile(file);
    std::string config;
    std::error_code ec;
    const fs::path configPath = file.parent_path() / "tokenizer_config.json";
    if (fs::is_regular_file(configPath, ec)) config = readFile(configPath);
    return Tokenizer::fromJsonText(json, file.string(), config);
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::fromJsonText(std::string_view json, const std::string& src,
                                                   std::string_view configJson) {
    return loadTokenizerJson(json, src, configJson);
}

std::unique_ptr<Tokenizer> Tokenizer::load(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_directory(p, ec)) {
        if (fs::is_regular_file(p / "tokenizer.json", ec)) return loadJsonFile(p / "tokenizer.json");
        if (fs::is_regular_file(p / "tokenizer.model", ec)) return std::make_unique<SpTokenizer>((p / "tokenizer.model").string());
        throw TokenizerError(path + ": folder has neither tokenizer.json nor tokenizer.model");
    }
    if (!fs::exists(p, ec)) throw TokenizerError(path + ": no such file or folder");
    if (!fs::is_regular_file(p, ec)) throw TokenizerError(path + ": not a regular file");
    const std::string ext = p.extension().string();
    if (ext == ".json" || (ext != ".model" && looksLikeJson(p))) return loadJsonFile(p);
    return std::make_unique<SpTokenizer>(path);
}

}  // namespace gateau::tok
