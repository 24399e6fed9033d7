#include "core/tokenizer/sp_tokenizer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <queue>
#include <sstream>
#include <unordered_map>

#include "core/tokenizer/token_display.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

std::string readModelFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TokenizerError(path + ": cannot open: " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw TokenizerError(path + ": read error");
    return ss.str();
}

// SentencePiece's OneCharLen: the length a UTF-8 lead byte announces (1 for stray bytes).
size_t oneCharLen(unsigned char lead) { return "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[lead >> 4]; }

std::string bytePiece(int b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    return buf;
}

bool endsWith(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && std::string_view(s).substr(s.size() - suffix.size()) == suffix;
}

// Darts-clone double-array unit accessors (as used by SentencePiece's precompiled charsmap).
inline bool dartsHasLeaf(uint32_t u) { return ((u >> 8) & 1) == 1; }
inline uint32_t dartsValue(uint32_t u) { return u & ((1U << 31) - 1); }
inline uint32_t dartsLabel(uint32_t u) { return u & ((1U << 31) | 0xFF); }
inline uint32_t dartsOffset(uint32_t u) { return (u >> 10) << ((u & (1U << 9)) >> 6); }

}  // namespace

SpTokenizer::SpTokenizer(const std::string& path) : path_(path) { init(readModelFile(path)); }

SpTokenizer::SpTokenizer(std::string_view bytes, const std::string& name, FromBytesTag) : path_(name) { init(bytes); }

std::unique_ptr<SpTokenizer> SpTokenizer::fromBytes(std::string_view bytes, const std::string& name) {
    return std::unique_ptr<SpTokenizer>(new SpTokenizer(bytes, name, FromBytesTag{}));
}

SpTokenizer::~SpTokenizer() = default;

