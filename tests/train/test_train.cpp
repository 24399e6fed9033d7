// gateau train: the trainer's own forward pass against the engine (before and after
// training), learning on a tiny copy task, kill / resume giving the same weights as an
// uninterrupted run, the copy curriculum, the schedule, and clear errors for bad flags.
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/safetensors_writer.h"
#include "core/model/tensor_names.h"
#include "core/model/tiny_model.h"
#include "core/train/loss_plot.h"
#include "core/train/train_data.h"
#include "core/train/train_session.h"
#include "tests/train/train_fixture.h"

using namespace gateau;
using namespace gateau::train;
namespace fs = std::filesystem;

namespace {

std::string readFile(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> csvRows(const std::string& path) {
    std::istringstream in(readFile(path));
    std::vector<std::string> rows;
    for (std::string l; std::getline(in, l);) rows.push_back(l);
    return rows;
}

std::vector<float> engineLogprobs(const std::string& dir, const std::vector<int64_t>& ids) {
    model::EngineOptions o;
    o.dtype = model::ComputeDtype::Float32;
    o.threads = 1;
    return model::loadEngine(model::Checkpoint::open(dir), o)->logprobs(ids);
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - double(b[i])));
    return m;
}

double spread(const std::vector<float>& v) {
    double lo = 1e30, hi = -1e30;
    for (float x : v) lo = std::min(lo, double(x)), hi = std::max(hi, double(x));
    return hi - lo;
}

// make-tiny-model's weights have std 0.02: every log-prob sits within a few 1e-3 of
// -log(vocab), so agreement to 1e-4 would say little. Rescaled to std ~0.15 (embeddings
// ~1), the logits are O(1) and the log-probs spread over several nats.
void rescaleWeights(const std::string& dir) {
    const auto ckpt = model::Checkpoint::open(dir);
    std::vector<model::TensorData> out;
    for (const auto& spec : model::expectedTensors(ckpt.config())) {
        auto v = ckpt.require(spec.name).toFloats();
        const double f = model::isNormWeight(spec.role) ? 1.0
                         : spec.role == model::TensorRole::TokenEmbedding ? 50.0 : 7.0;
        if (f != 1.0)
            for (auto& x : v) x = float(x * f);
        out.push_back({spec.name, model::DType::F32, spec.shape, model::encodeFloats(v, model::DType::F32)});
    }
    model::writeSafetensors(dir + "/model.safetensors", out);
}

struct Fixture {
    QTemporaryDir tmp;
    std::string dir = tmp.path().toStdString();
    int64_t vocab = testing::writeTextAndTokenizer(dir + "/data", 20000, 150);

    TrainOptions options(const std::string& out, int64_t steps, int64_t seqLen) const {
        TrainOptions o;
        o.outDir = dir + "/" + out;
        o.spec.tokenizerPath = dir + "/data/tokenizer";
        o.spec.layers = 2;
        o.spec.hidden = 64;
        o.spec.heads = 4;
        o.spec.kvHeads = 2;
        o.spec.intermediate = 128;
        o.spec.maxPositionEmbeddings = 512;
        o.spec.seed = 3;
        o.textFiles = {dir + "/data/text.txt"};
        o.schedule = {{seqLen, steps}};
        o.batchSize = 4;
        o.lr = 3e-3;
        o.warmupSteps = 5;
        o.seed = 3;
        o.threads = 1;
        o.compute = model::ComputeDtype::Float32;
        return o;
    }
};

struct CliResult {
    int code;
    QString output;
};

CliResult cli(const QStringList& args) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(GATEAU_CLI_PATH, args);
    p.waitForFinished(300000);
    return {p.exitCode(), QString::fromUtf8(p.readAll())};
}

