#pragma once
// Shared by the suites that drive several `gateau` processes at once (test_faults,
// test_concurrency): a scoring set-up made with the CLI alone (a trained byte-level BPE, two
// tiny homologous Llamas, a demo dataset; no ../shared needed), child processes, polling.
#include "db/project_store.h"
#include "tests/scoring/run_fixture.h"

#include <QProcess>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

namespace gateau::test {

struct CliScoring {
    std::string dir, dataset, config;
};

// Tokenizer, models A and B and a demo dataset of `samples` samples in `dir`. Score with
// scoreArgs: one intra-op thread, since on a busy machine more threads are many times slower.
inline CliScoring makeCliScoring(const std::string& dir, int samples) {
    CliScoring s{dir, dir + "/demo.jsonl", dir + "/run.json"};
    auto check = [](const CliResult& r) { QVERIFY2(r.code == 0, (r.out + r.err).c_str()); };
    check(runCli({"make-tokenizer", q(dir + "/tok")}));
    for (const char* m : {"a", "b"})
        check(runCli({"make-tiny-model", q(dir + "/" + m), "--arch", "llama", "--tokenizer", q(dir + "/tok"), "--layers",
                      "2", "--hidden", "64", "--heads", "4", "--kv-heads", "2", "--intermediate", "128", "--seed", "7",
                      "--max-pos", "4096"}));
    check(runCli({"make-demo-dataset", q(s.dataset), "--samples", QString::number(samples), "--min-words", "100",
                  "--max-words", "150", "--seed", "5"}));
    std::ofstream(s.config) << "{\"model_a\": \"" << dir << "/a\", \"model_b\": \"" << dir
                            << "/b\", \"segment_len\": 64, \"max_tokens\": 4096, \"dtype\": \"float32\"}\n";
    return s;
}

inline QStringList scoreArgs(const CliScoring& s, const std::string& project) {
    return {"score", q(project), "--config", q(s.config), "--threads", "1"};
}

inline std::string importProject(const std::string& project, const std::string& dataset) {
    auto r = runCli({"import", q(project), q(dataset)});
    if (r.code != 0) qWarning("import failed: %s", r.err.c_str());
    return project;
}

// One integer from the project (e.g. "SELECT count(*) FROM sample_scores"); -1 when it
// cannot be read right now.
inline int64_t queryInt(const std::string& project, const std::string& sql) {
    try {
        auto store = db::ProjectStore::open(project, false);
        auto st = store.db().prepare(sql);
        return st.step() ? st.int64(0) : 0;
    } catch (const std::exception&) {
        return -1;
    }
}

inline bool waitUntil(const std::function<bool()>& cond, int ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return cond();
}

// A `gateau` child: start, signal, wait with a bound (a hang is killed and reported).
class Child {
public:
    explicit Child(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
        p_.setProcessEnvironment(env);
        p_.start(GATEAU_CLI_PATH, args);
        p_.waitForStarted();
    }
    ~Child() {
        if (p_.state() != QProcess::NotRunning) {
            p_.kill();
            p_.waitForFinished();
        }
    }
    bool running() const { return p_.state() == QProcess::Running; }
    int64_t pid() const { return p_.processId(); }
    void signal(int sig) { ::kill(pid_t(p_.processId()), sig); }
    // False when it did not end within `ms` (it is then killed).
    bool wait(int ms) {
        if (p_.waitForFinished(ms)) return true;
        p_.kill();
        p_.waitForFinished();
        return false;
    }
    // Exit code, or -signal when a signal ended it.
    int code() {
        if (p_.exitStatus() == QProcess::NormalExit) return p_.exitCode();
        return -p_.exitCode();  // QProcess reports the signal number as the exit code
    }
    // Waits until stderr holds `text`; false when it did not within `ms` or the process ended.
    bool waitForErr(const std::string& text, int ms) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (err().find(text) == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
            if (left.count() <= 0 || p_.state() == QProcess::NotRunning) return err().find(text) != std::string::npos;
            p_.setReadChannel(QProcess::StandardError);
            p_.waitForReadyRead(int(std::min<int64_t>(left.count(), 50)));
        }
        return true;
    }
    std::string out() { return out_ += p_.readAllStandardOutput().toStdString(); }
    std::string err() { return err_ += p_.readAllStandardError().toStdString(); }

private:
    QProcess p_;
    std::string out_, err_;
};

}  // namespace gateau::test