void SpTokenizer::init(std::string_view bytes) {
    model_ = parseSpModelProto(bytes, path_);
    auto fail = [&](const std::string& why) { throw TokenizerError(path_ + ": " + why); };
    if (model_.pieces.empty()) fail("SentencePiece model has no pieces");
    if (model_.pieces.size() > size_t(INT32_MAX / 2)) fail("SentencePiece model has too many pieces");
    if (model_.modelType != SpModelProto::Bpe && model_.modelType != SpModelProto::Unigram) {
        const int t = model_.modelType;
        const char* kind = t == SpModelProto::Word ? "word" : t == SpModelProto::Char ? "char" : nullptr;
        if (!kind) fail("SentencePiece model has unknown model_type " + std::to_string(t));
        fail(std::string(kind) + " tokenizer.model is not supported (only BPE and unigram SentencePiece models are)");
    }

    const size_t n = model_.pieces.size();
    pieces_.reserve(n);
    byteIds_.fill(-1);
    byteValue_.assign(n, -1);
    std::vector<std::string> userDefined;
    for (size_t i = 0; i < n; ++i) {
        const SpPiece& sp = model_.pieces[i];
        const int id = static_cast<int>(i);
        if (sp.piece.empty()) fail("SentencePiece model: piece #" + std::to_string(i) + " is empty");
        if (sp.type < SpPiece::Normal || sp.type > SpPiece::Byte)
            fail("SentencePiece model: piece #" + std::to_string(i) + " has unknown type " + std::to_string(sp.type));
        const bool normal = sp.type == SpPiece::Normal || sp.type == SpPiece::UserDefined || sp.type == SpPiece::Unused;
        TokenIdMap& map = normal ? pieces_ : reserved_;
        if (map.get(sp.piece)) fail("SentencePiece model: piece \"" + sp.piece + "\" is defined twice");
        map.set(sp.piece, id);
        if (sp.type == SpPiece::UserDefined) userDefined.push_back(sp.piece);
        if (sp.type == SpPiece::Unknown) {
            if (unkId_ >= 0) fail("SentencePiece model: more than one unknown piece");
            unkId_ = id;
        }
        if (sp.type == SpPiece::Byte) {
            if (!model_.byteFallback)
                fail("SentencePiece model: byte piece \"" + sp.piece + "\" found although byte_fallback is false");
            const int b = parseByteToken(sp.piece);
            if (b < 0) fail("SentencePiece model: byte piece \"" + sp.piece + "\" is not of the form <0xNN>");
            byteValue_[i] = b;
        }
    }
    if (unkId_ < 0) fail("SentencePiece model: no unknown piece defined");
    for (int b = 0; b < 256; ++b) byteIds_[b] = pieceToId(bytePiece(b));

    // USER_DEFINED pieces are matched whole, longest first.
    userTrie_.assign(1, TrieNode{});
    for (const std::string& s : userDefined) trieInsert(userTrie_, s, 1);

    if (model_.modelType == SpModelProto::Unigram) {
        pieceTrie_.assign(1, TrieNode{});
        for (const auto& [piece, id] : pieces_.entries()) trieInsert(pieceTrie_, piece, id);
        // As unigram_model.cc (max starts at FLT_MIN, the smallest positive float).
        minScore_ = std::numeric_limits<float>::max();
        maxScore_ = std::numeric_limits<float>::min();
        for (const SpPiece& sp : model_.pieces)
            if (sp.type == SpPiece::Normal) {
                minScore_ = std::min(minScore_, sp.score);
                maxScore_ = std::max(maxScore_, sp.score);
            }
    }

    // <trie size (4 bytes, little endian)><double-array trie><normalized strings, '\0' separated>
    const std::string& cm = model_.precompiledCharsmap;
    if (!cm.empty()) {
        if (cm.size() < 4) fail("SentencePiece model: precompiled_charsmap is truncated");
        const auto* u = reinterpret_cast<const unsigned char*>(cm.data());
        const uint32_t trieSize = uint32_t(u[0]) | uint32_t(u[1]) << 8 | uint32_t(u[2]) << 16 | uint32_t(u[3]) << 24;
        if (trieSize == 0 || trieSize > cm.size() - 4 || trieSize % 4 != 0)
            fail("SentencePiece model: precompiled_charsmap trie size is invalid");
        charsTrie_.resize(trieSize / 4);
        for (size_t k = 0; k < charsTrie_.size(); ++k) {
            const unsigned char* q = u + 4 + 4 * k;
            charsTrie_[k] = uint32_t(q[0]) | uint32_t(q[1]) << 8 | uint32_t(q[2]) << 16 | uint32_t(q[3]) << 24;
        }
        charsNormalized_ = cm.substr(4 + trieSize);
    }

    // As SentencePieceProcessor::bos_id(): the id of bos_piece, when that is a control piece.
    auto controlId = [&](const std::string& piece, const char* fallback) {
        const int id = pieceToId(piece.empty() ? std::string_view(fallback) : std::string_view(piece));
        return isType(id, SpPiece::Control) ? id : -1;
    };
    bosId_ = controlId(model_.bosPiece, "<s>");
    eosId_ = controlId(model_.eosPiece, "</s>");
}

int SpTokenizer::pieceToId(std::string_view piece) const {
    if (const int32_t* id = reserved_.get(piece)) return *id;
    if (const int32_t* id = pieces_.get(piece)) return *id;
    return unkId_;
}

bool SpTokenizer::isType(int id, int type) const {
    return id >= 0 && size_t(id) < model_.pieces.size() && model_.pieces[size_t(id)].type == type;
}

void SpTokenizer::trieInsert(std::vector<TrieNode>& trie, std::string_view key, int value) {
    int node = 0;
    for (const char ch : key) {
        const unsigned char c = static_cast<unsigned char>(ch);
        auto& next = trie[size_t(node)].next;
        auto it = std::lower_bound(next.begin(), next.end(), c, [](const auto& a, unsigned char b) { return a.first < b; });
        if (it != next.end() && it->first == c) {
            node = it->second;
        } else {
            const int created = static_cast<int>(trie.size());
            next.insert(it, {c, created});
            trie.emplace_back();  // invalidates next, which is not used again
            node = created;
        }
    }
    trie[size_t(node)].value = value;
}

int SpTokenizer::trieChild(const std::vector<TrieNode>& trie, int node, unsigned char c) {
    const auto& next = trie[size_t(node)].next;
    auto it = std::lower_bound(next.begin(), next.end(), c, [](const auto& a, unsigned char b) { return a.first < b; });
    return it != next.end() && it->first == c ? it->second : -1;
}

