#pragma once
// Shared by the run suites: word salad for datasets, the CLI runner, a relative comparison.
#include <QProcess>
#include <QStringList>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace gateau::test {

inline bool nearRel(double a, double b, double tol) { return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b)); }

#define QVERIFY_NEAR(actual, expected, tol)                                                                  \
    do {                                                                                                     \
        const double a_ = (actual), e_ = (expected);                                                         \
        QVERIFY2(gateau::test::nearRel(a_, e_, tol),                                                         \
                 qPrintable(QString("%1 = %2, expected %3").arg(#actual).arg(a_, 0, 'g', 17).arg(e_, 0, 'g', 17))); \
    } while (0)

inline std::string words(int n, int salt) {
    const char* w[] = {"river", "mountain", "engine", "library", "harvest", "signal", "copper", "window",
                       "lantern", "meadow", "archive", "compass", "thunder", "garden", "ledger", "orbit"};
    std::string s;
    for (int i = 0; i < n; ++i) {
        s += w[(i * 7 + i / 5 + salt * 3) % 16];
        s += (i % 11 == 10) ? ". " : " ";
    }
    return s;
}

// n conversations (messages schema, ids s1..sn) with contexts of about 80 + 20 i words.
inline void writeWordDataset(const std::string& path, int n, int salt = 0) {
    std::ofstream out(path);
    for (int i = 1; i <= n; ++i) {
        nlohmann::json rec;
        rec["id"] = "s" + std::to_string(i);
        const std::string user = words(80 + 20 * (i % 8), i + salt) + "\n\nWhich words in the notes above name a place?";
        const std::string answer = "The notes mention " + words(6 + i % 5, i * 5 + salt) + "and little else.";
        rec["messages"] = {{{"role", "user"}, {"content", user}}, {{"role", "assistant"}, {"content", answer}}};
        out << rec.dump() << "\n";
    }
}

struct CliResult {
    int code = -1;
    std::string out, err;
};

inline CliResult runCli(const QStringList& args) {
    QProcess p;
    p.start(GATEAU_CLI_PATH, args);
    CliResult r;
    if (!p.waitForFinished(300000)) {
        p.kill();
        p.waitForFinished();
        r.err = "timeout";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput().toStdString();
    r.err = p.readAllStandardError().toStdString();
    return r;
}

inline QString q(const std::string& s) { return QString::fromStdString(s); }

inline std::vector<std::string> fileLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace gateau::test
