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
    // Every registered subcommand (as `gateau help` lists them) answers --help and -h with
    // its usage on stdout and exit 0, whatever else is on the line.
    void everySubcommandAnswersHelp() {
        const auto help = runCli({"help"});
        QCOMPARE(help.code, 0);
        QStringList names;
        for (const QString& line : help.out.split('\n'))
            if (line.startsWith(QLatin1String("  gateau "))) names << line.mid(9).section(' ', 0, 0);
        QVERIFY2(names.size() >= 14, qPrintable(help.out));
        QVERIFY(names.contains("score") && names.contains("evaluate"));
        for (const QString& name : names)
            for (const QStringList& extra : {QStringList{"--help"}, QStringList{"-h"}, QStringList{"x.gateau", "--bogus", "--help"}}) {
                const auto r = runCli(QStringList{name} + extra);
                const QString what = name + " " + extra.join(' ') + ": " + r.err;
                QVERIFY2(r.code == 0, qPrintable(what));
                QVERIFY2(r.out.startsWith("usage: gateau " + name), qPrintable(what + r.out));
                QVERIFY2(r.err.isEmpty(), qPrintable(what));
            }
    }
    // `gateau review`: edits of several samples at once, the listing and its filters, the
    // label set, and errors that name what is wrong.
    void reviewEditsListsAndLabels() {
        QTemporaryDir dir;
        QString data = dir.filePath("demo.jsonl"), project = dir.filePath("demo.gateau");
        QCOMPARE(runCli({"make-demo-dataset", data, "--samples", "4", "--min-words", "100", "--max-words", "150"}).code, 0);
        QCOMPARE(runCli({"import", project, data}).code, 0);

        auto labels = runCli({"review", project, "--labels"});
        QCOMPARE(labels.code, 0);
        QCOMPARE(labels.out, QString("answer not in context\ntruncated\nduplicate\n"));

        auto edit = runCli({"review", project, "--sample", "1", "--sample", "3", "--drop", "--label", "truncated", "--tag",
                            "long", "--note", "cut, mid-sentence", "--evidence", "5:40", "--annotator", "ann"});
        QVERIFY2(edit.code == 0, qPrintable(edit.err));
        auto list = runCli({"review", project, "--list", "--json"});
        QCOMPARE(list.code, 0);
        auto j = nlohmann::json::parse(list.out.toStdString());
        QCOMPARE(int(j.size()), 2);
        for (const auto& r : j) {
            QCOMPARE((r["decision"].get<std::string>()), std::string("drop"));
            QCOMPARE((r["labels"].get<std::vector<std::string>>()), std::vector<std::string>{"truncated"});
            QCOMPARE((r["tags"].get<std::vector<std::string>>()), std::vector<std::string>{"long"});
            QCOMPARE((r["note"].get<std::string>()), std::string("cut, mid-sentence"));
            QCOMPARE((r["evidence"].get<std::vector<int>>()), (std::vector<int>{5, 40}));
        }
        QCOMPARE((j[0]["sample_id"].get<int>()), 1);
        QCOMPARE((j[1]["sample_id"].get<int>()), 3);

        // Take the label off one, keep the other; the filters list what matches.
        // (Same annotator: a change of mind. Another name would be a second annotator's vote.)
        QCOMPARE(runCli({"review", project, "--sample", "3", "--unlabel", "truncated", "--keep", "--no-evidence",
                         "--annotator", "ann"}).code, 0);
        auto byLabel = runCli({"review", project, "--list", "--label", "truncated"});
        QCOMPARE(byLabel.code, 0);
        QCOMPARE(byLabel.out, QString("sample_id\tdecision\tlabels\ttags\tevidence\tnote\n"
                                      "1\tdrop\ttruncated\tlong\t5:40\tcut, mid-sentence\n"));
        auto kept = runCli({"review", project, "--list", "--decision", "keep"});
        QVERIFY(kept.out.contains("\n3\tkeep\t\tlong\t\tcut, mid-sentence\n"));
        QVERIFY(!kept.out.contains("\n1\t"));
        // A second annotator who disagrees: the sample is disputed, no decision applies until
        // a lead adjudicates (docs/review-team.md).
        QCOMPARE(runCli({"review", project, "--sample", "3", "--drop", "--annotator", "other"}).code, 0);
        QVERIFY(runCli({"review", project, "--list"}).out.contains("\n3\tnone\t"));
        QCOMPARE(runCli({"review", project, "--disputes"}).out,
                 QString("sample_id\tdecisions\tadjudicated\tadjudicator\n3\tann=keep;other=drop\t\t\n"));
        QCOMPARE(runCli({"review", project, "--sample", "3", "--keep", "--adjudicate", "--annotator", "lead"}).code, 0);
        QVERIFY(runCli({"review", project, "--list"}).out.contains("\n3\tkeep\t"));
        QCOMPARE(runCli({"review", project, "--sample", "3", "--adjudicate"}).code, 2);  // no decision named

        // Errors: unknown label (names the set), missing sample, bad span, no mode.
        auto badLabel = runCli({"review", project, "--sample", "1", "--label", "nope"});
        QCOMPARE(badLabel.code, 2);
        QVERIFY(badLabel.err.contains("\"nope\" is not in the project's label set"));
        QVERIFY(badLabel.err.contains("truncated"));
        auto noSample = runCli({"review", project, "--sample", "99", "--keep"});
        QCOMPARE(noSample.code, 1);
        QVERIFY(noSample.err.contains("no sample #99"));
        QCOMPARE(runCli({"review", project, "--sample", "1", "--evidence", "9:3"}).code, 2);
        QCOMPARE(runCli({"review", project, "--sample", "1", "--keep", "--drop"}).code, 2);
        QCOMPARE(runCli({"review", project}).code, 2);
        // A refused edit changed nothing (one transaction for every sample).
        QCOMPARE(runCli({"review", project, "--sample", "2", "--sample", "99", "--drop"}).code, 1);
        QVERIFY(!runCli({"review", project, "--list"}).out.contains("\n2\t"));

        // The label set is the project's.
        auto set = runCli({"review", project, "--labels", "--set-labels", "off topic; truncated"});
        QCOMPARE(set.code, 0);
        QCOMPARE(set.out, QString("off topic\ntruncated\n"));
        QCOMPARE(runCli({"review", project, "--labels", "--set-labels", "a;a"}).code, 2);
        QCOMPARE(runCli({"review", project, "--sample", "2", "--label", "off topic"}).code, 0);
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

    // gateau prompt --json prints the reference's whole-prompt encoding for every good record
    // (tests/scoring/data, made with HF tokenizers) and names the line of each bad one.
    void promptJsonMatchesReference() {
        const QString mistral = QString(GATEAU_SHARED_DIR) + "/testdata/tokenizers/mistral";
        if (!QFileInfo(mistral).isDir()) QSKIP("../shared/testdata/tokenizers not found: gateau prompt test skipped");
        const QString data = QString(GATEAU_SOURCE_DIR) + "/tests/scoring/data/";
        QTemporaryDir dir;
        // Records without a _config (the CLI takes max_tokens from RUN.json, not from records).
        QFile in(data + "prompt_records.jsonl"), golden(data + "prompt_golden_mistral.jsonl");
        QVERIFY(in.open(QIODevice::ReadOnly) && golden.open(QIODevice::ReadOnly));
        const QList<QByteArray> records = in.readAll().split('\n'), wanted = golden.readAll().split('\n');
        QFile sub(dir.filePath("records.jsonl"));
        QVERIFY(sub.open(QIODevice::WriteOnly));
        std::vector<nlohmann::json> expected;
        for (const QByteArray& w : wanted) {
            if (w.isEmpty()) continue;
            auto j = nlohmann::json::parse(w.toStdString());
            const auto rec = nlohmann::json::parse(records[j["line"].get<int>() - 1].toStdString());
            if (rec.contains("_config") || j.contains("error")) continue;
            sub.write(records[j["line"].get<int>() - 1] + "\n");
            expected.push_back(j);
        }
        sub.write("{\"messages\": [{\"role\": \"user\", \"content\": \"no answer\"}]}\n");
        sub.close();
        QVERIFY(expected.size() >= 20);

        const auto r = runCli({"prompt", "--tokenizer", mistral, "--jsonl", sub.fileName(), "--json"});
        QCOMPARE(r.code, 1);  // the last record has no assistant turn
        QVERIFY2(r.err.contains(QString("records.jsonl:%1: ").arg(expected.size() + 1)), qPrintable(r.err));
        const QStringList lines = r.out.split('\n', Qt::SkipEmptyParts);
        QCOMPARE(size_t(lines.size()), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            const auto got = nlohmann::json::parse(lines[int(i)].toStdString());
            for (const char* key : {"ids", "context", "instruction", "response", "segments", "truncated_context_tokens"})
                QVERIFY2(got[key] == expected[i][key], qPrintable(QString("record %1: %2").arg(i + 1).arg(key)));
        }

        // The readable form labels every part.
        const auto text = runCli({"prompt", "--tokenizer", mistral, "--jsonl", sub.fileName()});
        QCOMPARE(text.code, 1);
        for (const char* label : {"template    : ", "context     : ", "instruction : ", "response    : "})
            QVERIFY2(text.out.contains(label), label);
    }

    // `gateau datasets`: list with counts and state, delete one (with what went), refuse unknown ids.
    // gateau override: one transaction for all the ids; an unknown id changes nothing.
    void overrideAllOrNothing() {
        QTemporaryDir dir;
        std::string lines;
        for (int i = 1; i <= 4; ++i)
            lines += "{\"messages\":[{\"role\":\"user\",\"content\":\"c\\n\\nq" + std::to_string(i) +
                     "\"},{\"role\":\"assistant\",\"content\":\"a\"}]}\n";
        const QString project = dir.filePath("o.gateau");
        QCOMPARE(runCli({"import", project, QString::fromStdString(gateau::test::writeFile(dir, "o.jsonl", lines))}).code, 0);
        auto overrides = [&] {
            auto j = nlohmann::json::parse(runCli({"datasets", project, "--json"}).out.toStdString());
            return j["datasets"][0]["overrides"].get<int>();
        };
        auto keep = runCli({"override", project, "--keep", "1", "2", "3", "--note", "good"});
        QVERIFY2(keep.code == 0, qPrintable(keep.err));
        QVERIFY(keep.out.contains("kept 3 samples"));
        QCOMPARE(overrides(), 3);
        auto bad = runCli({"override", project, "--drop", "4", "99"});
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains("no sample #99") && bad.err.contains("nothing was changed"), qPrintable(bad.err));
        QCOMPARE(overrides(), 3);  // sample 4's drop was rolled back with the rest
        QCOMPARE(runCli({"override", project, "1"}).code, 2);  // no decision given
        QCOMPARE(runCli({"override", project, "--keep", "x1"}).code, 2);
    }

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