size_t SpTokenizer::userDefinedPrefix(std::string_view s) const {
    if (userTrie_.size() <= 1) return 0;
    size_t best = 0;
    int node = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        node = trieChild(userTrie_, node, static_cast<unsigned char>(s[i]));
        if (node < 0) break;
        if (userTrie_[size_t(node)].value >= 0) best = i + 1;
    }
    return best;
}

// Normalizer::NormalizePrefix: (normalized text of the prefix, bytes of input consumed).
std::pair<std::string_view, size_t> SpTokenizer::normalizePrefix(std::string_view s) const {
    if (s.empty()) return {{}, 0};
    if (const size_t m = userDefinedPrefix(s)) return {s.substr(0, m), m};
    if (!charsTrie_.empty()) {
        // Darts commonPrefixSearch, keeping the longest of the first 32 results as SentencePiece does.
        const size_t units = charsTrie_.size();
        size_t longest = 0;
        uint32_t value = 0;
        int results = 0;
        size_t pos = dartsOffset(charsTrie_[0]);
        for (size_t i = 0; i < s.size(); ++i) {
            const unsigned char c = static_cast<unsigned char>(s[i]);
            pos ^= c;
            if (pos >= units) break;
            const uint32_t unit = charsTrie_[pos];
            if (dartsLabel(unit) != c) break;
            pos ^= dartsOffset(unit);
            if (dartsHasLeaf(unit)) {
                if (pos >= units) break;
                if (results++ < 32 && i + 1 > longest) {
                    longest = i + 1;
                    value = dartsValue(charsTrie_[pos]);
                }
            }
        }
        if (longest > 0 && value < charsNormalized_.size()) {
            const char* start = charsNormalized_.data() + value;
            const size_t len = strnlen(start, charsNormalized_.size() - value);
            return {std::string_view(start, len), longest};
        }
    }
    const size_t len = utf8::validSeqLen(s, 0);
    if (len == 0) return {kReplacementChar, 1};
    return {s.substr(0, len), len};
}

// Normalizer::Normalize: each normalized byte keeps the input range it was made from; the dummy
// prefix stands for the character after it (before it, as a suffix), as HF aligns it.
AlignedText SpTokenizer::normalize(std::string_view input) const {
    AlignedText out;
    const size_t total = input.size();
    auto at = [&] { return uint32_t(total - input.size()); };
    const bool removeExtra = model_.removeExtraWhitespaces;
    if (removeExtra) {
        while (!input.empty()) {
            const auto p = normalizePrefix(input);
            if (p.first != " ") break;
            input.remove_prefix(p.second);
        }
    }
    if (input.empty()) return out;
    out.text.reserve(input.size() * 3);
    const std::string_view space = model_.escapeWhitespaces ? kSpaceSymbol : std::string_view(" ");
    const bool suffix = model_.treatWhitespaceAsSuffix;

    bool prevSpace = removeExtra;
    while (!input.empty()) {
        const auto p = normalizePrefix(input);
        const size_t consumed = std::max<size_t>(p.second, 1);
        const uint32_t from = at(), to = uint32_t(from + consumed);
        std::string_view sp = p.first;
        if (prevSpace)
            while (!sp.empty() && sp[0] == ' ') sp.remove_prefix(1);
        if (!sp.empty()) {
            for (size_t i = 0; i < sp.size(); ++i)
                out.append(model_.escapeWhitespaces && sp[i] == ' ' ? kSpaceSymbol : sp.substr(i, 1), from, to);
            prevSpace = sp.back() == ' ';
        }
        input.remove_prefix(consumed);
        if (!removeExtra) prevSpace = false;
    }
    if (removeExtra)
        while (endsWith(out.text, space)) out = out.slice(0, out.size() - space.size());
    if (removeExtra && out.empty()) return out;  // the trimming would remove the dummy prefix too
    if (model_.addDummyPrefix && !suffix) return out.prependedWith(space, uint32_t(total));
    if (model_.addDummyPrefix) out.append(space, out.empty() ? uint32_t(total) : out.from.back(), uint32_t(total));
    return out;
}

