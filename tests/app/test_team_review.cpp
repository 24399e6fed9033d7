// Team review through the CLI (docs/review-team.md): three annotators' copies merged, agreement
// against kappas worked out by hand, the adjudication queue, adjudications applied by export,
// export of one annotator's decisions, merges that must be refused or add nothing.
#include "db/team_review.h"
#include "tests/ui/scored_project.h"

#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <set>
#include <sstream>

using namespace gateau;
using namespace gateau::test;

namespace {

#define CLI_OK(...)                                                                       \
    do {                                                                                  \
        const CliResult r_ = runCli(__VA_ARGS__);                                         \
        QVERIFY2(r_.code == 0, qPrintable(QString::fromStdString(r_.out + r_.err)));      \
    } while (0)

// The CSV's rows by sample id, each a map column -> value (no field here holds a comma).
std::map<int64_t, std::map<std::string, std::string>> readCsv(const std::string& path) {
    const auto lines = fileLines(path);
    std::vector<std::string> header;
    auto split = [](const std::string& line) {
        std::vector<std::string> out;
        std::stringstream ss(line);
        for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
        if (!line.empty() && line.back() == ',') out.push_back("");
        return out;
    };
    std::map<int64_t, std::map<std::string, std::string>> out;
    for (size_t i = 0; i < lines.size(); ++i) {
        const auto f = split(lines[i]);
        if (i == 0) {
            header = f;
            continue;
        }
        auto& row = out[std::stoll(f.at(1))];
        for (size_t c = 0; c < header.size() && c < f.size(); ++c) row[header[c]] = f[c];
    }
    return out;
}

std::set<int64_t> selectedIds(const std::string& csv) {
    std::set<int64_t> out;
    for (const auto& [id, row] : readCsv(csv))
        if (row.at("selected") == "1") out.insert(id);
    return out;
}

// Keep / drop of samples 1..10 by three annotators:
//   sample  1 2 3 4 5 6 7 8 9 10
//   alice   K K K K D D K D K D
//   bob     K K K D D D K K K D
//   carol   K K D D D D K D K K
// Cohen, alice/bob: agree on 8 of 10 (p_o = .8); both keep 6 of 10, so p_e = .6^2 + .4^2 = .52;
//   kappa = .28 / .48 = 7/12 = 0.5833. alice/carol and bob/carol: p_o = .7, each pair's keep
//   shares 6/10 and 5/10, p_e = .6 * .5 + .4 * .5 = .5; kappa = .2 / .5 = 0.4.
// Fleiss, all three: six unanimous samples (P_i = 1) and four 2-1 splits (P_i = (4 + 1 - 3) / 6
//   = 1/3): P-bar = (6 + 4/3) / 10 = 11/15; keep ratings 17 of 30, so P_e = (17^2 + 13^2) / 900
//   = 229/450; kappa = (11/15 - 229/450) / (221/450) = 101/221 = 0.45701.
// Label "truncated" on sample 5 by alice and bob, by nobody else: alice/bob agree on all 10
//   (kappa 1); alice/carol: p_o = .9, p_e = .1 * 0 + .9 * 1 = .9, kappa 0.
const char* kVotes[3] = {"KKKKDDKDKD", "KKKDDDKKKD", "KKDDDDKDKK"};
const char* kNames[3] = {"alice", "bob", "carol"};

}  // namespace

