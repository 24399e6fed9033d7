#include "core/tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <queue>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/token_display.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {

constexpr int32_t kMaxId = 4 * 1024 * 1024;  // far above any real vocabulary; guards allocations
constexpr size_t kCpTableSize = 0x3000;       // Latin, Greek, Cyrillic, byte-level chars, ...
constexpr size_t kCacheMaxEntries = 65536;
constexpr size_t kCacheMaxWordBytes = 256;

struct Merge {
    int32_t pos;
    int32_t rank;
    int32_t newId;
};
// Lowest rank first, then leftmost: the order tokenizers' Word::merge_all uses.
struct MergeAfter {
    bool operator()(const Merge& a, const Merge& b) const {
        return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
    }
};

}  // namespace

BpeModel::BpeModel(const nlohmann::json& model, const std::string& src) : source_(src) {
    if (!model.is_object()) throw TokenizerError(src + ": \"model\" is missing or not an object");
    const std::string type = jsonutil::strOr(model, "type", model.contains("merges") ? "BPE" : "");
    if (type != "BPE")
        throw TokenizerError(src + ": unsupported model type \"" + (type.empty() ? "?" : type) +
                             "\" (only BPE tokenizer.json files are supported)");
    prefix_ = jsonutil::strOr(model, "continuing_subword_prefix", "");
    suffix_ = jsonutil::strOr(model, "end_of_word_suffix", "");
    byteFallback_ = jsonutil::boolOr(model, "byte_fallback", false);
    fuseUnk_ = jsonutil::boolOr(model, "fuse_unk", false);
    ignoreMerges_ = jsonutil::boolOr(model, "ignore_merges", false);
    unkToken_ = jsonutil::strOr(model, "unk_token", "");
}

void BpeModel::reserve(size_t vocabSize, size_t mergeCount) {
    vocab_.reserve(vocabSize);
    merges_.reserve(mergeCount);
}

void BpeModel::addToken(std::string_view token, int64_t id) {
    if (id < 0 || id >= kMaxId)
        throw TokenizerError(source_ + ": model.vocab entry \"" + std::string(token) + "\" has no valid id");
    vocab_.set(std::string(token), static_cast<int32_t>(id));
}

void BpeModel::finishVocab() {
    int32_t maxId = -1;
    for (const auto& entry : vocab_.entries()) maxId = std::max(maxId, entry.second);
    idToToken_.assign(static_cast<size_t>(maxId + 1), std::string());
    hasToken_.assign(idToToken_.size(), false);
    for (const auto& [tok, id] : vocab_.entries()) {
        idToToken_[id] = tok;
        hasToken_[id] = true;
    }
    if (!unkToken_.empty()) unkId_ = tokenId(unkToken_);
    cpIds_.assign(kCpTableSize, -1);
    for (size_t cp = 0; cp < kCpTableSize; ++cp)
        if (auto id = tokenId(utf8::encode(static_cast<char32_t>(cp)))) cpIds_[cp] = *id;
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byteIds_[b] = tokenId(name).value_or(-1);
    }
}

void BpeModel::addMerge(std::string_view a, std::string_view b) {
    const int32_t rank = nextRank_++;
    auto idOf = [&](std::string_view tok) {
        const int32_t* id = vocab_.get(tok);
        if (!id)
            throw TokenizerError(source_ + ": merge #" + std::to_string(rank) + " uses \"" + std::string(tok) +
                                 "\", which is not in the vocabulary");
        return *id;
    };
    const int32_t ia = idOf(a), ib = idOf(b);
    // With a continuing-subword prefix the right part carries it, the merged token does not.
    mergedScratch_.assign(a);
    if (!prefix_.empty() && b.substr(0, prefix_.size()) == prefix_)
        mergedScratch_.append(b.substr(prefix_.size()));
    else
        mergedScratch_.append(b);
    merges_.set(ia, ib, {rank, idOf(mergedScratch_)});
}

