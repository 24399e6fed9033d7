// The demo generator: deterministic, LongAlign-shaped, and its ground-truth tags are true.
#include "../common/test_files.h"
#include "core/datasets/demo_generator.h"

#include <nlohmann/json.hpp>

#include <sstream>

using namespace gateau::datasets;

class TestDemoDataset : public QObject {
    Q_OBJECT
    std::vector<Passage> corpus_;

private slots:
    void initTestCase() {
        corpus_ = loadDemoCorpus();
        if (corpus_.empty()) QSKIP("/usr/share/common-licenses not found: not a Debian system");
    }
    void deterministicPerSeed() {
        QTemporaryDir dir;
        DemoOptions o;
        o.samples = 12;
        std::string a = dir.filePath("a.jsonl").toStdString(), b = dir.filePath("b.jsonl").toStdString(),
                    c = dir.filePath("c.jsonl").toStdString();
        writeDemoDataset(a, o, corpus_);
        writeDemoDataset(b, o, corpus_);
        o.seed = 2;
        writeDemoDataset(c, o, corpus_);
        QCOMPARE(gateau::test::readFile(a), gateau::test::readFile(b));
        QVERIFY(gateau::test::readFile(a) != gateau::test::readFile(c));
    }
    void tagsAreTrue() {
        QTemporaryDir dir;
        DemoOptions o;  // the built-in demo: 200 samples of 2k-16k words
        std::string path = dir.filePath("demo.jsonl").toStdString();
        auto summary = writeDemoDataset(path, o, corpus_);
        QCOMPARE(summary.samples, 200);
        QVERIFY(summary.longDependency >= 60 && summary.localDependency >= 60);
        std::istringstream in(gateau::test::readFile(path));
        std::string line;
        int n = 0;
        while (std::getline(in, line)) {
            auto j = nlohmann::json::parse(line);
            ++n;
            const auto& msgs = j.at("messages");
            QCOMPARE(int(msgs.size()), 2);
            std::string user = msgs[0].at("content"), answer = msgs[1].at("content");
            auto meta = j.at("gateau_demo");
            size_t cut = user.rfind("\n\n");
            std::string document = user.substr(0, cut), instruction = user.substr(cut + 2);
            size_t words = countWords(document);
            QCOMPARE(size_t(meta.at("document_words")), words);
            QVERIFY2(words >= o.minWords, line.substr(0, 80).c_str());
            // The last passage may overshoot the target; never by more than one paragraph's worth.
            QVERIFY(words <= o.maxWords + 3000);
            QVERIFY(!answer.empty());
            size_t q1 = instruction.find('"'), q2 = instruction.find('"', q1 + 1);
            QVERIFY(q2 != std::string::npos);
            std::string opening = instruction.substr(q1 + 1, q2 - q1 - 1);
            std::string sentence = meta.at("template") == "quote" ? answer : opening + " " + answer;
            QVERIFY2(sentence.rfind(opening, 0) == 0, "the instruction quotes the sentence's opening words");
            size_t pos = document.find(sentence);
            QVERIFY2(pos != std::string::npos, "the answer is copied from the document");
            QVERIFY(document.find(sentence, pos + 1) == std::string::npos);
            double rel = double(countWords(document.substr(0, pos))) / double(words);
            if (meta.at("dependency") == "long") {
                QVERIFY2(rel <= 0.11, std::to_string(rel).c_str());
            } else {
                QCOMPARE(meta.at("dependency").get<std::string>(), std::string("local"));
                QVERIFY2(pos > document.rfind("\n\n"), "local answers come from the last paragraph");
            }
            QVERIFY(!meta.at("sources").empty());
            QVERIFY(instruction.find('"') != std::string::npos);
        }
        QCOMPARE(n, 200);
    }
    void roffIsStripped() {
        std::string plain = stripRoff(".TH LS 1\n.SH NAME\nls \\- list \\fBdirectory\\fR contents\n.PP\nSecond \\(lqpara\\(rq.\n");
        QVERIFY2(plain.find("ls - list directory contents") != std::string::npos, plain.c_str());
        QVERIFY(plain.find("\"para\"") != std::string::npos);
        QVERIFY(plain.find(".TH") == std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestDemoDataset)
#include "test_demo_dataset.moc"
