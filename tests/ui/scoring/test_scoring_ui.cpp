// The scoring GUI offscreen: the dialog validates models, devices and the template; a
// JobController scores a project exactly like `gateau score`; pause holds, resume goes on,
// cancel leaves an interrupted run that the jobs panel's Resume button completes; the GUI
// thread keeps ticking while results are written.
#include "db/project_store.h"
#include "db/run_store.h"
#include "ui/scoring/job_controller.h"
#include "ui/tasks/task_runner.h"
#include "ui/scoring/jobs_panel.h"
#include "ui/scoring/scoring_dialog.h"
#include "core/scoring/scorers/scorer.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QRegularExpression>
#include <QScreen>
#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolButton>
#include <QtTest>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

using namespace gateau;

namespace {

const QString kTokenizerDir = QStringLiteral(GATEAU_SHARED_DIR "/testdata/tokenizers/mistral");
constexpr int kSamples = 40;  // enough that a run can be paused and cancelled mid-way

bool runCli(const QStringList& args, QString* output = nullptr) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(GATEAU_CLI_PATH), args);
    if (!p.waitForFinished(600000)) {
        qWarning() << "gateau" << args << "did not finish";
        p.kill();
        return false;
    }
    const QString out = QString::fromUtf8(p.readAll());
    if (output) *output = out;
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning().noquote() << "gateau" << args.join(' ') << "failed:" << p.exitCode() << out;
        return false;
    }
    return true;
}

QString words(int n, int seed) {
    static const char* vocab[] = {"river", "market", "engine", "winter", "garden", "signal", "copper", "harbor",
                                  "ledger", "forest", "planet", "violin", "thunder", "meadow", "archive", "lantern",
                                  "orbit", "canyon", "whisper", "glacier", "pepper", "marble", "falcon", "tunnel"};
    QStringList out;
    uint32_t x = 2654435761u * uint32_t(seed + 1);
    for (int i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        out << QString::fromLatin1(vocab[(x >> 16) % 24]);
        if (i % 17 == 16) out.last() += '.';
    }
    return out.join(' ');
}

QByteArray dataset(int n) {
    QByteArray out;
    for (int i = 0; i < n; ++i) {
        QJsonObject user{{"role", "user"},
                         {"content", words(150, i) + QStringLiteral("\n\nWhich word comes after the %1th river?").arg(i + 1)}};
        QJsonObject assistant{{"role", "assistant"}, {"content", words(10, 1000 + i)}};
        QJsonObject rec{{"id", QStringLiteral("s%1").arg(i + 1)}, {"messages", QJsonArray{user, assistant}}};
        out += QJsonDocument(rec).toJson(QJsonDocument::Compact) + '\n';
    }
    return out;
}

int64_t storedDone(const QString& project, int64_t runId) {
    auto store = db::ProjectStore::open(project.toStdString(), false);
    const auto r = db::findRun(store, runId);
    return r ? r->done + r->failed : -1;
}

// Largest gap between the ticks of a 10 ms timer on the GUI thread while it runs.
class GapMeter {
public:
    GapMeter() {
        QObject::connect(&timer_, &QTimer::timeout, [this] {
            const qint64 now = clock_.elapsed();
            if (last_ >= 0) maxGap_ = std::max(maxGap_, now - last_);
            last_ = now;
        });
        timer_.setInterval(10);
        timer_.setTimerType(Qt::PreciseTimer);
        clock_.start();
        timer_.start();
    }
    qint64 maxGapMs() const { return maxGap_; }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ = -1, maxGap_ = 0;
};

bool saveShot(QWidget* w, const QString& path) {
    QTest::qWait(50);  // pending layout requests and resizes
    const bool ok = w->grab().save(path);
    qInfo().noquote() << "screenshot" << path << (ok ? "saved" : "FAILED");
    return ok;
}

}  // namespace