// bpe::Model::Encode (bpe_model.cc): characters (and whole USER_DEFINED pieces, which are frozen)
// are merged pairwise, always the adjacent pair whose concatenation is the highest-scoring piece
// (leftmost on ties); merges that produced UNUSED pieces are split back at the end.
std::vector<std::pair<std::string_view, int>> SpTokenizer::bpe(std::string_view normalized) const {
    struct Symbol {
        int prev;
        int next;
        bool freeze;
        std::string_view piece;
    };
    struct Pair {
        int left;
        int right;
        float score;
        size_t size;
    };
    struct Lower {
        bool operator()(const Pair& a, const Pair& b) const {
            return a.score < b.score || (a.score == b.score && a.left > b.left);
        }
    };
    std::vector<std::pair<std::string_view, int>> out;
    if (normalized.empty()) return out;

    std::vector<Symbol> symbols;
    symbols.reserve(normalized.size());
    std::priority_queue<Pair, std::vector<Pair>, Lower> agenda;
    std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> revMerge;

    auto maybeAdd = [&](int left, int right) {
        if (left == -1 || right == -1 || symbols[left].freeze || symbols[right].freeze) return;
        const std::string_view piece(symbols[left].piece.data(), symbols[left].piece.size() + symbols[right].piece.size());
        const int32_t* id = pieces_.get(piece);
        if (!id) return;
        const SpPiece& sp = model_.pieces[size_t(*id)];
        agenda.push(Pair{left, right, sp.score, piece.size()});
        if (sp.type == SpPiece::Unused) revMerge[piece] = {symbols[left].piece, symbols[right].piece};
    };

    int index = 0;
    while (!normalized.empty()) {
        Symbol s;
        const size_t user = userDefinedPrefix(normalized);
        s.freeze = user > 0;
        const size_t len = user > 0 ? user : std::min(oneCharLen(static_cast<unsigned char>(normalized[0])), normalized.size());
        s.piece = normalized.substr(0, len);
        s.prev = index == 0 ? -1 : index - 1;
        normalized.remove_prefix(len);
        s.next = normalized.empty() ? -1 : index + 1;
        ++index;
        symbols.push_back(s);
    }

    for (size_t i = 1; i < symbols.size(); ++i) maybeAdd(int(i) - 1, int(i));

    while (!agenda.empty()) {
        const Pair top = agenda.top();
        agenda.pop();
        Symbol& l = symbols[size_t(top.left)];
        Symbol& r = symbols[size_t(top.right)];
        if (l.piece.empty() || r.piece.empty() || l.piece.size() + r.piece.size() != top.size) continue;
        l.piece = std::string_view(l.piece.data(), l.piece.size() + r.piece.size());
        l.next = r.next;
        if (r.next >= 0) symbols[size_t(r.next)].prev = top.left;
        r.piece = std::string_view();
        maybeAdd(l.prev, top.left);
        maybeAdd(top.left, l.next);
    }

    std::function<void(std::string_view)> resegment = [&](std::string_view w) {
        const int id = pieceToId(w);
        if (!isType(id, SpPiece::Unused)) {
            out.emplace_back(w, id);
            return;
        }
        const auto p = revMerge.find(w);
        if (p == revMerge.end()) {
            out.emplace_back(w, id);
            return;
        }
        resegment(p->second.first);
        resegment(p->second.second);
    };
    for (int i = 0; i != -1; i = symbols[size_t(i)].next) resegment(symbols[size_t(i)].piece);
    return out;
}

