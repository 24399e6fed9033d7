#pragma once
// The built-in demo: a LongAlign-format dataset with ground-truth dependency tags.
#include "core/datasets/demo_corpus.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gateau::datasets {

struct DemoOptions {
    int samples = 200;
    uint64_t seed = 1;
    size_t minWords = 2000;
    size_t maxWords = 16000;
};

struct DemoSummary {
    int samples = 0;
    int longDependency = 0;
    int localDependency = 0;
    size_t corpusPassages = 0;
    size_t corpusWords = 0;
};

// Writes one JSON object per line:
//   {"id", "messages": [user: document + "\n\n" + instruction, assistant: answer],
//    "gateau_demo": {"dependency": "long"|"local", "answer_word_offset", "document_words",
//                    "answer_relative_position", "template", "sources", "seed"}}
// "long": the answer is a sentence from the first 10% of the document; "local": from its
// last paragraph. Deterministic for a given seed and corpus. Throws on I/O errors or when
// the corpus is too small.
DemoSummary writeDemoDataset(const std::string& outPath, const DemoOptions& opts, const std::vector<Passage>& corpus);

}  // namespace gateau::datasets
