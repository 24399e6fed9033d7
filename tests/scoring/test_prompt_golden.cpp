// Whole-prompt encodings against the reference (Hugging Face `tokenizers` and `sentencepiece`,
// tests/scoring/data/make_prompt_golden.py): for every record and each real tokenizer in
// ../shared/testdata, the ids, the context / instruction / response token ranges, the segments
// and the truncation must be exactly the reference's.
#include <QFileInfo>
#include <QtTest>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/datasets/record_parser.h"
#include "core/scoring/prompt.h"
#include "core/tokenizer/tokenizer.h"

using namespace gateau;

namespace {

const std::string kData = std::string(GATEAU_SOURCE_DIR) + "/tests/scoring/data/";
const std::string kTokenizers = std::string(GATEAU_SHARED_DIR) + "/testdata/tokenizers/";

std::vector<std::string> readLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace

class TestPromptGolden : public QObject {
    Q_OBJECT
private slots:
    void matchesReference_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("path");
        QTest::newRow("llama2") << "llama2" << QString::fromStdString(kTokenizers + "llama2/tokenizer.model");
        QTest::newRow("llama3") << "llama3" << QString::fromStdString(kTokenizers + "llama3");
        QTest::newRow("mistral") << "mistral" << QString::fromStdString(kTokenizers + "mistral");
        QTest::newRow("qwen3") << "qwen3" << QString::fromStdString(kTokenizers + "qwen3");
    }

    void matchesReference() {
        QFETCH(QString, name);
        QFETCH(QString, path);
        if (!QFileInfo::exists(path))
            QSKIP(qPrintable("../shared/testdata/tokenizers not found (" + path + "): golden prompt test skipped"));
        const auto tokenizer = tok::Tokenizer::load(path.toStdString());
        const auto records = readLines(kData + "prompt_records.jsonl");
        const auto golden = readLines(kData + "prompt_golden_" + name.toStdString() + ".jsonl");
        QVERIFY(records.size() >= 25);
        QCOMPARE(golden.size(), records.size());

        datasets::RecordParser parser;
        int errors = 0;
        for (const std::string& g : golden) {
            const auto want = nlohmann::json::parse(g);
            const size_t line = want.at("line").get<size_t>();
            const std::string& record = records.at(line - 1);
            const std::string where = name.toStdString() + " line " + std::to_string(line);
            std::string padded = record + std::string(datasets::RecordParser::kPadding, ' '), error;
            datasets::ParsedRecord parsed;
            QVERIFY2(parser.parse(std::string_view(padded.data(), record.size()), datasets::Format::Auto, parsed, error),
                     (where + ": " + error).c_str());
            scoring::PromptConfig config;
            const auto rec = nlohmann::json::parse(record);
            if (rec.contains("_config")) {
                config.maxTokens = rec["_config"].value("max_tokens", config.maxTokens);
                config.segmentLen = rec["_config"].value("segment_len", config.segmentLen);
            }
            if (want.contains("error")) {
                ++errors;
                bool threw = false;
                try {
                    scoring::buildPrompt(*tokenizer, parsed.conversation, config);
                } catch (const scoring::ScoringError&) {
                    threw = true;
                }
                const std::string why = where + ": the reference refuses this record (" +
                                        want["error"].get<std::string>() + "), we built it";
                QVERIFY2(threw, why.c_str());
                continue;
            }
            const auto got = nlohmann::json::parse(
                scoring::promptJson(scoring::buildPrompt(*tokenizer, parsed.conversation, config)));
            for (const char* key : {"ids", "context", "instruction", "response", "segments", "truncated_context_tokens"}) {
                const std::string why = where + ": " + key + " is " + got[key].dump().substr(0, 400) +
                                        ", the reference has " + want[key].dump().substr(0, 400);
                QVERIFY2(got[key] == want[key], why.c_str());
            }
        }
        QVERIFY(errors >= 2);  // the impossible truncation and the empty response
    }
};

QTEST_APPLESS_MAIN(TestPromptGolden)
#include "test_prompt_golden.moc"