class TestTeamReview : public QObject {
    Q_OBJECT
private slots:
    void threeAnnotatorsMergedAdjudicatedExported() {
        QTemporaryDir dir;
        const ScoredProject p = makeScoredProject(dir.path().toStdString(), 10);
        QVERIFY2(p.error.empty(), p.error.c_str());
        std::vector<std::string> copies;
        for (int a = 0; a < 3; ++a) {
            const std::string copy = p.dir + "/" + kNames[a] + ".gateau";
            CLI_OK({"backup", q(p.project), q(copy)});
            QStringList keep{"review", q(copy), "--keep", "--annotator", kNames[a]};
            QStringList drop{"review", q(copy), "--drop", "--annotator", kNames[a]};
            for (int s = 0; s < 10; ++s) (kVotes[a][s] == 'K' ? keep : drop) << "--sample" << QString::number(s + 1);
            CLI_OK(keep);
            CLI_OK(drop);
            if (a < 2) CLI_OK({"review", q(copy), "--sample", "5", "--label", "truncated", "--annotator", kNames[a]});
            copies.push_back(copy);
        }
        // An annotator's change of mind is history, not a second vote: only the newest counts.
        CLI_OK({"review", q(copies[0]), "--sample", "1", "--drop", "--annotator", "alice"});
        CLI_OK({"review", q(copies[0]), "--sample", "1", "--keep", "--annotator", "alice"});

        QStringList merge{"merge-reviews", q(p.project)};
        for (const auto& c : copies) merge << q(c);
        const CliResult merged = runCli(merge);
        QVERIFY2(merged.code == 0, merged.err.c_str());
        QVERIFY2(merged.out.find("3 annotators, 10 samples decided, 4 disputed (0 adjudicated)") != std::string::npos,
                 merged.out.c_str());
        // alice: 10 decisions + 2 changes + 1 label row; every row kept with its author.
        QVERIFY2(merged.out.find("alice.gateau: 13 review rows added, 0 already present (annotators: alice)") !=
                     std::string::npos, merged.out.c_str());
        // Merging again adds nothing.
        const CliResult again = runCli(merge);
        QCOMPARE(again.code, 0);
        QVERIFY2(again.out.find("alice.gateau: 0 review rows added, 13 already present") != std::string::npos,
                 again.out.c_str());

        const CliResult ag = runCli({"agreement", q(p.project), "--json"});
        QVERIFY2(ag.code == 0, ag.err.c_str());
        const auto j = nlohmann::json::parse(ag.out);
        QCOMPARE(j["annotators"].get<std::vector<std::string>>(), (std::vector<std::string>{"alice", "bob", "carol"}));
        QCOMPARE(j["disputed"].get<int>(), 4);
        const auto& decision = j["scopes"][0];
        QCOMPARE(decision["scope"].get<std::string>(), std::string("decision"));
        std::map<std::string, double> kappa, observed;
        for (const auto& pr : decision["pairs"]) {
            kappa[pr["a"].get<std::string>() + "/" + pr["b"].get<std::string>()] = pr["cohen_kappa"].get<double>();
            observed[pr["a"].get<std::string>() + "/" + pr["b"].get<std::string>()] = pr["agreement"].get<double>();
            QCOMPARE(pr["samples"].get<int>(), 10);
        }
        QVERIFY_NEAR(kappa["alice/bob"], 7.0 / 12.0, 1e-12);
        QVERIFY_NEAR(observed["alice/bob"], 0.8, 1e-12);
        QVERIFY_NEAR(kappa["alice/carol"], 0.4, 1e-12);
        QVERIFY_NEAR(kappa["bob/carol"], 0.4, 1e-12);
        QVERIFY_NEAR(decision["overall"]["fleiss_kappa"].get<double>(), 101.0 / 221.0, 1e-12);
        QCOMPARE(decision["overall"]["samples"].get<int>(), 10);
        const auto& truncated = j["scopes"][2];  // label set: answer not in context, truncated, duplicate
        QCOMPARE(truncated["scope"].get<std::string>(), std::string("label truncated"));
        QVERIFY_NEAR(truncated["pairs"][0]["cohen_kappa"].get<double>(), 1.0, 1e-12);  // alice/bob
        QVERIFY_NEAR(truncated["pairs"][1]["cohen_kappa"].get<double>(), 0.0, 1e-12);  // alice/carol
        // Nobody gave "duplicate": agreement is certain by chance, kappa undefined (null).
        QVERIFY(j["scopes"][3]["pairs"][0]["cohen_kappa"].is_null());
        const CliResult text = runCli({"agreement", q(p.project)});
        QVERIFY2(text.out.find("all (Fleiss)") != std::string::npos && text.out.find("0.457") != std::string::npos,
                 text.out.c_str());

        // The adjudication queue: the four split samples.
        const CliResult queue = runCli({"review", q(p.project), "--disputes"});
        QCOMPARE(queue.code, 0);
        QCOMPARE(queue.out, std::string("sample_id\tdecisions\tadjudicated\tadjudicator\n"
                                        "3\talice=keep;bob=keep;carol=drop\t\t\n"
                                        "4\talice=keep;bob=drop;carol=drop\t\t\n"
                                        "8\talice=drop;bob=keep;carol=drop\t\t\n"
                                        "10\talice=drop;bob=drop;carol=keep\t\t\n"));
        CLI_OK({"review", q(p.project), "--sample", "3", "--keep", "--adjudicate", "--annotator", "lead"});
        CLI_OK({"review", q(p.project), "--sample", "4", "--drop", "--adjudicate", "--annotator", "lead"});
        const CliResult open = runCli({"review", q(p.project), "--disputes", "--open"});
        QCOMPARE(open.out, std::string("sample_id\tdecisions\tadjudicated\tadjudicator\n"
                                       "8\talice=drop;bob=keep;carol=drop\t\t\n"
                                       "10\talice=drop;bob=drop;carol=keep\t\t\n"));
        // The adjudication left the annotators' own decisions alone.
        const CliResult after = runCli({"agreement", q(p.project), "--json"});
        QVERIFY_NEAR(nlohmann::json::parse(after.out)["scopes"][0]["overall"]["fleiss_kappa"].get<double>(), 101.0 / 221.0, 1e-12);
        QCOMPARE(nlohmann::json::parse(after.out)["adjudicated"].get<int>(), 2);

        // Export applies consensus and adjudications; open disputes (8, 10) are left to the ranking.
        const std::string csv = p.dir + "/scores.csv", csvCarol = p.dir + "/carol.csv";
        CLI_OK({"export", q(p.project), q(p.dir + "/out.jsonl"), "--run", "1", "--top-n", "1", "--scores-csv", q(csv)});
        const auto rows = readCsv(csv);
        QCOMPARE(rows.at(3).at("decision"), std::string("keep"));
        QCOMPARE(rows.at(3).at("adjudicated"), std::string("keep"));
        QCOMPARE(rows.at(3).at("adjudicator"), std::string("lead"));
        QCOMPARE(rows.at(3).at("decisions"), std::string("alice=keep;bob=keep;carol=drop"));
        QCOMPARE(rows.at(4).at("decision"), std::string("drop"));
        QCOMPARE(rows.at(8).at("decision"), std::string("none"));
        QCOMPARE(rows.at(8).at("adjudicated"), std::string(""));
        QCOMPARE(rows.at(1).at("decision"), std::string("keep"));  // consensus
        QCOMPARE(rows.at(5).at("decision"), std::string("drop"));
        const std::set<int64_t> sel = selectedIds(csv);
        for (int64_t id : {1, 2, 3, 7, 9}) QVERIFY2(sel.count(id), qPrintable(QString("sample %1 kept").arg(id)));
        for (int64_t id : {4, 5, 6}) QVERIFY2(!sel.count(id), qPrintable(QString("sample %1 dropped").arg(id)));
        QCOMPARE(fileLines(p.dir + "/out.jsonl").size(), sel.size());

        // One annotator's export: carol's keeps and drops alone, adjudications ignored.
        CLI_OK({"export", q(p.project), q(p.dir + "/carol.jsonl"), "--run", "1", "--top-n", "1", "--scores-csv",
                q(csvCarol), "--annotator", "carol"});
        const std::set<int64_t> carolSel = selectedIds(csvCarol);
        for (int s = 0; s < 10; ++s)
            QCOMPARE(bool(carolSel.count(s + 1)), kVotes[2][s] == 'K');
        const CliResult nobody = runCli({"export", q(p.project), q(p.dir + "/x.jsonl"), "--run", "1", "--annotator", "dave"});
        QCOMPARE(nobody.code, 2);
        QVERIFY(nobody.err.find("\"dave\" decided no sample") != std::string::npos);
    }