void BpeModel::loadTables(const nlohmann::json& model) {
    const auto& vocab = jsonutil::field(model, "vocab", "model", source_);
    if (!vocab.is_object()) throw TokenizerError(source_ + ": model.vocab is not an object");
    const auto& merges = jsonutil::field(model, "merges", "model", source_);
    if (!merges.is_array()) throw TokenizerError(source_ + ": model.merges is not a list");
    reserve(vocab.size(), merges.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        if (!it->is_number_integer())
            throw TokenizerError(source_ + ": model.vocab entry \"" + it.key() + "\" has no valid id");
        addToken(it.key(), it->is_number_unsigned() ? static_cast<int64_t>(std::min<uint64_t>(it->get<uint64_t>(), kMaxId))
                                                    : it->get<int64_t>());
    }
    finishVocab();
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& m = merges[rank];
        if (m.is_string()) {
            const std::string_view s = m.get_ref<const std::string&>();
            const size_t space = s.find(' ');
            if (space == std::string_view::npos)
                throw TokenizerError(source_ + ": merge #" + std::to_string(rank) + " \"" + std::string(s) +
                                     "\" is not \"a b\"");
            addMerge(s.substr(0, space), s.substr(space + 1));
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            addMerge(m[0].get_ref<const std::string&>(), m[1].get_ref<const std::string&>());
        } else {
            throw TokenizerError(source_ + ": merge #" + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]");
        }
    }
}

std::optional<int32_t> BpeModel::tokenId(std::string_view token) const {
    const int32_t* id = vocab_.get(token);
    return id ? std::optional<int32_t>(*id) : std::nullopt;
}

const std::string* BpeModel::tokenString(int32_t id) const {
    if (id < 0 || id >= idLimit() || !hasToken_[id]) return nullptr;
    return &idToToken_[id];
}

std::optional<int32_t> BpeModel::charId(std::string_view ch, bool first, bool last) const {
    const bool decorated = (!first && !prefix_.empty()) || (last && !suffix_.empty());
    if (!decorated) {
        const char32_t cp = utf8::decodeAt(ch, 0);
        if (cp < cpIds_.size()) {
            const int32_t id = cpIds_[cp];
            return id >= 0 ? std::optional<int32_t>(id) : std::nullopt;
        }
        return tokenId(ch);
    }
    std::string s;
    if (!first) s += prefix_;
    s += ch;
    if (last) s += suffix_;
    return tokenId(s);
}

// Mirrors tokenizers' BPE::merge_word, including how unknown chars fuse and fall back to bytes.
void BpeModel::initialSymbols(const std::string& w, std::vector<int32_t>& ids) const {
    std::optional<int32_t> pendingUnk;
    for (size_t i = 0; i < w.size();) {
        const size_t len = utf8::charLen(static_cast<unsigned char>(w[i]));
        const bool first = i == 0, last = i + len >= w.size();
        const std::string_view ch(w.data() + i, std::min(len, w.size() - i));
        i += len;
        if (auto id = charId(ch, first, last)) {
            if (pendingUnk) {
                ids.push_back(*pendingUnk);
                pendingUnk.reset();
            }
            ids.push_back(*id);
            continue;
        }
        if (byteFallback_) {
            std::string s;
            if (!first) s += prefix_;
            s += ch;
            if (last) s += suffix_;
            const bool all = std::all_of(s.begin(), s.end(), [&](char c) { return byteIds_[uint8_t(c)] >= 0; });
            if (all) {
                for (char c : s) ids.push_back(byteIds_[uint8_t(c)]);
                continue;
            }
        }
        // Without an unk token the reference refuses the text; dropping the char keeps encode total.
        if (!unkId_) continue;
        if (pendingUnk && !fuseUnk_) ids.push_back(*pendingUnk);
        pendingUnk = unkId_;
    }
    if (pendingUnk) ids.push_back(*pendingUnk);
}

