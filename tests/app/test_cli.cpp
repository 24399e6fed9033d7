// The CLI as scripts use it: exit codes, one-line errors, and the stable JSON shapes.
#include "../common/test_files.h"

#include <QProcess>

#include <nlohmann/json.hpp>

namespace {

struct Run {
    int code;
    QString out, err;
};

Run runCli(const QStringList& args) {
    QProcess p;
    p.start(GATEAU_CLI_PATH, args);
    p.waitForFinished(120000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void demoImportInfo() {
        QTemporaryDir dir;
        QString data = dir.filePath("demo.jsonl"), project = dir.filePath("demo.gateau");
        auto made = runCli({"make-demo-dataset", data, "--samples", "6", "--min-words", "300", "--max-words", "600", "--seed", "3"});
        QCOMPARE(made.code, 0);
        QVERIFY(made.out.contains("wrote 6 samples"));

        auto imp = runCli({"import", project, data, "--json"});
        QVERIFY2(imp.code == 0, qPrintable(imp.err));
        auto ij = nlohmann::json::parse(imp.out.toStdString());
        QCOMPARE((ij["status"].get<std::string>()), std::string("imported"));
        QCOMPARE((ij["report"]["records_ok"].get<int>()), 6);

        auto again = runCli({"import", project, data});
        QCOMPARE(again.code, 0);
        QVERIFY(again.out.contains("already imported"));

        auto info = runCli({"info", project, "--json"});
        QCOMPARE(info.code, 0);
        auto j = nlohmann::json::parse(info.out.toStdString());
        QCOMPARE((j["samples"].get<int>()), 6);
        QVERIFY(j.contains("schema_version"));
        QVERIFY(j.contains("project"));
        QCOMPARE(int(j["datasets"].size()), 1);
        const auto& d = j["datasets"][0];
        for (const char* key : {"id", "path", "name", "sha256", "format", "status", "imported_at", "size_bytes", "samples", "errors", "report"})
            QVERIFY2(d.contains(key), key);
        QCOMPARE((d["format"].get<std::string>()), std::string("messages"));
        QCOMPARE((d["sha256"].get<std::string>().size()), size_t(64));
        QCOMPARE((d["status"].get<std::string>()), std::string("complete"));
    }
    void failuresAreOneLineAndNonZero() {
        QTemporaryDir dir;
        QString project = dir.filePath("p.gateau");
        auto missing = runCli({"import", project, dir.filePath("nope.jsonl")});
        QVERIFY(missing.code != 0);
        QVERIFY(missing.err.contains("nope.jsonl"));
        QCOMPARE(missing.err.trimmed().count('\n'), 0);

        auto noProject = runCli({"info", dir.filePath("none.gateau")});
        QVERIFY(noProject.code != 0);
        QVERIFY(noProject.err.contains("none.gateau"));

        QCOMPARE(runCli({"frobnicate"}).code, 2);
        QCOMPARE(runCli({"import", project}).code, 2);
        QCOMPARE(runCli({"import", project, "x.jsonl", "--format", "csv"}).code, 2);
        QCOMPARE(runCli({"info", project, "--bogus"}).code, 2);
        QCOMPARE(runCli({"help"}).code, 0);
    }
    void partialFileReportsLines() {
        QTemporaryDir dir;
        std::string good = R"({"messages":[{"role":"user","content":"c\n\nq"},{"role":"assistant","content":"a"}]})";
        std::string good2 = R"({"messages":[{"role":"user","content":"c\n\nq2"},{"role":"assistant","content":"a"}]})";
        auto file = gateau::test::writeFile(dir, "mixed.jsonl", good + "\nnot json\n" + good2 + "\n");
        auto r = runCli({"import", dir.filePath("p.gateau"), QString::fromStdString(file)});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.contains("mixed.jsonl:2: malformed JSON"), qPrintable(r.err));
        QVERIFY(r.out.contains("imported 2 samples"));
    }
    // `gateau datasets`: list with counts and state, delete one (with what went), refuse unknown ids.
    void datasetsListAndDelete() {
        QTemporaryDir dir;
        auto rec = [](int i) {
            return "{\"messages\":[{\"role\":\"user\",\"content\":\"c\\n\\nq" + std::to_string(i) +
                   "\"},{\"role\":\"assistant\",\"content\":\"a\"}]}";
        };
        auto a = gateau::test::writeFile(dir, "a.jsonl", rec(1) + "\n" + rec(2) + "\n" + rec(3) + "\n");
        auto b = gateau::test::writeFile(dir, "b.jsonl", rec(4) + "\n" + rec(5) + "\n");
        const QString project = dir.filePath("p.gateau");
        QCOMPARE(runCli({"import", project, QString::fromStdString(a)}).code, 0);
        QCOMPARE(runCli({"import", project, QString::fromStdString(b)}).code, 0);

        auto list = runCli({"datasets", project, "--json"});
        QVERIFY2(list.code == 0, qPrintable(list.err));
        auto j = nlohmann::json::parse(list.out.toStdString());
        QCOMPARE(int(j["datasets"].size()), 2);
        QCOMPARE((j["datasets"][0]["samples"].get<int>()), 3);
        QCOMPARE((j["datasets"][1]["samples"].get<int>()), 2);
        QCOMPARE((j["datasets"][0]["state"].get<std::string>()), std::string("complete"));
        QCOMPARE((j["datasets"][0]["scores"].get<int>()), 0);
        QVERIFY(runCli({"datasets", project}).out.contains("a.jsonl"));

        auto del = runCli({"datasets", project, "--delete", "1"});
        QVERIFY2(del.code == 0, qPrintable(del.err));
        QVERIFY2(del.out.contains("deleted dataset #1 (a.jsonl): 3 samples, 0 scores, 0 override entries"), qPrintable(del.out));
        auto info = nlohmann::json::parse(runCli({"info", project, "--json"}).out.toStdString());
        QCOMPARE((info["samples"].get<int>()), 2);
        QCOMPARE(int(info["datasets"].size()), 1);

        auto again = runCli({"datasets", project, "--delete", "1"});
        QVERIFY(again.code != 0);
        QVERIFY2(again.err.contains("no dataset #1"), qPrintable(again.err));
        QCOMPARE(again.err.trimmed().count('\n'), 0);
        QCOMPARE(runCli({"datasets", project, "--force"}).code, 2);
        // The same content can be imported again once its dataset is gone; records already in
        // the project are skipped and reported.
        QVERIFY(runCli({"import", project, QString::fromStdString(a)}).out.contains("imported 3 samples"));
        auto c = gateau::test::writeFile(dir, "c.jsonl", rec(1) + "\n" + rec(6) + "\n");
        auto dup = runCli({"import", project, QString::fromStdString(c)});
        QVERIFY2(dup.out.contains("imported 1 samples") && dup.err.contains("skipped 1 records already in the project"),
                 qPrintable(dup.out + dup.err));
    }
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"
