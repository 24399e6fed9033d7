// Models by name from the local Hugging Face cache (core/model/hf_cache.h): a cache tree laid
// out as huggingface_hub writes it (refs/, snapshots/<commit>/ of symlinks into blobs/), built
// here from make-tiny-model checkpoints, resolved, listed, loaded and scored through the CLI.
#include "../common/expect_model_error.h"

#include "core/model/checkpoint.h"
#include "core/model/hf_cache.h"
#include "core/model/tiny_model.h"
#include "core/scoring/run_config.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace gateau;

namespace {

const char* kC1 = "1111111111111111111111111111111111111111";
const char* kC2 = "2222222222222222222222222222222222222222";

// A cache repo folder holding `model` (a checkpoint folder) as snapshot `commit`: each file
// becomes a blob named by its index, linked from the snapshot by a relative symlink.
void addSnapshot(const fs::path& cache, const std::string& repoFolder, const std::string& commit, const fs::path& model,
                 const std::vector<std::pair<std::string, std::string>>& refs) {
    const fs::path repo = cache / repoFolder;
    fs::create_directories(repo / "blobs");
    fs::create_directories(repo / "snapshots" / commit);
    int n = 0;
    for (const auto& e : fs::directory_iterator(model)) {
        const std::string blob = commit.substr(0, 8) + "blob" + std::to_string(n++);
        fs::copy_file(e.path(), repo / "blobs" / blob);
        fs::create_symlink(fs::path("../../blobs") / blob, repo / "snapshots" / commit / e.path().filename());
    }
    for (const auto& [ref, c] : refs) {
        fs::create_directories((repo / "refs" / ref).parent_path());
        std::ofstream(repo / "refs" / ref) << c;  // huggingface_hub writes no newline
    }
}

model::TinyModelSpec tinySpec(uint64_t seed) {
    model::TinyModelSpec s;
    s.vocabSize = 64;
    s.layers = 2;
    s.hidden = 32;
    s.heads = 4;
    s.kvHeads = 2;
    s.intermediate = 48;
    s.seed = seed;
    s.shards = 2;  // an index and two shards, as real checkpoints come
    return s;
}

void setEnv(const char* name, const std::string& v) {
    if (v.empty()) ::unsetenv(name);
    else ::setenv(name, v.c_str(), 1);
}

struct Run {
    int code;
    QString out, err;
};

Run runCli(const QStringList& args, const QProcessEnvironment& env) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(GATEAU_CLI_PATH, args);
    p.waitForFinished(120000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace

class TestHfCache : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    fs::path root_, hubCache_, hfHome_, home_, model1_, model2_;

    void useCaches(const std::string& hubCache, const std::string& hfHome, const std::string& home) {
        setEnv("HF_HUB_CACHE", hubCache);
        setEnv("HF_HOME", hfHome);
        setEnv("HOME", home);
    }
    void useDefault() { useCaches(hubCache_.string(), hfHome_.string(), home_.string()); }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        root_ = tmp_.path().toStdString();
        model1_ = root_ / "made1";
        model2_ = root_ / "made2";
        model::makeTinyModel(model1_.string(), tinySpec(1));
        model::makeTinyModel(model2_.string(), tinySpec(2));
        QVERIFY(fs::exists(model1_ / "model.safetensors.index.json"));
        // Three caches, one per way of finding it, each with Org/Tiny at a different commit.
        hubCache_ = root_ / "hubcache";
        hfHome_ = root_ / "hfhome";
        home_ = root_ / "home";
        addSnapshot(hubCache_, "models--Org--Tiny", kC1, model1_, {{"main", kC1}});
        addSnapshot(hubCache_, "models--Org--Tiny", kC2, model2_, {{"v2", kC2}});
        addSnapshot(hfHome_ / "hub", "models--Org--Tiny", kC2, model2_, {{"main", kC2}});
        addSnapshot(home_ / ".cache" / "huggingface" / "hub", "models--Org--Tiny", kC1, model1_, {{"main", kC1}});
        addSnapshot(hubCache_, "models--single", kC1, model1_, {{"main", kC1}});  // a repo id without owner
        ::unsetenv("XDG_CACHE_HOME");
    }

