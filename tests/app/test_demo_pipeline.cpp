// The README's demo, end to end at a small size: packaging/make-demo-project.sh builds a
// tokenizer and two tiny models from nothing, scores a 12-sample demo dataset, ranks,
// evaluates and exports. Needs no ../shared. The checks are on the files it leaves.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace {
std::vector<std::string> lines(const QString& path) {
    std::ifstream in(path.toStdString());
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}
}  // namespace

class TestDemoPipeline : public QObject {
    Q_OBJECT
private slots:
    void demoProjectScoresRanksAndExports() {
        QTemporaryDir dir;
        const QString out = dir.filePath("demo");
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start("bash", {GATEAU_SOURCE_DIR "/packaging/make-demo-project.sh", GATEAU_CLI_PATH, out, "12"});
        QVERIFY(p.waitForFinished(900000));
        const QString log = QString::fromUtf8(p.readAll());
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(log));
        QVERIFY2(log.contains("total 12 done, 0 failed, 0 pending (complete)"), qPrintable(log));
        QVERIFY2(log.contains("AUROC"), qPrintable(log));
        QCOMPARE(lines(out + "/demo-selected.jsonl").size(), size_t(2));  // ceil(10% of 12)
        QCOMPARE(lines(out + "/demo-scores.csv").size(), size_t(13));
        // Exported records are demo records, unchanged.
        const auto source = lines(out + "/demo.jsonl");
        for (const auto& l : lines(out + "/demo-selected.jsonl"))
            QVERIFY(std::find(source.begin(), source.end(), l) != source.end());

        // A second run reuses everything and scores nothing.
        QProcess again;
        again.setProcessChannelMode(QProcess::MergedChannels);
        again.start("bash", {GATEAU_SOURCE_DIR "/packaging/make-demo-project.sh", GATEAU_CLI_PATH, out, "12"});
        QVERIFY(again.waitForFinished(900000));
        const QString log2 = QString::fromUtf8(again.readAll());
        QVERIFY2(again.exitCode() == 0 && log2.contains("scored 0, failed 0"), qPrintable(log2));
    }
};

QTEST_GUILESS_MAIN(TestDemoPipeline)
#include "test_demo_pipeline.moc"
