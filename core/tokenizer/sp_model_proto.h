#pragma once
// Minimal reader for SentencePiece's ModelProto (tokenizer.model), protobuf wire format.
// Only the fields the tokenizer uses are kept; unknown fields are skipped. Field numbers and
// proto2 defaults follow sentencepiece_model.proto.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gateau::tok {

struct SpPiece {
    enum Type : int { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };
    std::string piece;   // field 1
    float score = 0.0f;  // field 2
    int type = Normal;   // field 3
};

struct SpModelProto {
    enum ModelType : int { Unigram = 1, Bpe = 2, Word = 3, Char = 4 };

    std::vector<SpPiece> pieces;  // ModelProto.pieces = 1

    // TrainerSpec (ModelProto.trainer_spec = 2)
    int modelType = Unigram;                // 3
    bool treatWhitespaceAsSuffix = false;   // 24
    bool byteFallback = false;              // 35
    int32_t unkId = 0;                      // 40
    int32_t bosId = 1;                      // 41
    int32_t eosId = 2;                      // 42
    int32_t padId = -1;                     // 43
    std::string unkSurface = " \xE2\x81\x87 ";  // 44
    std::string unkPiece = "<unk>";         // 45
    std::string bosPiece = "<s>";           // 46
    std::string eosPiece = "</s>";          // 47
    std::string padPiece = "<pad>";         // 48

    // NormalizerSpec (ModelProto.normalizer_spec = 3)
    std::string normalizerName;             // 1
    std::string precompiledCharsmap;        // 2
    bool addDummyPrefix = true;             // 3
    bool removeExtraWhitespaces = true;     // 4
    bool escapeWhitespaces = true;          // 5
};

// Parses a serialized ModelProto. Throws TokenizerError naming source when the bytes are not
// well-formed protobuf (truncated varints or fields, bad wire types, lengths past the end).
SpModelProto parseSpModelProto(std::string_view bytes, const std::string& source);

}  // namespace gateau::tok