    void repoIdShapes() {
        for (const char* yes : {"Qwen/Qwen3-8B", "gpt2", "google/gemma-2-2b-it", "Org/Tiny@main", "a.b/c_d@refs/pr/1"})
            QVERIFY2(model::looksLikeRepoId(yes), yes);
        for (const char* no : {"/abs/path", "./rel", "../up", "a/b/c", "org--x/y", "a/..b", "Org/Tiny@", "", "~/m"})
            QVERIFY2(!model::looksLikeRepoId(no), no);
    }

    // refs/main names the commit; the snapshot's files are symlinks, followed when loading.
    void resolvesMainAndLoads() {
        useDefault();
        const std::string dir = model::resolveModelDir("Org/Tiny");
        QCOMPARE(dir, (hubCache_ / "models--Org--Tiny" / "snapshots" / kC1).string());
        QVERIFY(fs::is_symlink(fs::path(dir) / "config.json"));
        const auto ck = model::Checkpoint::open(dir);
        ck.validate();
        const auto original = model::Checkpoint::open(model1_.string());
        QVERIFY(ck.sharded());
        QCOMPARE(ck.tensorNames(), original.tensorNames());
        const auto a = ck.require("model.layers.1.mlp.down_proj.weight").toFloats();
        QCOMPARE(a, original.require("model.layers.1.mlp.down_proj.weight").toFloats());
        QCOMPARE(model::resolveModelDir("single"), (hubCache_ / "models--single" / "snapshots" / kC1).string());
    }

    void precedenceHubCacheThenHfHomeThenHome() {
        useCaches(hubCache_.string(), hfHome_.string(), home_.string());
        QCOMPARE(model::hfHubCacheDir(), hubCache_.string());
        QVERIFY(model::resolveModelDir("Org/Tiny").find(hubCache_.string() + "/models--Org--Tiny/snapshots/" + kC1) == 0);
        useCaches("", hfHome_.string(), home_.string());
        QCOMPARE(model::hfHubCacheDir(), (hfHome_ / "hub").string());
        QCOMPARE(model::resolveModelDir("Org/Tiny"), (hfHome_ / "hub" / "models--Org--Tiny" / "snapshots" / kC2).string());
        useCaches("", "", home_.string());
        QCOMPARE(model::resolveModelDir("Org/Tiny"),
                 (home_ / ".cache" / "huggingface" / "hub" / "models--Org--Tiny" / "snapshots" / kC1).string());
        setEnv("XDG_CACHE_HOME", (root_ / "xdg").string());
        QCOMPARE(model::hfHubCacheDir(), (root_ / "xdg" / "huggingface" / "hub").string());
        ::unsetenv("XDG_CACHE_HOME");
        useDefault();
    }

    void revisionByRefOrCommit() {
        useDefault();
        const fs::path repo = hubCache_ / "models--Org--Tiny";
        QCOMPARE(model::resolveModelDir("Org/Tiny@v2"), (repo / "snapshots" / kC2).string());
        QCOMPARE(model::resolveModelDir(std::string("Org/Tiny@") + kC2), (repo / "snapshots" / kC2).string());
        QCOMPARE(model::resolveModelDir("Org/Tiny@main"), (repo / "snapshots" / kC1).string());
        EXPECT_ERROR(model::resolveModelDir("Org/Tiny@v3"), "no revision 'v3'", "refs/v3", "refs: main, v2",
                     "snapshots: 1111111111111111111111111111111111111111, 2222222222222222222222222222222222222222");
        EXPECT_ERROR(model::resolveModelDir("Org/Tiny@../../../etc"), "revision '../../../etc' is not a branch, tag or commit");
    }

    // An existing folder wins over a repo id of the same spelling.
    void localPathWins() {
        useDefault();
        const fs::path base = root_ / "base";
        fs::create_directories(base / "Org");
        fs::create_directory_symlink(model2_, base / "Org" / "Tiny");
        QCOMPARE(model::resolveModelDir("Org/Tiny", base.string()), (base / "Org" / "Tiny").string());
        QCOMPARE(model::resolveModelDir(model1_.string()), model1_.string());
        // Not a repo id and not there: returned as given, for the checkpoint's own error.
        QCOMPARE(model::resolveModelDir("/no/such/folder"), std::string("/no/such/folder"));
    }