    // Copies whose datasets were imported in another order (other sample ids) merge onto the
    // same samples; a copy of another project is refused whole, the project untouched.
    void mergeMatchesSamplesByOriginAndRefusesForeignCopies() {
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        writeWordDataset(d + "/x.jsonl", 3, 0);
        writeWordDataset(d + "/y.jsonl", 3, 7);
        writeWordDataset(d + "/z.jsonl", 3, 11);
        CLI_OK({"import", q(d + "/main.gateau"), q(d + "/x.jsonl")});
        CLI_OK({"import", q(d + "/main.gateau"), q(d + "/y.jsonl")});
        CLI_OK({"import", q(d + "/copy.gateau"), q(d + "/y.jsonl")});  // y's line 1 is sample 1 here, 4 in main
        CLI_OK({"import", q(d + "/copy.gateau"), q(d + "/x.jsonl")});
        CLI_OK({"review", q(d + "/copy.gateau"), "--sample", "1", "--drop", "--note", "off topic", "--annotator", "ann"});
        CLI_OK({"review", q(d + "/main.gateau"), "--sample", "4", "--keep", "--annotator", "lead"});
        CLI_OK({"merge-reviews", q(d + "/main.gateau"), q(d + "/copy.gateau")});
        {
            auto store = db::ProjectStore::openReadOnly(d + "/main.gateau");
            const db::TeamVotes t = db::teamVotesOf(store, 4);
            QCOMPARE(t.votes.size(), size_t(2));
            QVERIFY(t.votes.at("ann") == db::Decision::Drop);
            QVERIFY(t.votes.at("lead") == db::Decision::Keep);
            QVERIFY(t.disputed());
            QVERIFY(db::teamVotesOf(store, 1).votes.empty());
            QCOMPARE(store.currentOverride(4)->note, std::string("off topic"));  // history appended, nothing lost
            QCOMPARE(store.overrideHistory(4).size(), size_t(2));
        }
        // A copy with a dataset the project lacks: refused before anything is merged.
        CLI_OK({"import", q(d + "/other.gateau"), q(d + "/z.jsonl")});
        CLI_OK({"review", q(d + "/other.gateau"), "--sample", "1", "--keep", "--annotator", "eve"});
        CLI_OK({"backup", q(d + "/copy.gateau"), q(d + "/copy2.gateau")});
        const CliResult foreign = runCli({"merge-reviews", q(d + "/main.gateau"), q(d + "/copy2.gateau"), q(d + "/other.gateau")});
        QCOMPARE(foreign.code, 1);
        QVERIFY2(foreign.err.find("other.gateau: sample #1") != std::string::npos &&
                     foreign.err.find("is not in") != std::string::npos, foreign.err.c_str());
        auto store = db::ProjectStore::openReadOnly(d + "/main.gateau");
        QCOMPARE(store.overrideHistory(4).size(), size_t(2));
        QVERIFY(db::annotatorsOf(store) == (std::vector<std::string>{"ann", "lead"}));
    }
};

QTEST_GUILESS_MAIN(TestTeamReview)
#include "test_team_review.moc"