// unigram::Model::EncodeOptimized (unigram_model.cc): Viterbi over every piece that starts at
// each char (UNUSED pieces excluded; USER_DEFINED ones get a bonus so they always win), with an
// <unk> of score min_score - 10 for a char that no single-char piece covers.
std::vector<std::pair<std::string_view, int>> SpTokenizer::unigram(std::string_view normalized) const {
    struct Best {
        int id = -1;
        float score = 0.0f;
        int startsAt = -1;
    };
    std::vector<std::pair<std::string_view, int>> out;
    if (normalized.empty()) return out;
    const size_t size = normalized.size();
    const float unkScore = minScore_ - 10.0f;
    std::vector<Best> best(size + 1);
    size_t startsAt = 0;
    while (startsAt < size) {
        const float tillHere = best[startsAt].score;
        bool hasSingleNode = false;
        const size_t mblen = std::min(oneCharLen(static_cast<unsigned char>(normalized[startsAt])), size - startsAt);
        int node = 0;
        for (size_t keyPos = startsAt; keyPos < size;) {
            node = trieChild(pieceTrie_, node, static_cast<unsigned char>(normalized[keyPos]));
            ++keyPos;
            if (node < 0) break;
            const int id = pieceTrie_[size_t(node)].value;
            if (id < 0 || isType(id, SpPiece::Unused)) continue;
            Best& target = best[keyPos];
            const size_t length = keyPos - startsAt;
            const SpPiece& sp = model_.pieces[size_t(id)];
            const double score = sp.type == SpPiece::UserDefined ? double(float(length) * maxScore_) - 0.1 : double(sp.score);
            const double candidate = score + tillHere;
            if (target.startsAt == -1 || candidate > target.score) {
                target.score = static_cast<float>(candidate);
                target.startsAt = static_cast<int>(startsAt);
                target.id = id;
            }
            if (!hasSingleNode && length == mblen) hasSingleNode = true;
        }
        if (!hasSingleNode) {
            Best& target = best[startsAt + mblen];
            const float candidate = unkScore + tillHere;
            if (target.startsAt == -1 || candidate > target.score) {
                target.score = candidate;
                target.startsAt = static_cast<int>(startsAt);
                target.id = unkId_;
            }
        }
        startsAt += mblen;
    }
    for (size_t endsAt = size; endsAt > 0;) {
        const Best& b = best[endsAt];
        if (b.startsAt < 0) break;  // cannot happen: every char start is reached
        out.emplace_back(normalized.substr(size_t(b.startsAt), endsAt - size_t(b.startsAt)), b.id);
        endsAt = size_t(b.startsAt);
    }
    std::reverse(out.begin(), out.end());
    return out;
}

Tokenizer::Encoding SpTokenizer::encodeWithOffsets(std::string_view text, bool addSpecial) const {
    const std::string input = utf8::sanitize(text);
    const AlignedText normalized = normalize(input);
    Encoding out;
    out.ids.reserve(normalized.size() / 2 + 2);
    out.offsets.reserve(normalized.size() / 2 + 2);
    if (addSpecial && bosId_ >= 0) {
        out.ids.push_back(bosId_);
        out.offsets.emplace_back(0, 0);
    }
    // SentencePieceProcessor::Encode: unknown pieces become byte pieces with byte_fallback;
    // without it, a run of unknown pieces becomes one unknown id.
    bool prevUnk = false;
    const auto pieces = model_.modelType == SpModelProto::Unigram ? unigram(normalized.text) : bpe(normalized.text);
    for (const auto& [piece, id] : pieces) {
        const size_t b = size_t(piece.data() - normalized.text.data()), e = b + piece.size();
        const bool unk = isType(id, SpPiece::Unknown);
        if (unk && model_.byteFallback) {
            for (size_t k = b; k < e; ++k) {
                out.ids.push_back(byteIds_[static_cast<unsigned char>(normalized.text[k])]);
                out.offsets.push_back(normalized.origin(k, k + 1));
            }
        } else if (unk && prevUnk) {
            out.offsets.back().second = std::max(out.offsets.back().second, normalized.origin(b, e).second);
        } else {
            out.ids.push_back(id);
            out.offsets.push_back(normalized.origin(b, e));  // pieces are never empty
        }
        prevUnk = unk;
    }
    return out;
}