    void errorsNameWhatAndWhere() {
        useDefault();
        EXPECT_ERROR(model::resolveModelDir("Org/Absent"), "'Org/Absent' is not a folder", "models--Org--Absent",
                     "HF_HUB_CACHE", "never downloads");
        useCaches("", hfHome_.string(), home_.string());
        EXPECT_ERROR(model::resolveModelDir("Org/Absent"), "HF_HOME/hub", "hfhome/hub/models--Org--Absent");
        useDefault();

        // refs/main names a commit whose snapshot is missing.
        const fs::path broken = hubCache_ / "models--Org--Broken";
        addSnapshot(hubCache_, "models--Org--Broken", kC1, model1_, {{"main", kC2}});
        EXPECT_ERROR(model::resolveModelDir("Org/Broken"), "refs/main names commit 2222222222222222222222222222222222222222",
                     "does not exist");
        // A snapshot without config.json.
        std::ofstream(broken / "refs" / "main") << kC1;
        fs::remove(broken / "snapshots" / kC1 / "config.json");
        const std::string snapshot = (broken / "snapshots" / kC1).string();
        EXPECT_ERROR(model::resolveModelDir("Org/Broken"), "no config.json", snapshot.c_str());
        // A shard the index lists whose blob never arrived (a dangling link).
        addSnapshot(hubCache_, "models--Org--Partial", kC1, model1_, {{"main", kC1}});
        const fs::path shard = hubCache_ / "models--Org--Partial" / "snapshots" / kC1 / "model-00002-of-00002.safetensors";
        QVERIFY(fs::is_symlink(shard));
        fs::remove(fs::canonical(shard));
        EXPECT_ERROR(model::resolveModelDir("Org/Partial"), "lacks 'model-00002-of-00002.safetensors'",
                     "model.safetensors.index.json");
        // An empty ref.
        addSnapshot(hubCache_, "models--Org--Empty", kC1, model1_, {{"main", ""}});
        EXPECT_ERROR(model::resolveModelDir("Org/Empty"), "refs/main is empty");
    }