void BpeModel::mergeAll(std::vector<int32_t>& ids) const {
    const auto n = static_cast<int32_t>(ids.size());
    if (n < 2) return;
    std::vector<int32_t> prev(n), next(n);
    std::vector<char> alive(n, 1);
    for (int32_t i = 0; i < n; ++i) {
        prev[i] = i - 1;
        next[i] = i + 1 < n ? i + 1 : -1;
    }
    std::vector<Merge> heap;
    heap.reserve(n);
    for (int32_t i = 0; i + 1 < n; ++i) {
        if (const auto* m = merges_.get(ids[i], ids[i + 1])) heap.push_back({i, m->rank, m->newId});
    }
    std::priority_queue<Merge, std::vector<Merge>, MergeAfter> queue(MergeAfter{}, std::move(heap));
    while (!queue.empty()) {
        const Merge top = queue.top();
        queue.pop();
        if (!alive[top.pos] || next[top.pos] < 0) continue;
        const int32_t right = next[top.pos];
        const auto* m = merges_.get(ids[top.pos], ids[right]);
        if (!m || m->newId != top.newId) continue;  // stale entry

        ids[top.pos] = top.newId;
        alive[right] = 0;
        next[top.pos] = next[right];
        if (next[right] >= 0) prev[next[right]] = top.pos;

        if (prev[top.pos] >= 0) {
            if (const auto* p = merges_.get(ids[prev[top.pos]], ids[top.pos]))
                queue.push({prev[top.pos], p->rank, p->newId});
        }
        if (next[top.pos] >= 0) {
            if (const auto* q = merges_.get(ids[top.pos], ids[next[top.pos]])) queue.push({top.pos, q->rank, q->newId});
        }
    }
    int32_t w = 0;
    for (int32_t i = 0; i < n; ++i)
        if (alive[i]) ids[w++] = ids[i];
    ids.resize(w);
}

void BpeModel::encode(const std::string& piece, std::vector<int32_t>& out) const {
    if (piece.empty()) return;
    if (ignoreMerges_) {
        if (auto id = tokenId(piece)) {
            out.push_back(*id);
            return;
        }
    }
    const bool cacheable = piece.size() <= kCacheMaxWordBytes;
    if (cacheable) {
        std::shared_lock lock(cacheMutex_);
        auto it = cache_.find(piece);
        if (it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<int32_t> ids;
    ids.reserve(piece.size());
    initialSymbols(piece, ids);
    mergeAll(ids);
    out.insert(out.end(), ids.begin(), ids.end());
    if (cacheable) {
        std::unique_lock lock(cacheMutex_);
        if (cache_.size() >= kCacheMaxEntries) cache_.clear();
        cache_.emplace(piece, std::move(ids));
    }
}

void BpeModel::spans(const std::string& piece, const int32_t* ids, size_t n, std::vector<Offsets>& out) const {
    const std::string_view text = piece;
    auto charAt = [&](size_t i) {
        return text.substr(i, std::min(utf8::charLen(static_cast<unsigned char>(text[i])), text.size() - i));
    };
    auto known = [&](size_t i) {
        const std::string_view ch = charAt(i);
        return charId(ch, i == 0, i + ch.size() >= text.size()).has_value();
    };
    // initialSymbols drops a char that has no id, no byte fallback and no unk token.
    auto skipDropped = [&](size_t& pos) {
        if (unkId_ || byteFallback_) return;
        while (pos < text.size() && !known(pos)) pos += charAt(pos).size();
    };
    size_t pos = 0;
    for (size_t k = 0; k < n; ++k) {
        skipDropped(pos);
        const int32_t id = ids[k];
        const size_t begin = pos;
        const std::string* token = tokenString(id);
        const int byte = token ? parseByteToken(*token) : -1;
        if (byteFallback_ && byte >= 0 && byteIds_[size_t(byte)] == id && pos < text.size() &&
            static_cast<unsigned char>(text[pos]) == byte) {
            pos += 1;
        } else if (unkId_ && id == *unkId_ && pos < text.size() && !known(pos)) {
            pos += charAt(pos).size();
            while (fuseUnk_ && pos < text.size() && !known(pos)) pos += charAt(pos).size();
        } else {
            std::string_view s = token ? std::string_view(*token) : std::string_view();
            if (!prefix_.empty() && pos > 0 && s.substr(0, prefix_.size()) == prefix_) s.remove_prefix(prefix_.size());
            if (!suffix_.empty() && s.size() >= suffix_.size() && s.substr(s.size() - suffix_.size()) == suffix_ &&
                text.substr(pos, s.size() - suffix_.size()) == s.substr(0, s.size() - suffix_.size()) &&
                pos + s.size() - suffix_.size() == text.size())
                s.remove_suffix(suffix_.size());
            if (s.empty() || text.substr(pos, s.size()) != s)
                throw TokenizerError(source_ + ": token " + std::to_string(id) + " does not match the text at byte " +
                                     std::to_string(pos) + " of a word (offsets lost)");
            pos += s.size();
        }
        out.emplace_back(begin, pos);
    }
}

}  // namespace gateau::tok
