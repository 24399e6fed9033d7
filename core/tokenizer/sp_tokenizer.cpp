#include "core/tokenizer/sp_tokenizer.h"

#include <sentencepiece_processor.h>

#include "core/tokenizer/token_display.h"
#include "core/tokenizer/utf8.h"

namespace gateau::tok {
namespace {
const char* const kMetaspace = "\xE2\x96\x81";
}

SpTokenizer::SpTokenizer(const std::string& path)
    : sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()), path_(path) {
    const auto status = sp_->Load(path);
    if (!status.ok()) throw TokenizerError(path + ": not a readable SentencePiece model: " + status.ToString());
    if (sp_->GetPieceSize() <= 0) throw TokenizerError(path + ": SentencePiece model has no pieces");
}

SpTokenizer::~SpTokenizer() = default;

std::vector<int32_t> SpTokenizer::encode(std::string_view text, bool addSpecial) const {
    std::vector<int> ids;
    const auto status = sp_->Encode(utf8::sanitize(text), &ids);
    if (!status.ok()) throw TokenizerError(path_ + ": encoding failed: " + status.ToString());
    std::vector<int32_t> out;
    out.reserve(ids.size() + 1);
    if (addSpecial && sp_->bos_id() >= 0) out.push_back(sp_->bos_id());
    out.insert(out.end(), ids.begin(), ids.end());
    return out;
}

// SentencePiece drops the leading space of the first piece it decodes; a run that follows a
// control token shown as text keeps it, as the tokenizer.json decoders of the same models do.
std::string SpTokenizer::decodeRun(const std::vector<int>& run, bool atStart) const {
    if (run.empty()) return {};
    std::string text;
    if (!sp_->Decode(run, &text).ok()) return {};
    if (!atStart && sp_->IdToPiece(run.front()).rfind(kMetaspace, 0) == 0 && !sp_->IsByte(run.front()) &&
        (text.empty() || text[0] != ' '))
        text.insert(0, " ");
    return text;
}

std::string SpTokenizer::decode(const std::vector<int32_t>& ids, bool skipSpecial) const {
    const int size = sp_->GetPieceSize();
    std::string out;
    std::vector<int> run;
    bool atStart = true;
    for (int32_t id : ids) {
        if (id < 0 || id >= size) continue;
        if (sp_->IsControl(id)) {
            if (skipSpecial) continue;
            out += decodeRun(run, atStart);
            run.clear();
            out += sp_->IdToPiece(id);
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
    if (id < 0 || id >= sp_->GetPieceSize()) return {};
    const std::string& piece = sp_->IdToPiece(id);
    if (sp_->IsByte(id)) {
        const int b = parseByteToken(piece);
        if (b >= 0) return displayBytes(std::string(1, char(b)));
    }
    if (sp_->IsControl(id) || sp_->IsUnknown(id)) return piece;
    std::string out;
    for (size_t pos = 0;;) {
        const size_t hit = piece.find(kMetaspace, pos);
        out.append(piece, pos, hit == std::string::npos ? std::string::npos : hit - pos);
        if (hit == std::string::npos) break;
        out += ' ';
        pos = hit + 3;
    }
    return out;
}

int32_t SpTokenizer::vocabSize() const { return sp_->GetPieceSize(); }

std::optional<int32_t> SpTokenizer::bosId() const {
    const int id = sp_->bos_id();
    return id >= 0 && id < sp_->GetPieceSize() ? std::optional<int32_t>(id) : std::nullopt;
}

std::optional<int32_t> SpTokenizer::eosId() const {
    const int id = sp_->eos_id();
    return id >= 0 && id < sp_->GetPieceSize() ? std::optional<int32_t>(id) : std::nullopt;
}

}  // namespace gateau::tok