int64_t checkpointStep(const std::string& out) {
    try {
        return nlohmann::json::parse(readFile(out + "/checkpoint/state.json")).at("step").get<int64_t>();
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

class TestTrain : public QObject {
    Q_OBJECT
private slots:
    void trainerForwardMatchesEngineOnRandomModels_data() {
        QTest::addColumn<int>("arch");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("kvHeads");
        QTest::addColumn<bool>("tie");
        QTest::addColumn<int>("window");
        QTest::addColumn<double>("theta");
        QTest::addColumn<int>("tokens");
        QTest::newRow("llama gqa") << int(model::Arch::Llama) << 4 << 2 << false << 0 << 10000.0 << 96;
        QTest::newRow("llama tied mha") << int(model::Arch::Llama) << 4 << 4 << true << 0 << 10000.0 << 64;
        QTest::newRow("llama long theta") << int(model::Arch::Llama) << 2 << 1 << false << 0 << 500000.0 << 300;
        QTest::newRow("mistral window 16") << int(model::Arch::Mistral) << 4 << 2 << false << 16 << 10000.0 << 80;
        QTest::newRow("qwen2 biases") << int(model::Arch::Qwen2) << 4 << 2 << false << 0 << 1000000.0 << 64;
    }
    void trainerForwardMatchesEngineOnRandomModels() {
        QFETCH(int, arch);
        QFETCH(int, heads);
        QFETCH(int, kvHeads);
        QFETCH(bool, tie);
        QFETCH(int, window);
        QFETCH(double, theta);
        QFETCH(int, tokens);
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/m";
        model::TinyModelSpec s;
        s.arch = model::Arch(arch);
        s.vocabSize = 300;
        s.heads = heads;
        s.kvHeads = kvHeads;
        s.tieEmbeddings = tie;
        if (window) s.slidingWindow = window;
        s.ropeTheta = theta;
        s.seed = 11;
        model::makeTinyModel(dir, s);
        rescaleWeights(dir);
        const auto ids = testing::randomIds(5, tokens, 300);
        const auto e = engineLogprobs(dir, ids);
        const auto t = trainerLogprobs(dir, ids);
        QCOMPARE(t.size(), size_t(tokens - 1));
        QVERIFY2(spread(e) > 2.0, qPrintable(QString("log-probs too flat to compare: %1").arg(spread(e))));
        const double diff = maxAbsDiff(e, t);
        QVERIFY2(diff < 1e-4, qPrintable(QString("max |engine - trainer| = %1").arg(diff)));
    }

    void lossFallsOnCopyTaskAndWeightsLoadInEngine() {
        Fixture f;
        auto o = f.options("copy", 60, 64);
        o.copyFraction = 1.0;
        o.copySpanMin = 8;
        o.copySpanMax = 24;
        o.lr = 1e-2;
        o.checkpointEvery = 25;
        std::vector<double> losses;
        runTraining(o, {}, [&](const StepReport& r) { losses.push_back(r.loss); });
        QCOMPARE(losses.size(), size_t(60));
        QVERIFY2(std::fabs(losses.front() - std::log(double(f.vocab))) < 0.5,
                 qPrintable(QString("first loss %1, log(vocab) %2").arg(losses.front()).arg(std::log(double(f.vocab)))));
        double last = 0;
        for (size_t i = losses.size() - 10; i < losses.size(); ++i) last += losses[i] / 10;
        QVERIFY2(last < 0.8 * losses.front(), qPrintable(QString("loss %1 -> %2").arg(losses.front()).arg(last)));

        // The saved weights load in the engine and give the trainer's own log-probs.
        const auto ids = testing::randomIds(9, 120, f.vocab);
        const auto t = trainerLogprobs(o.outDir, ids);
        const auto e = engineLogprobs(o.outDir, ids);
        QVERIFY2(spread(e) > 2.0, qPrintable(QString("spread %1").arg(spread(e))));
        QVERIFY2(maxAbsDiff(e, t) < 1e-4, qPrintable(QString("max |engine - trainer| = %1").arg(maxAbsDiff(e, t))));
        QVERIFY(maxAbsDiff(engineLogprobs(o.outDir + "/checkpoint", ids), e) == 0.0);

        const auto rows = csvRows(o.outDir + "/loss.csv");
        QCOMPARE(rows.size(), size_t(61));
        QCOMPARE(rows[0], std::string("step,seq_len,loss,lr,tokens_per_s,copy_loss"));
        QVERIFY(QString::fromStdString(rows[60]).startsWith("60,64,"));
        for (size_t i = 1; i < rows.size(); ++i) {  // every sequence had copies: the copy loss is a number
            bool ok = false;
            const double copyLoss = QString::fromStdString(rows[i]).section(',', 5, 5).toDouble(&ok);
            QVERIFY2(ok && std::isfinite(copyLoss) && copyLoss > 0, rows[i].c_str());
        }
        for (const char* file : {"config.json", "tokenizer.json", "train.json", "model.safetensors",
                                 "checkpoint/optimizer.pt", "checkpoint/state.json"})
            QVERIFY2(fs::exists(o.outDir + "/" + file), file);
        QVERIFY(!fs::exists(o.outDir + "/checkpoint.tmp") && !fs::exists(o.outDir + "/checkpoint.old"));

        // loss.svg plots every row: two polylines (raw and average) of 60 points each.
        const std::string svg = readFile(o.outDir + "/loss.svg");
        const auto firstLine = svg.find("<polyline");
        QVERIFY(firstLine != std::string::npos && svg.find("<polyline", firstLine + 1) != std::string::npos);
        const auto pts = svg.substr(firstLine, svg.find("/>", firstLine) - firstLine);
        QCOMPARE(std::count(pts.begin(), pts.end(), ','), std::ptrdiff_t(60));
    }

    void lossCsvParsesAndPlotsStages() {
        const auto pts = parseLossCsv("step,seq_len,loss,lr,tokens_per_s\n1,256,7.5,1e-5,100\nbad row\n2,256,nan,1e-5,1\n"
                                      "3,1024,6.25,2e-5,90\n");
        QCOMPARE(pts.size(), size_t(2));
        QCOMPARE(pts[1].step, int64_t(3));
        QCOMPARE(pts[1].seqLen, int64_t(1024));
        QCOMPARE(pts[1].loss, 6.25);
        const std::string svg = lossPlotSvg(pts, "run");
        QVERIFY(svg.find("len 1024") != std::string::npos);  // the stage change is marked
        QVERIFY(svg.find("last 6.2500") != std::string::npos);
        QVERIFY(lossPlotSvg({}, "empty").find("<polyline") == std::string::npos);
    }

    void stoppedAndResumedEqualsStraight() {
        Fixture f;
        auto straight = f.options("straight", 16, 48);
        straight.checkpointEvery = 4;
        runTraining(straight, {}, {});
        auto halves = f.options("halves", 16, 48);
        halves.checkpointEvery = 4;
        halves.stopAfter = 6;  // not on a checkpoint boundary: stopping writes one
        QCOMPARE(runTraining(halves, {}, {}), int64_t(6));
        QCOMPARE(checkpointStep(halves.outDir), int64_t(6));
        halves.stopAfter = 0;
        int64_t resumedAt = -1;
        QCOMPARE(runTraining(halves, [&](const SessionInfo& i) { resumedAt = i.startStep; }, {}), int64_t(10));
        QCOMPARE(resumedAt, int64_t(6));

        const auto ids = testing::randomIds(4, 100, f.vocab);
        const double diff = maxAbsDiff(trainerLogprobs(straight.outDir, ids), trainerLogprobs(halves.outDir, ids));
        QVERIFY2(diff < 1e-5, qPrintable(QString("straight vs resumed: %1").arg(diff)));
        // ...and training did move the weights (else equality would prove nothing).
        auto untrained = f.options("untrained", 16, 48);
        untrained.stopAfter = 1;
        untrained.lr = 1e-12;
        runTraining(untrained, {}, {});
        QVERIFY(maxAbsDiff(trainerLogprobs(untrained.outDir, ids), trainerLogprobs(straight.outDir, ids)) > 0.05);
        const auto a = csvRows(straight.outDir + "/loss.csv"), b = csvRows(halves.outDir + "/loss.csv");
        QCOMPARE(b.size(), size_t(17));
        for (size_t i = 1; i < a.size(); ++i)  // step, seq_len, loss and lr agree; tokens/s may not
            QCOMPARE(QString::fromStdString(b[i]).section(',', 0, 3), QString::fromStdString(a[i]).section(',', 0, 3));
    }

    void killedCliRunResumesToTheSameWeights() {
        Fixture f;
        const QString tok = QString::fromStdString(f.dir + "/data/tokenizer");
        const QString text = QString::fromStdString(f.dir + "/data/text.txt");
        auto args = [&](const std::string& out) {
            return QStringList{"train", QString::fromStdString(f.dir + "/" + out), "--tokenizer", tok, "--text", text,
                               "--layers", "1", "--hidden", "32", "--heads", "2", "--kv-heads", "1",
                               "--intermediate", "64", "--seq-len", "32:300", "--batch", "2", "--checkpoint-every", "5",
                               "--threads", "1", "--compute", "float32", "--seed", "5"};
        };
        const auto straight = cli(args("straight"));
        QVERIFY2(straight.code == 0 && straight.output.contains("done: step 300 of 300"), qPrintable(straight.output));

        QProcess p;
        p.start(GATEAU_CLI_PATH, args("killed"));
        QVERIFY(p.waitForStarted());
        const std::string killed = f.dir + "/killed";
        for (int i = 0; i < 3000 && checkpointStep(killed) < 10; ++i) QThread::msleep(5);
        ::kill(pid_t(p.processId()), SIGKILL);
        p.waitForFinished();
        const int64_t at = checkpointStep(killed);
        if (at >= 300) QSKIP("the run finished before it could be killed");
        QVERIFY(at >= 10);
        const auto resumed = cli(args("killed"));
        QVERIFY2(resumed.code == 0 && resumed.output.contains("resuming at step " + QString::number(at)),
                 qPrintable(resumed.output));
        const auto ids = testing::randomIds(8, 64, f.vocab);
        const double diff = maxAbsDiff(trainerLogprobs(f.dir + "/straight", ids), trainerLogprobs(killed, ids));
        QVERIFY2(diff < 1e-5, qPrintable(QString("straight vs killed and resumed: %1").arg(diff)));
        QCOMPARE(csvRows(killed + "/loss.csv").size(), size_t(301));
    }

    void copyCurriculumCopiesAndRestores() {
        std::vector<int32_t> stream(5000);
        for (size_t i = 0; i < stream.size(); ++i) stream[i] = int32_t(i);  // every token unique
        SequenceSampler s(stream, {1.0, 8, 32}, 1);
        int64_t nearest = 1 << 30, farthest = 0;
        for (int k = 0; k < 50; ++k) {
            std::vector<CopySpan> copies;
            const auto seq = s.next(256, &copies);
            QVERIFY(!copies.empty());
            for (int64_t i = 1; i < 256 / 8; ++i) QCOMPARE((seq[i] - seq[i - 1] + 5000) % 5000, int64_t(1));
            int64_t prevEnd = 0;
            for (const auto& c : copies) {
                QVERIFY(c.len >= 1 && c.len <= 32 && c.src + c.len <= c.dst && c.dst >= prevEnd);
                for (int64_t i = 0; i < c.len; ++i) QCOMPARE(seq[size_t(c.dst + i)], seq[size_t(c.src + i)]);
                nearest = std::min(nearest, c.dst - c.src);
                farthest = std::max(farthest, c.dst - c.src);
                prevEnd = c.dst + c.len;
            }
        }
        QVERIFY2(nearest < 40 && farthest > 180, qPrintable(QString("distances %1..%2").arg(nearest).arg(farthest)));

        SequenceSampler half(stream, {0.5, 8, 32}, 2);
        int with = 0;
        for (int k = 0; k < 400; ++k) {
            std::vector<CopySpan> copies;
            half.next(128, &copies);
            with += !copies.empty();
        }
        QVERIFY2(with > 160 && with < 240, qPrintable(QString::number(with)));

        const auto state = half.state();
        const auto a1 = half.next(100), a2 = half.next(300);
        SequenceSampler again(stream, {0.5, 8, 32}, 99);
        again.restore(nlohmann::json::parse(state.dump()));
        QVERIFY(again.next(100) == a1 && again.next(300) == a2);
        QVERIFY_THROWS_EXCEPTION(TrainError, again.restore(nlohmann::json{{"cursor", 1}}));
    }

    void logDistanceCopiesSpreadOverOctaves() {
        // Log-uniform: the gap before a copy's source is below the square root of its largest
        // possible value half the time; uniform distances almost never are.
        std::vector<int32_t> stream(20000);
        for (size_t i = 0; i < stream.size(); ++i) stream[i] = int32_t(i);
        bool copiesHold = true;
        auto shareBelowRoot = [&](bool log) -> double {
            SequenceSampler s(stream, {1.0, 8, 32, 0, log}, 5);
            int below = 0, all = 0;
            for (int k = 0; k < 40; ++k) {
                std::vector<CopySpan> copies;
                const auto seq = s.next(4096, &copies);
                for (const auto& c : copies) {
                    for (int64_t i = 0; i < c.len; ++i) copiesHold &= seq[size_t(c.dst + i)] == seq[size_t(c.src + i)];
                    const double gap = double(c.dst - c.len - c.src), maxGap = double(c.dst - c.len);
                    copiesHold &= gap >= 0 && gap <= maxGap;
                    below += (gap + 1) * (gap + 1) <= maxGap + 1;
                    ++all;
                }
            }
            return double(below) / all;
        };
        const double logShare = shareBelowRoot(true), uniformShare = shareBelowRoot(false);
        QVERIFY(copiesHold);
        QVERIFY2(logShare > 0.4 && logShare < 0.6, qPrintable(QString::number(logShare)));
        QVERIFY2(uniformShare < 0.1, qPrintable(QString::number(uniformShare)));
    }

    void randomCopySequencesUseTheTextsIdsAndKeepTheCursor() {
        std::vector<int32_t> stream;
        for (int i = 0; i < 3000; ++i) stream.push_back(int32_t(100 + (i * 7) % 50));  // 50 distinct ids
        SequenceSampler s(stream, {1.0, 16, 64, 0.5}, 3);
        int random = 0;
        for (int k = 0; k < 200; ++k) {
            std::vector<CopySpan> copies;
            const auto seq = s.next(256, &copies);
            for (auto t : seq) QVERIFY(t >= 100 && t < 150);
            for (const auto& c : copies)
                for (int64_t i = 0; i < c.len; ++i) QCOMPARE(seq[size_t(c.dst + i)], seq[size_t(c.src + i)]);
            // Text sequences step by 7 (mod 50) in their uncopied prefix; random ones do not.
            bool text = true;
            for (int64_t i = 1; i < 32 && text; ++i) text = (seq[i] - seq[i - 1] + 50) % 50 == 7;
            random += !text;
        }
        QVERIFY2(random > 70 && random < 130, qPrintable(QString::number(random)));
        // Random sequences leave the text cursor alone: 200 x 256 tokens minus the random ones.
        QCOMPARE(s.state()["cursor"].get<uint64_t>(), uint64_t((200 - random) * 256) % stream.size());
    }

    void scheduleAndLearningRate() {
        TrainOptions o;
        o.schedule = parseSeqSchedule("256:1000,1024:500");
        QCOMPARE(o.schedule.size(), size_t(2));
        QCOMPARE(o.totalSteps(), int64_t(1500));
        QCOMPARE(o.seqLenAt(999), int64_t(256));
        QCOMPARE(o.seqLenAt(1000), int64_t(1024));
        o.lr = 1e-3;
        o.warmupSteps = 100;
        o.minLrRatio = 0.1;
        QCOMPARE(o.learningRate(0), 1e-5);
        QCOMPARE(o.learningRate(99), 1e-3);
        QVERIFY(std::fabs(o.learningRate(100) - 1e-3) < 1e-12);
        QVERIFY(std::fabs(o.learningRate(800) - 0.55e-3) < 1e-9);  // half-way through the decay
        QVERIFY(std::fabs(o.learningRate(1499) - 1e-4) < 1e-8);
        for (const char* bad : {"256", "0:5", "256:0", "256:x", "", "256:10,"})
            QVERIFY_THROWS_EXCEPTION(TrainError, parseSeqSchedule(bad));
    }

    void badFlagsGiveClearErrors() {
        Fixture f;
        const QString out = QString::fromStdString(f.dir + "/bad");
        const QString tok = QString::fromStdString(f.dir + "/data/tokenizer");
        const QString text = QString::fromStdString(f.dir + "/data/text.txt");
        const QStringList base = {"train", out, "--tokenizer", tok, "--text", text};
        struct Case {
            QStringList args;
            int code;
            QString message;
        };
        const std::vector<Case> cases = {
            {{"train", out}, 2, "--tokenizer PATH is required"},
            {base + QStringList{"--seq-len", "256"}, 2, "'256' is not LENGTH:STEPS"},
            {base + QStringList{"--seq-len", "256:abc"}, 2, "steps must be a positive integer, got 'abc'"},
            {base + QStringList{"--copy-fraction", "1.5"}, 2, "--copy-fraction must be between 0 and 1"},
            {base + QStringList{"--copy-span", "64"}, 2, "--copy-span must be MIN:MAX"},
            {base + QStringList{"--seq-len", "4096:10", "--max-pos", "1024"}, 2, "exceed max positions 1024"},
            {base + QStringList{"--compute", "fp8"}, 2, "--compute: unknown dtype 'fp8'"},
            {base + QStringList{"--rope-scaling", "dynamic:4"}, 2, "plain RoPE"},
            {base + QStringList{"--batch", "0"}, 2, "--batch must be at least 1"},
            {base + QStringList{"--lr", "fast"}, 2, "--lr expects a number, got 'fast'"},
            {base + QStringList{"--wobble", "1"}, 2, "unknown option --wobble"},
            {{"train", out, "--init-from", tok, "--layers", "4"}, 2, "--layers cannot be combined with --init-from"},
            {{"train", out, "--init-from", out + "/nowhere"}, 1, "nowhere/config.json: cannot read"},
            {{"train", out, "--tokenizer", tok, "--text", out + "/missing.txt"}, 1, "--text " + out + "/missing.txt: cannot read"},
            {{"train", QString::fromStdString(f.dir + "/data"), "--tokenizer", tok}, 1, "holds no gateau train run"},
        };
        for (const auto& c : cases) {
            const auto r = cli(c.args);
            QVERIFY2(r.code == c.code && r.output.contains(c.message) && r.output.startsWith("gateau train: "),
                     qPrintable(c.args.join(' ') + "\n -> " + QString::number(r.code) + ": " + r.output));
            QVERIFY2(!fs::exists(f.dir + "/bad/train.json"), qPrintable(c.args.join(' ')));
        }
        // A resumption with other options names them.
        const auto first = cli(base + QStringList{"--seq-len", "16:2", "--hidden", "16", "--heads", "2", "--kv-heads", "1",
                                                  "--intermediate", "32", "--layers", "1", "--stop-after", "1"});
        QVERIFY2(first.code == 0 && first.output.contains("stopped at step 1 of 2"), qPrintable(first.output));
        const auto other = cli(base + QStringList{"--seq-len", "16:2", "--hidden", "16", "--heads", "2", "--kv-heads",
                                                  "1", "--intermediate", "32", "--layers", "1", "--lr", "0.005"});
        QVERIFY2(other.code == 1 && other.output.contains("lr (0.001 in the folder, 0.005 now)"),
                 qPrintable(other.output));
    }

    // A short model with a sliding window, continued without one (the demo pair's recipe);
    // a llama continuation cannot get a window.
    void continuationChangesTheSlidingWindow() {
        Fixture f;
        const QString tok = QString::fromStdString(f.dir + "/data/tokenizer");
        const QString text = QString::fromStdString(f.dir + "/data/text.txt");
        const QString shortDir = QString::fromStdString(f.dir + "/short"), longDir = QString::fromStdString(f.dir + "/long");
        const QStringList tiny = {"--hidden", "16", "--heads", "2", "--kv-heads", "1", "--intermediate", "32", "--layers", "1"};
        const auto a = cli(QStringList{"train", shortDir, "--tokenizer", tok, "--text", text, "--arch", "mistral",
                                       "--sliding-window", "8", "--seq-len", "16:2"} + tiny);
        QVERIFY2(a.code == 0, qPrintable(a.output));
        QCOMPARE(nlohmann::json::parse(readFile(f.dir + "/short/config.json"))["sliding_window"].get<int64_t>(), int64_t(8));
        const auto b = cli({"train", longDir, "--init-from", shortDir, "--text", text, "--sliding-window", "0",
                            "--rope-theta", "500000", "--seq-len", "32:2"});
        QVERIFY2(b.code == 0, qPrintable(b.output));
        const auto cfg = nlohmann::json::parse(readFile(f.dir + "/long/config.json"));
        QVERIFY2(!cfg.contains("sliding_window") || cfg["sliding_window"].is_null(), qPrintable(QString::fromStdString(cfg.dump())));
        QCOMPARE(cfg["rope_theta"].get<double>(), 500000.0);

        const QString llama = QString::fromStdString(f.dir + "/llama");
        QVERIFY(cli(QStringList{"train", llama, "--tokenizer", tok, "--text", text, "--seq-len", "16:1"} + tiny).code == 0);
        const auto bad = cli({"train", QString::fromStdString(f.dir + "/bad"), "--init-from", llama, "--text", text,
                              "--sliding-window", "8", "--seq-len", "16:1"});
        QVERIFY2(bad.code != 0 && bad.output.contains("is a llama model"), qPrintable(bad.output));
    }
};

QTEST_GUILESS_MAIN(TestTrain)
#include "test_train.moc"