    // The run identity stays the files' content: a repo id and the folder it resolves to are
    // the same run, and model_a / model_b take repo ids in RUN.json.
    void runConfigTakesRepoIds() {
        useDefault();
        const std::string byId = R"({"model_a": "Org/Tiny", "model_b": "Org/Tiny@v2", "dtype": "float32"})";
        const auto c = scoring::parseRunConfig(byId, "RUN.json", root_.string());
        QCOMPARE(c.modelA, (hubCache_ / "models--Org--Tiny" / "snapshots" / kC1).string());
        QCOMPARE(c.modelB, (hubCache_ / "models--Org--Tiny" / "snapshots" / kC2).string());
        const std::string byPath = "{\"model_a\": \"" + model1_.string() + "\", \"model_b\": \"" + model2_.string() +
                                   "\", \"dtype\": \"float32\"}";
        const auto p = scoring::parseRunConfig(byPath, "RUN.json");
        QCOMPARE(scoring::runIdentityJson(scoring::canonicalRunConfigJson(c)),
                 scoring::runIdentityJson(scoring::canonicalRunConfigJson(p)));
        try {
            scoring::parseRunConfig(R"({"model_a": "Org/Absent", "model_b": "Org/Tiny"})", "RUN.json");
            QFAIL("a missing cached model was accepted");
        } catch (const scoring::ScoringError& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("RUN.json") == 0 && m.find("\"model_a\"") != std::string::npos &&
                         m.find("models--Org--Absent") != std::string::npos,
                     e.what());
        }
    }

    void listsCachedModels() {
        useDefault();
        const fs::path cache = root_ / "listcache";
        addSnapshot(cache, "models--Org--Tiny", kC1, model1_, {{"main", kC1}, {"refs/pr/1", kC1}});
        addSnapshot(cache, "models--Org--Tiny", kC2, model2_, {{"v2", kC2}});
        addSnapshot(cache, "models--Org--Moe", kC1, model1_, {{"main", kC1}});
        fs::remove(cache / "models--Org--Moe" / "snapshots" / kC1 / "config.json");
        std::ofstream(cache / "models--Org--Moe" / "snapshots" / kC1 / "config.json")
            << R"({"model_type": "mixtral", "architectures": ["MixtralForCausalLM"]})";
        fs::create_directories(cache / "datasets--Org--Data" / "snapshots" / kC1);  // not a model
        const auto models = model::listCachedModels(cache.string());
        QCOMPARE(models.size(), size_t(3));
        QCOMPARE(models[0].repoId, std::string("Org/Moe"));
        QVERIFY(!models[0].supported);
        QCOMPARE(models[0].modelType, std::string("mixtral"));
        QVERIFY2(models[0].problem.find("mixtral") != std::string::npos, models[0].problem.c_str());
        QCOMPARE(models[1].repoId, std::string("Org/Tiny"));
        QCOMPARE(models[1].revision, std::string("main"));
        QCOMPARE(models[1].spec(), std::string("Org/Tiny"));
        QCOMPARE(models[1].modelType, std::string("llama"));
        QVERIFY(models[1].supported);
        QCOMPARE(models[2].spec(), std::string("Org/Tiny@v2"));
        uint64_t made = 0;  // the size of what make-tiny-model wrote
        for (const auto& e : fs::directory_iterator(model2_)) made += fs::file_size(e.path());
        QCOMPARE(models[2].sizeBytes, made);
        QVERIFY(model::listCachedModels((root_ / "nothing").string()).empty());
    }

    // `gateau forward` takes a repo id and gives what the folder gives; `gateau models`.
    void cli() {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("HF_HUB_CACHE", QString::fromStdString(hubCache_.string()));
        const std::string ids = (root_ / "ids.json").string();
        std::ofstream(ids) << "[1, 5, 9, 3, 7, 2]";
        const QStringList tail{"--ids", QString::fromStdString(ids), "--span-from", "2", "--dtype", "float32", "--json"};
        const Run byId = runCli(QStringList{"forward", "--model", "Org/Tiny@v2"} + tail, env);
        QVERIFY2(byId.code == 0, qPrintable(byId.err));
        const Run byPath = runCli(QStringList{"forward", "--model", QString::fromStdString(model2_.string())} + tail, env);
        QVERIFY2(byPath.code == 0, qPrintable(byPath.err));
        const auto a = nlohmann::json::parse(byId.out.toStdString()), b = nlohmann::json::parse(byPath.out.toStdString());
        QCOMPARE(a["logprobs"].size(), size_t(5));
        QCOMPARE(a["logprobs"], b["logprobs"]);
        const Run other = runCli(QStringList{"forward", "--model", "Org/Tiny"} + tail, env);
        QVERIFY(nlohmann::json::parse(other.out.toStdString())["logprobs"] != a["logprobs"]);

        const Run missing = runCli(QStringList{"forward", "--model", "Org/Absent"} + tail, env);
        QCOMPARE(missing.code, 1);
        QVERIFY2(missing.err.contains("models--Org--Absent") && missing.err.count('\n') == 1, qPrintable(missing.err));

        const Run list = runCli({"models", "--json"}, env);
        QVERIFY2(list.code == 0, qPrintable(list.err));
        const auto j = nlohmann::json::parse(list.out.toStdString());
        QCOMPARE(j["cache"].get<std::string>(), hubCache_.string());
        bool found = false;
        for (const auto& m : j["models"])
            if (m["spec"] == "Org/Tiny@v2") {
                found = true;
                QCOMPARE(m["model_type"].get<std::string>(), std::string("llama"));
                QVERIFY(m["supported"].get<bool>());
                QCOMPARE(m["commit"].get<std::string>(), std::string(kC2));
            }
        QVERIFY(found);
        const Run table = runCli({"models"}, env);
        QVERIFY2(table.out.contains("Org/Tiny@v2") && table.out.contains("llama"), qPrintable(table.out));
    }
};

QTEST_GUILESS_MAIN(TestHfCache)
#include "test_hf_cache.moc"