// SentencePieceProcessor::Decode of ids without control pieces: byte pieces are joined and
// turned into text (U+FFFD for each byte that is not part of a valid char), "▁" becomes " ", the
// first piece loses its leading "▁" (the dummy prefix). A run that follows a control token shown
// as text keeps that space, as the tokenizer.json decoders of the same models do.
std::string SpTokenizer::decodeRun(const std::vector<int32_t>& run, bool atStart) const {
    if (run.empty()) return {};
    std::string text, bytes;
    auto flushBytes = [&] {
        for (size_t off = 0; off < bytes.size();) {
            const size_t len = utf8::validSeqLen(bytes, off);
            if (len == 0) {
                text += kReplacementChar;
                ++off;
            } else {
                text.append(bytes, off, len);
                off += len;
            }
        }
        bytes.clear();
    };
    // Until the first piece with a surface (or the first "▁" consumed), a leading "▁" is the
    // dummy prefix; with remove_extra_whitespaces every leading one is dropped.
    bool bosWs = model_.addDummyPrefix || model_.removeExtraWhitespaces;
    for (size_t i = 0; i < run.size(); ++i) {
        const int32_t id = run[i];
        const SpPiece& sp = model_.pieces[size_t(id)];
        if (byteValue_[size_t(id)] >= 0) {
            bytes += static_cast<char>(byteValue_[size_t(id)]);
            bosWs = false;  // the bytes give the text a surface
            continue;
        }
        flushBytes();
        if (sp.type == SpPiece::Control) continue;
        if (sp.type == SpPiece::Unknown) {
            text += model_.unkSurface;
            bosWs = false;
            continue;
        }
        std::string_view piece = sp.piece;
        if (bosWs) {
            const bool consumed = piece.substr(0, kSpaceSymbol.size()) == kSpaceSymbol;
            if (consumed) piece.remove_prefix(kSpaceSymbol.size());
            if ((consumed && !model_.removeExtraWhitespaces) || !piece.empty()) bosWs = false;
        }
        for (size_t pos = 0;;) {
            const size_t hit = piece.find(kSpaceSymbol, pos);
            text.append(piece.substr(pos, hit == std::string_view::npos ? std::string_view::npos : hit - pos));
            if (hit == std::string_view::npos) break;
            text += ' ';
            pos = hit + kSpaceSymbol.size();
        }
    }
    flushBytes();
    const int32_t front = run.front();
    if (!atStart && model_.pieces[size_t(front)].piece.rfind(kSpaceSymbol, 0) == 0 && byteValue_[size_t(front)] < 0 &&
        (text.empty() || text[0] != ' '))
        text.insert(0, " ");
    return text;
}

std::string SpTokenizer::decode(const std::vector<int32_t>& ids, bool skipSpecial) const {
    const int32_t size = vocabSize();
    std::string out;
    std::vector<int32_t> run;
    bool atStart = true;
    for (int32_t id : ids) {
        if (id < 0 || id >= size) continue;
        if (isType(id, SpPiece::Control)) {
            if (skipSpecial) continue;
            out += decodeRun(run, atStart);
            run.clear();
            out += model_.pieces[size_t(id)].piece;
            atStart = false;
            continue;
        }
        if (run.empty() && !out.empty()) atStart = false;
        run.push_back(id);
    }
    out += decodeRun(run, atStart);
    return utf8::sanitize(out);
}

std::string SpTokenizer::tokenText(int32_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    const SpPiece& sp = model_.pieces[size_t(id)];
    if (byteValue_[size_t(id)] >= 0) return displayBytes(std::string(1, char(byteValue_[size_t(id)])));
    if (sp.type == SpPiece::Control || sp.type == SpPiece::Unknown) return sp.piece;
    std::string out;
    for (size_t pos = 0;;) {
        const size_t hit = sp.piece.find(kSpaceSymbol, pos);
        out.append(sp.piece, pos, hit == std::string::npos ? std::string::npos : hit - pos);
        if (hit == std::string::npos) break;
        out += ' ';
        pos = hit + kSpaceSymbol.size();
    }
    return displayBytes(out);
}

int32_t SpTokenizer::vocabSize() const { return static_cast<int32_t>(model_.pieces.size()); }

std::optional<int32_t> SpTokenizer::bosId() const {
    return bosId_ >= 0 ? std::optional<int32_t>(bosId_) : std::nullopt;
}

std::optional<int32_t> SpTokenizer::eosId() const {
    return eosId_ >= 0 ? std::optional<int32_t>(eosId_) : std::nullopt;
}

}  // namespace gateau::tok