class TestScoringUi : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<QTemporaryDir> dir_;
    QString m1_, m2_, base_;

    QString freshProject(const QString& name) {
        const QString path = dir_->filePath(name);
        QFile::remove(path);
        if (!QFile::copy(base_, path)) return {};
        QFile(path).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        return path;
    }

    scoring::RunConfig config() const {
        scoring::RunConfig c;
        c.modelA = m1_.toStdString();
        c.modelB = m2_.toStdString();
        c.prompt.maxTokens = 1024;
        c.prompt.segmentLen = 32;
        c.stretchA = 2.0;
        return c;
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        if (!QDir(kTokenizerDir).exists()) QSKIP("no tokenizer test data (GATEAU_SHARED_DIR/testdata/tokenizers/mistral)");
        dir_ = std::make_unique<QTemporaryDir>();
        QVERIFY(dir_->isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_->filePath("settings"));
        QCoreApplication::setOrganizationName("gateau-test");
        QCoreApplication::setApplicationName("test_scoring_ui");

        m1_ = dir_->filePath("m1");
        m2_ = dir_->filePath("m2");
        const QStringList common{"--arch", "llama", "--tokenizer", kTokenizerDir, "--layers", "2", "--hidden", "64",
                                 "--heads", "4", "--kv-heads", "2", "--intermediate", "128"};
        QVERIFY(runCli(QStringList{"make-tiny-model", m1_} + common + QStringList{"--seed", "1", "--max-pos", "512"}));
        QVERIFY(runCli(QStringList{"make-tiny-model", m2_} + common +
                       QStringList{"--seed", "2", "--max-pos", "4096", "--rope-theta", "100000"}));
        const QString data = dir_->filePath("data.jsonl");
        QFile f(data);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(dataset(kSamples));
        f.close();
        base_ = dir_->filePath("base.gateau");
        QVERIFY(runCli({"import", base_, data}));
        QVERIFY(!QFile::exists(base_ + "-wal") || QFileInfo(base_ + "-wal").size() == 0);
    }

    // The model fields list the local Hugging Face cache's models; picking one puts its repo id
    // in the field, shows the snapshot it names, and the run gets the snapshot folder.
    void dialogListsCachedModels() {
        namespace fs = std::filesystem;
        const fs::path cache = dir_->filePath("hub").toStdString();
        const std::string commit = "0123456789abcdef0123456789abcdef01234567";
        const QString folders[2] = {m1_, m2_};
        const char* repos[2] = {"models--Org--Short", "models--Org--Long"};
        for (int i = 0; i < 2; ++i) {
            const fs::path snap = cache / repos[i] / "snapshots" / commit;
            fs::create_directories(snap);
            fs::create_directories(cache / repos[i] / "refs");
            std::ofstream(cache / repos[i] / "refs" / "main") << commit;
            for (const auto& e : fs::directory_iterator(folders[i].toStdString()))
                fs::create_symlink(e.path(), snap / e.path().filename());
        }
        // A cached model the engine cannot run: listed, greyed, with the reason.
        const fs::path moe = cache / "models--Org--Moe" / "snapshots" / commit;
        fs::create_directories(moe);
        fs::create_directories(cache / "models--Org--Moe" / "refs");
        std::ofstream(cache / "models--Org--Moe" / "refs" / "main") << commit;
        std::ofstream(moe / "config.json") << R"({"model_type": "mixtral"})";
        std::ofstream(moe / "model.safetensors") << "x";
        const QByteArray old = qgetenv("HF_HUB_CACHE");
        qputenv("HF_HUB_CACHE", QByteArray::fromStdString(cache.string()));
        {
            ui::ScoringDialog d;
            d.resize(900, d.height());
            d.show();
            auto* combo = d.findChild<QComboBox*>("modelAModels");
            QVERIFY(combo);
            // The cache is read off the GUI thread: empty at first, then the three models.
            QCOMPARE(combo->count(), 0);
            QVERIFY(d.checking());
            QTRY_COMPARE_WITH_TIMEOUT(combo->count(), 3, 30000);
            QCOMPARE(d.findChild<QComboBox*>("modelBModels")->count(), 3);
            QCOMPARE(combo->itemData(0).toString(), QString("Org/Long"));
            QCOMPARE(combo->itemData(1).toString(), QString("Org/Moe"));
            QCOMPARE(combo->itemData(2).toString(), QString("Org/Short"));
            QVERIFY2(combo->itemText(2).contains("llama") && combo->itemText(2).contains("MB"), qPrintable(combo->itemText(2)));
            QVERIFY2(combo->itemText(1).contains("not usable") && combo->itemText(1).contains("mixtral"),
                     qPrintable(combo->itemText(1)));
            QVERIFY(combo->itemData(1, Qt::ForegroundRole).isValid() && !combo->itemData(2, Qt::ForegroundRole).isValid());
            combo->setCurrentIndex(2);
            emit combo->activated(2);
            QCOMPARE(d.findChild<QLineEdit*>("modelAPath")->text(), QString("Org/Short"));
            QTRY_VERIFY_WITH_TIMEOUT(d.modelInfo(ui::ScoringDialog::Model::A).contains("llama"), 30000);
            scoring::RunConfig c = config();
            c.modelA = "Org/Short";
            c.modelB = "Org/Long";
            d.setFromConfig(c);
            QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
            const QString infoA = d.modelInfo(ui::ScoringDialog::Model::A);
            QVERIFY2(infoA.contains("snapshot") && infoA.contains(QString::fromStdString(commit)) && infoA.contains("llama"),
                     qPrintable(infoA));
            QVERIFY2(d.isValid(), qPrintable(d.problems()));
            const std::string snapA = (cache / "models--Org--Short" / "snapshots" / commit).string();
            QCOMPARE(d.runConfig().modelA, snapA);
            saveShot(&d, "/tmp/scoring_dialog_cached.png");
            combo->showPopup();  // the list as it opens (a screen grab: the popup is its own window)
            QTest::qWait(300);
            if (QScreen* screen = QGuiApplication::primaryScreen())
                screen->grabWindow(0).save("/tmp/scoring_dialog_cached_list.png");
            combo->hidePopup();
            // A repo id that is not cached: the error names where it was looked for.
            c.modelB = "Org/Absent";
            d.setFromConfig(c);
            QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
            QVERIFY2(d.modelInfo(ui::ScoringDialog::Model::B).contains("models--Org--Absent"),
                     qPrintable(d.modelInfo(ui::ScoringDialog::Model::B)));
            QVERIFY(!d.isValid());
            d.reject();  // no settings saved
        }
        if (old.isEmpty()) qunsetenv("HF_HUB_CACHE");
        else qputenv("HF_HUB_CACHE", old);
    }

    // Every opt-in scorer of the registry is offered as a checkbox, off unless the config turns
    // it on, and the box is what the run config says.
    void dialogOffersOptInScorers() {
        ui::ScoringDialog d;
        d.show();
        scoring::RunConfig c = config();
        d.setFromConfig(c);
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        int optIn = 0;
        for (const scoring::Scorer* sc : scoring::registeredScorers()) {
            if (!sc->optIn()) continue;
            ++optIn;
            auto* box = d.findChild<QCheckBox*>(QString::fromStdString("optIn_" + sc->key()));
            QVERIFY2(box, sc->key().c_str());
            QVERIFY(!box->isChecked());
            QCOMPARE(d.runConfig().scorers.at(sc->key()), 0.0);
            box->setChecked(true);
            QCOMPARE(d.runConfig().scorers.at(sc->key()), 1.0);
            c.scorers[sc->key()] = 0;
            d.setFromConfig(c);
            QVERIFY(!box->isChecked());
            c.scorers[sc->key()] = 1;
            d.setFromConfig(c);
            QVERIFY(box->isChecked());
        }
        QVERIFY(optIn >= 1);  // LDS
        QCOMPARE(int(d.findChildren<QCheckBox*>(QRegularExpression("^optIn_")).size()), optIn);
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        saveShot(&d, "/tmp/scoring_dialog_optin.png");
        d.reject();
    }

    void dialogValidates() {
        ui::ScoringDialog d;
        d.show();
        auto* ok = d.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
        auto* pathA = d.findChild<QLineEdit*>("modelAPath");
        auto* pathB = d.findChild<QLineEdit*>("modelBPath");
        QVERIFY(ok && pathA && pathB);

        // A folder that is not a checkpoint: a red error naming it, OK disabled.
        scoring::RunConfig bad = config();
        bad.modelA = dir_->filePath("nowhere").toStdString();
        bad.modelB = dir_->path().toStdString();  // exists, but has no config.json
        d.setFromConfig(bad);
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        QVERIFY(!d.isValid());
        QVERIFY(!ok->isEnabled());
        QVERIFY2(d.modelInfo(ui::ScoringDialog::Model::A).contains("nowhere"), qPrintable(d.modelInfo(ui::ScoringDialog::Model::A)));
        QVERIFY2(d.modelInfo(ui::ScoringDialog::Model::B).contains("config.json"), qPrintable(d.modelInfo(ui::ScoringDialog::Model::B)));
        QVERIFY(d.findChild<QLabel*>("modelAInfo")->styleSheet().contains("#c62828"));
        saveShot(&d, "/tmp/scoring_dialog_errors.png");

        // Typing a path validates after a short pause.
        pathA->clear();
        QTest::keyClicks(pathA, m1_);
        QTRY_VERIFY(d.modelInfo(ui::ScoringDialog::Model::A).contains("llama"));

        // Good models: architecture, parameters and both context windows. The checkpoints are
        // read off the GUI thread: setFromConfig returns before, with OK disabled meanwhile.
        d.setFromConfig(config());
        QVERIFY(d.checking());
        QVERIFY(!d.isValid() && !ok->isEnabled());
        QVERIFY2(d.problems().contains("Checking model"), qPrintable(d.problems()));
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        QVERIFY2(d.isValid(), qPrintable(d.problems()));
        QVERIFY(ok->isEnabled());
        const QString infoA = d.modelInfo(ui::ScoringDialog::Model::A), infoB = d.modelInfo(ui::ScoringDialog::Model::B);
        qInfo().noquote() << "model A:" << infoA;
        qInfo().noquote() << "model B:" << infoB;
        QVERIFY(infoA.contains("llama"));
        QVERIFY(infoA.contains("512"));
        QVERIFY(infoB.contains("4096"));
        QVERIFY(infoB.contains("100000"));
        QVERIFY(infoA.contains("4.2M"));
        QVERIFY(d.pairWarnings().isEmpty());
        QCOMPARE(ui::humanCount(4200000), QString("4.2M"));
        QCOMPARE(ui::humanCount(6738415616ull), QString("6.7B"));

        // The dialog's config is what was set.
        const scoring::RunConfig c = d.runConfig();
        QCOMPARE(c.modelA, m1_.toStdString());
        QCOMPARE(c.modelB, m2_.toStdString());
        QCOMPARE(c.prompt.segmentLen, int64_t(32));
        QCOMPARE(c.prompt.maxTokens, int64_t(1024));
        QCOMPARE(c.prompt.templ, scoring::PromptConfig{}.templ);
        QCOMPARE(c.stretchA, 2.0);
        QCOMPARE(c.dtype, std::string("auto"));
        QCOMPARE(d.devices(), std::vector<std::string>{"cpu"});
        saveShot(&d, "/tmp/scoring_dialog.png");

        // Swapped models: a warning, still valid while max_tokens fits B's (now 512) window.
        scoring::RunConfig swapped = config();
        std::swap(swapped.modelA, swapped.modelB);
        swapped.prompt.maxTokens = 512;
        d.setFromConfig(swapped);
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        QVERIFY(d.pairWarnings().contains("not shorter"));
        QVERIFY2(d.isValid(), qPrintable(d.problems()));
        // One token more than B's window (no rope scaling): refused, naming max_tokens.
        d.findChild<QSpinBox*>("maxTokens")->setValue(513);
        QVERIFY(!d.isValid());
        QVERIFY(!ok->isEnabled());
        QVERIFY2(d.problems().contains("max_tokens 513 exceeds model B's 512-token window"), qPrintable(d.problems()));
        // The shipped demo pair: A's positions go to 8,192 like B's, but a sliding window in
        // every layer keeps it 1,024 tokens back: the pair is the right way round.
        scoring::RunConfig demo = config();
        demo.modelA = GATEAU_SOURCE_DIR "/resources/demo-models/short";
        demo.modelB = GATEAU_SOURCE_DIR "/resources/demo-models/long";
        demo.prompt.maxTokens = 8192;
        demo.prompt.segmentLen = 128;
        demo.stretchA = 1;
        d.setFromConfig(demo);
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        QVERIFY2(d.pairWarnings().isEmpty(), qPrintable(d.pairWarnings()));
        QVERIFY2(d.modelInfo(ui::ScoringDialog::Model::A).contains("sliding window 1024 in every layer"),
                 qPrintable(d.modelInfo(ui::ScoringDialog::Model::A)));
        QVERIFY(!d.modelInfo(ui::ScoringDialog::Model::B).contains("sliding"));
        d.setFromConfig(config());
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        QVERIFY(d.isValid());

        // An A whose tokenizer is not B's: refused, naming the first difference.
        const QString mixed = dir_->filePath("mixed-a");
        QDir().mkpath(mixed);
        for (const QString& f : QDir(m1_).entryList(QDir::Files))
            if (!f.startsWith("tokenizer")) QFile::copy(m1_ + "/" + f, mixed + "/" + f);
        QVERIFY(QFile::copy(QStringLiteral(GATEAU_SHARED_DIR "/testdata/tokenizers/qwen3/tokenizer.json"), mixed + "/tokenizer.json"));
        scoring::RunConfig mismatched = config();
        mismatched.modelA = mixed.toStdString();
        d.setFromConfig(mismatched);
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        QVERIFY(!d.isValid());
        QVERIFY2(d.problems().contains("model A's tokenizer is not model B's (vocabulary size"), qPrintable(d.problems()));
        // The split rules round-trip.
        scoring::RunConfig rules = config();
        rules.prompt.instruction = scoring::InstructionRule::WholeTurn;
        rules.prompt.responseTurn = scoring::ResponseTurn::First;
        d.setFromConfig(rules);
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        QVERIFY(d.runConfig().prompt.instruction == scoring::InstructionRule::WholeTurn);
        QVERIFY(d.runConfig().prompt.responseTurn == scoring::ResponseTurn::First);
        d.setFromConfig(config());
        QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
        QVERIFY(d.isValid());

        // A template without {response}: invalid.
        auto* templ = d.findChild<QPlainTextEdit*>("template");
        templ->setPlainText("### Input: {context}\n\n### Instruction: {instruction}\n\n### Response:");
        QVERIFY(!d.isValid());
        QVERIFY(!ok->isEnabled());
        QVERIFY(!d.templateMessage().isEmpty());
        saveShot(&d, "/tmp/scoring_dialog_template.png");
        templ->setPlainText("{instruction} {context} {response}");  // wrong order
        QVERIFY(!d.isValid());
        templ->setPlainText(QString::fromStdString(scoring::PromptConfig{}.templ));
        QVERIFY(d.isValid());

        // No device: invalid.
        d.setDevices({});
        QVERIFY(!d.isValid());
        d.setDevices({"cpu"});
        QVERIFY(d.isValid());

        // Accepting remembers the values for the next dialog.
        d.setAlpha(0.8);
        d.accept();
        QCOMPARE(d.result(), int(QDialog::Accepted));
        ui::ScoringDialog again;
        QTRY_VERIFY_WITH_TIMEOUT(!again.checking(), 30000);
        QCOMPARE(again.runConfig().modelB, m2_.toStdString());
        QCOMPARE(again.runConfig().prompt.segmentLen, int64_t(32));
        QCOMPARE(again.alpha(), 0.8);
        QVERIFY(again.isValid());
    }

    // The GPUs are counted off the GUI thread (CUDA's initialisation can take seconds): a
    // remembered GPU waits for the count, then is checked if this machine has it, else the CPU
    // is; a device the user checks before the count is what counts.
    void rememberedDevicesWaitForTheGpuCount() {
        QSettings().setValue("scoring/devices", "cuda:0");
        const bool hasGpu = ui::takeMachineInventory().devices.size() > 1;
        {
            ui::ScoringDialog d;
            QVERIFY(d.checking());
            QVERIFY2(d.problems().contains("Looking for GPUs"), qPrintable(d.problems()));
            auto* list = d.findChild<QListWidget*>("devices");
            QCOMPARE(list->count(), 2);  // the CPU and "looking for GPUs…"
            QCOMPARE(list->item(0)->checkState(), Qt::Unchecked);
            QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
            QCOMPARE(d.devices(), std::vector<std::string>{hasGpu ? "cuda:0" : "cpu"});
            QVERIFY2(!d.problems().contains("Looking for GPUs"), qPrintable(d.problems()));
            d.reject();
        }
        {
            ui::ScoringDialog d;
            auto* list = d.findChild<QListWidget*>("devices");
            list->item(0)->setCheckState(Qt::Checked);  // the CPU, before the GPUs are counted
            QTRY_VERIFY_WITH_TIMEOUT(!d.checking(), 30000);
            QCOMPARE(d.devices(), std::vector<std::string>{"cpu"});
            d.reject();
        }
        QSettings().setValue("scoring/devices", "cpu");
    }

    void controllerMatchesCli() {
        const QString gui = freshProject("gui.gateau"), cli = freshProject("cli.gateau");
        QVERIFY(!gui.isEmpty() && !cli.isEmpty());

        ui::JobController c;
        QSignalSpy started(&c, &ui::JobController::started);
        QSignalSpy progressed(&c, &ui::JobController::progressed);
        QSignalSpy stored(&c, &ui::JobController::samplesStored);
        QSignalSpy finished(&c, &ui::JobController::finished);
        QElapsedTimer clock;
        clock.start();
        std::vector<qint64> emitTimes;
        connect(&c, &ui::JobController::progressed, this, [&] { emitTimes.push_back(clock.elapsed()); });

        qint64 maxGap = 0;
        {
            GapMeter meter;
            QVERIFY(c.start(gui, config(), {"cpu"}));
            QVERIFY(c.isRunning());
            QVERIFY(!c.start(gui, config(), {"cpu"}));  // once per controller
            QVERIFY(finished.wait(300000) || finished.count() == 1);
            maxGap = meter.maxGapMs();
        }
        qInfo() << "GUI thread: largest gap between 10 ms ticks while scoring" << kSamples << "samples:" << maxGap << "ms";
        QVERIFY2(maxGap < 1000, qPrintable(QString("GUI thread blocked for %1 ms").arg(maxGap)));

        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.at(0).at(1).toString(), QString("finished"));
        QVERIFY2(finished.at(0).at(2).toString().isEmpty(), qPrintable(finished.at(0).at(2).toString()));
        QCOMPARE(started.count(), 1);
        const qint64 runId = started.at(0).at(0).toLongLong();
        QVERIFY(runId > 0);
        QCOMPARE(finished.at(0).at(0).toLongLong(), runId);
        QVERIFY(!c.isRunning());
        QVERIFY(progressed.count() >= 2);
        const auto last = progressed.last().at(0).value<ui::JobSnapshot>();
        QCOMPARE(last.runId, runId);
        QCOMPARE(last.total, qint64(kSamples));
        QCOMPARE(last.done + last.failed, qint64(kSamples));
        QCOMPARE(last.runDone, qint64(kSamples));
        QVERIFY(stored.count() >= 1);
        QCOMPARE(stored.last().at(1).toLongLong(), qint64(kSamples));
        // Coalesced: never two progressed() closer than the interval (the final one and user
        // actions aside).
        int tooClose = 0;
        for (size_t i = 1; i + 1 < emitTimes.size(); ++i)
            if (emitTimes[i] - emitTimes[i - 1] < ui::JobController::kMinEmitIntervalMs - 20) ++tooClose;
        qInfo() << "progressed() emitted" << emitTimes.size() << "times in" << clock.elapsed() << "ms";
        QCOMPARE(tooClose, 0);

        // The same config through the CLI on a copy of the project.
        const scoring::RunConfig cfg = config();
        QJsonObject run{{"model_a", m1_},
                        {"model_b", m2_},
                        {"segment_len", qint64(cfg.prompt.segmentLen)},
                        {"max_tokens", qint64(cfg.prompt.maxTokens)},
                        {"template", QString::fromStdString(cfg.prompt.templ)},
                        {"add_bos", cfg.prompt.addBos},
                        {"stretch_a", cfg.stretchA},
                        {"dtype", QString::fromStdString(cfg.dtype)}};
        const QString runJson = dir_->filePath("RUN.json");
        QFile rf(runJson);
        QVERIFY(rf.open(QIODevice::WriteOnly));
        rf.write(QJsonDocument(run).toJson());
        rf.close();
        QString out;
        QVERIFY(runCli({"score", cli, "--config", runJson, "--devices", "cpu"}, &out));

        auto guiStore = db::ProjectStore::open(gui.toStdString(), false);
        auto cliStore = db::ProjectStore::open(cli.toStdString(), false);
        const auto guiRuns = db::listRuns(guiStore), cliRuns = db::listRuns(cliStore);
        QCOMPARE(guiRuns.size(), size_t(1));
        QCOMPARE(cliRuns.size(), size_t(1));
        QCOMPARE(guiRuns[0].configHash, cliRuns[0].configHash);  // the same run identity
        QCOMPARE(guiRuns[0].status, std::string("complete"));
        const auto a = db::loadRawScores(guiStore, guiRuns[0].id, false);
        const auto b = db::loadRawScores(cliStore, cliRuns[0].id, false);
        QCOMPARE(a.size(), size_t(kSamples));
        QCOMPARE(a.size(), b.size());
        double worst = 0;
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].sampleId, b[i].sampleId);
            QCOMPARE(a[i].status, std::string("done"));
            QCOMPARE(b[i].status, std::string("done"));
            auto rel = [](double x, double y) { return std::abs(x - y) / std::max(1.0, std::abs(y)); };
            worst = std::max({worst, rel(a[i].pplA, b[i].pplA), rel(a[i].pplB, b[i].pplB), std::abs(a[i].camRaw - b[i].camRaw)});
            QVERIFY2(rel(a[i].pplA, b[i].pplA) <= 1e-6, qPrintable(QString("ppl_a %1 vs %2").arg(a[i].pplA).arg(b[i].pplA)));
            QVERIFY2(rel(a[i].pplB, b[i].pplB) <= 1e-6, qPrintable(QString("ppl_b %1 vs %2").arg(a[i].pplB).arg(b[i].pplB)));
            QVERIFY2(std::abs(a[i].camRaw - b[i].camRaw) <= 1e-6, qPrintable(QString("cam_raw %1 vs %2").arg(a[i].camRaw).arg(b[i].camRaw)));
        }
        qInfo() << "GUI vs CLI: largest difference (relative for PPL, absolute for cam_raw):" << worst;
    }

    void pauseResumeCancelAndResumeFromPanel() {
        const QString project = freshProject("panel.gateau");
        QVERIFY(!project.isEmpty());
        ui::JobsPanel panel;
        panel.resize(400, 560);
        panel.show();
        QSignalSpy refreshed(&panel, &ui::JobsPanel::runsRefreshed);
        panel.setProject(project);
        QVERIFY(refreshed.wait(10000));
        QCOMPARE(panel.runs().size(), 0);
        QVERIFY(panel.findChild<QLabel*>("message")->text().contains("No scoring runs yet"));
        saveShot(&panel, "/tmp/scoring_jobs_panel_empty.png");

        QSignalSpy stored(&panel, &ui::JobsPanel::samplesStored);
        QSignalSpy runFinished(&panel, &ui::JobsPanel::runFinished);
        QPointer<ui::JobController> c = panel.startRun(config(), {"cpu"});
        QVERIFY(c);
        // Pause as soon as results are reported (in the handler, not after a polling wait): on
        // a quiet machine the tiny models score the rest of the run within one poll interval.
        bool pauseOnNextStore = true;
        connect(&panel, &ui::JobsPanel::samplesStored, this, [&] {
            if (pauseOnNextStore && c) c->pause();
            pauseOnNextStore = false;
        });
        QSignalSpy started(c.data(), &ui::JobController::started);
        QSignalSpy finished(c.data(), &ui::JobController::finished);
        saveShot(&panel, "/tmp/scoring_jobs_panel_preparing.png");
        QTRY_VERIFY_WITH_TIMEOUT(started.count() == 1, 120000);
        const qint64 runId = started.at(0).at(0).toLongLong();
        QTRY_VERIFY_WITH_TIMEOUT(stored.count() >= 1, 120000);
        QTRY_VERIFY_WITH_TIMEOUT(panel.runCard(runId) && panel.runs().size() == 1, 10000);

        // Paused: the stored count stops moving.
        QVERIFY2(c, "the run finished before it could be paused: make the test data larger");
        QVERIFY(c->isPaused());
        QTest::qWait(400);  // a sample finishing as the pause lands is still committed
        const int64_t atPause = storedDone(project, runId);
        QVERIFY2(atPause < kSamples, "the run finished before it could be paused: make the test data larger");
        QTest::qWait(1500);
        QCOMPARE(storedDone(project, runId), atPause);
        QVERIFY(c->snapshot().paused);
        auto* card = panel.runCard(runId);
        QCOMPARE(card->findChild<QLabel*>("status")->text(), QString("paused"));
        saveShot(&panel, "/tmp/scoring_jobs_panel_paused.png");

        // Resume (the card's button): scoring goes on, and pauses again at the next report.
        pauseOnNextStore = true;
        QTest::mouseClick(card->findChild<QToolButton*>("pause"), Qt::LeftButton);
        QVERIFY(!c->isPaused());
        saveShot(&panel, "/tmp/scoring_jobs_panel_running.png");
        QTRY_VERIFY_WITH_TIMEOUT(!stored.isEmpty() && stored.last().at(1).toLongLong() > atPause, 60000);

        // Cancel while paused so the run cannot finish first: it is left interrupted.
        QVERIFY2(c, "the run finished before it could be cancelled: make the test data larger");
        QVERIFY(c->isPaused());
        QVERIFY(storedDone(project, runId) < kSamples);
        QTest::qWait(200);
        QTest::mouseClick(card->findChild<QToolButton*>("cancel"), Qt::LeftButton);
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.at(0).at(1).toString(), QString("cancelled"));
        QCOMPARE(runFinished.count(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(card->findChild<QLabel*>("status")->text(), QString("interrupted"), 10000);
        {
            auto store = db::ProjectStore::open(project.toStdString(), false);
            QCOMPARE(db::findRun(store, runId)->status, std::string("partial"));
        }
        auto* resume = card->findChild<QPushButton*>("resume");
        QVERIFY(resume);
        QTRY_VERIFY(resume->isVisible());
        const QString counts = card->findChild<QLabel*>("counts")->text();
        QVERIFY2(counts.contains("pending") && !counts.contains(" 0 pending"), qPrintable(counts));
        QTRY_VERIFY(c.isNull());  // the panel deletes finished controllers
        saveShot(&panel, "/tmp/scoring_jobs_panel_interrupted.png");

        // One click on Resume completes it.
        QTest::mouseClick(resume, Qt::LeftButton);
        ui::JobController* again = panel.controllerFor(runId);
        QVERIFY(again);
        QTRY_VERIFY_WITH_TIMEOUT(runFinished.count() == 2, 300000);
        QCOMPARE(runFinished.last().at(0).toLongLong(), runId);
        QTRY_COMPARE_WITH_TIMEOUT(card->findChild<QLabel*>("status")->text(), QString("complete"), 10000);
        QVERIFY(!resume->isVisible());
        QCOMPARE(storedDone(project, runId), int64_t(kSamples));
        {
            auto store = db::ProjectStore::open(project.toStdString(), false);
            QCOMPARE(db::findRun(store, runId)->status, std::string("complete"));
            QVERIFY(db::pendingSamples(store, runId).empty());
        }
        QCOMPARE(stored.last().at(1).toLongLong(), qint64(kSamples));

        // Clicking a card selects its run.
        QSignalSpy selected(&panel, &ui::JobsPanel::runSelected);
        QTest::mouseClick(card->findChild<QLabel*>("summary"), Qt::LeftButton);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).toLongLong(), runId);
        saveShot(&panel, "/tmp/scoring_jobs_panel_complete.png");

        // Starting the same config again finds the complete run and has nothing to do.
        QPointer<ui::JobController> same = panel.startRun(config(), {"cpu"});
        QSignalSpy sameFinished(same.data(), &ui::JobController::finished);
        QVERIFY(sameFinished.wait(120000));
        QCOMPARE(sameFinished.at(0).at(0).toLongLong(), runId);
        QCOMPARE(sameFinished.at(0).at(1).toString(), QString("finished"));
        QTRY_COMPARE(panel.runs().size(), 1);
    }

    void twoControllersOnOneRunRefuseTheSecond() {
        const QString project = freshProject("twice.gateau");
        ui::JobController first, second;
        QSignalSpy firstStarted(&first, &ui::JobController::started);
        QSignalSpy firstDone(&first, &ui::JobController::finished);
        QSignalSpy secondDone(&second, &ui::JobController::finished);
        first.pause();  // holds the run while the second one tries
        QVERIFY(first.start(project, config(), {"cpu"}));
        QVERIFY(firstStarted.wait(120000));
        QVERIFY(second.resume(project, firstStarted.at(0).at(0).toLongLong(), {"cpu"}));
        QVERIFY(secondDone.wait(60000));
        QCOMPARE(secondDone.at(0).at(1).toString(), QString("failed"));
        QVERIFY(secondDone.at(0).at(2).toString().contains("already being scored"));
        first.cancel();
        QVERIFY(firstDone.wait(60000));
        QCOMPARE(firstDone.at(0).at(1).toString(), QString("cancelled"));
    }

    void failedStartIsReported() {
        const QString project = freshProject("bad.gateau");
        ui::JobsPanel panel;
        QSignalSpy refreshed(&panel, &ui::JobsPanel::runsRefreshed);
        panel.setProject(project);
        QVERIFY(refreshed.wait(10000));
        scoring::RunConfig bad = config();
        bad.modelA = dir_->filePath("missing-model").toStdString();
        QPointer<ui::JobController> c = panel.startRun(bad, {"cpu"});
        QVERIFY(c);
        QSignalSpy finished(c.data(), &ui::JobController::finished);
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.at(0).at(0).toLongLong(), qint64(0));  // no run was created
        QCOMPARE(finished.at(0).at(1).toString(), QString("failed"));
        QVERIFY2(finished.at(0).at(2).toString().contains("missing-model"), qPrintable(finished.at(0).at(2).toString()));
        auto* message = panel.findChild<QLabel*>("message");
        QTRY_VERIFY(message->text().contains("missing-model"));
        QTRY_COMPARE(panel.runs().size(), 0);
    }

    void destructorCancelsAndJoins() {
        const QString project = freshProject("dtor.gateau");
        QElapsedTimer t;
        t.start();
        {
            ui::JobController c;
            QSignalSpy stored(&c, &ui::JobController::samplesStored);
            c.start(project, config(), {"cpu"});
            QVERIFY(stored.wait(120000));
        }  // cancels, joins
        qInfo() << "destroyed a running controller after" << t.elapsed() << "ms";
        auto store = db::ProjectStore::open(project.toStdString(), false);
        const auto runs = db::listRuns(store);
        QCOMPARE(runs.size(), size_t(1));
        QVERIFY(runs[0].done >= 1);
    }

    // Issue 15: the job is a Long task of the application's TaskRunner (lane "scoring"), not
    // a thread of its own, and the runner's destruction (the application's exit) cancels it
    // through the task's token and waits: finished samples stay, the run settles as partial.
    void jobIsATaskTheRunnerCancelsOnExit() {
        const QString project = freshProject("runner-exit.gateau");
        auto* c = new ui::JobController;
        QSignalSpy stored(c, &ui::JobController::samplesStored);
        QVERIFY(c->start(project, config(), {"cpu"}));
        QVERIFY(ui::TaskRunner::instance().busy(c, QStringLiteral("scoring")));
        QVERIFY(stored.wait(120000));
        QElapsedTimer t;
        t.start();
        delete &ui::TaskRunner::instance();  // what ~QApplication does
        qInfo() << "the runner's destruction took" << t.elapsed() << "ms";
        delete c;  // the work is over: returns at once
        auto store = db::ProjectStore::open(project.toStdString(), false);
        const auto runs = db::listRuns(store);
        QCOMPARE(runs.size(), size_t(1));
        QVERIFY(runs[0].done >= 1);
        QCOMPARE(runs[0].status, std::string("partial"));
        QVERIFY(!db::pendingSamples(store, runs[0].id).empty());
    }
};

QTEST_MAIN(TestScoringUi)
#include "test_scoring_ui.moc"
