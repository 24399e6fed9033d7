// The per-sample inspector against independent truth: a real project scored by the CLI with
// two tiny random models, the prompt rebuilt here with the tokenizer, the stored arrays decoded
// here, and token-level attention computed here with a direct Engine::scoreSpan call.
#include "tests/scoring/run_fixture.h"
#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/engine.h"
#include "core/scoring/prompt.h"
#include "core/tokenizer/tokenizer.h"
#include "db/project_store.h"
#include "db/run_store.h"
#include "db/token_attention.h"
#include "ui/heatmap/matrix_heatmap.h"
#include "ui/heatmap/segment_minimap.h"
#include "ui/heatmap/token_heatmap_view.h"
#include "ui/inspector/inspector_data.h"
#include "ui/inspector/inspector_panel.h"
#include "ui/inspector/token_attention_worker.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QPushButton>
#include <QLabel>
#include <QSignalSpy>

#include "ui/tasks/task_runner.h"
#include <QToolButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <qcustomplot.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>

using namespace gateau;
using gateau::ui::InspectorData;
using gateau::ui::InspectorPanel;

namespace {

const QString kMistral = QStringLiteral(GATEAU_SHARED_DIR "/testdata/tokenizers/mistral");

struct Cli {
    int code = -1;
    QString out, err;
};

Cli runCli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(GATEAU_CLI_PATH), args);
    Cli r;
    if (!p.waitForFinished(300000)) {
        p.kill();
        p.waitForFinished();
        r.err = QStringLiteral("timeout");
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

using gateau::test::words;

void writeDataset(const std::string& path) {
    std::ofstream out(path);
    for (int i = 1; i <= 3; ++i) {
        nlohmann::json rec;
        rec["id"] = "s" + std::to_string(i);
        const std::string user = words(140 + 10 * i, i) + "\n\nWhich of the words above name a place?";
        const std::string answer = "The notes name " + words(6, i * 5) + "places.";
        rec["messages"] = {{{"role", "user"}, {"content", user}}, {{"role", "assistant"}, {"content", answer}}};
        out << rec.dump() << "\n";
    }
}

void writeRun(const QString& path, int segmentLen, int maxTokens) {
    nlohmann::json j{{"model_a", "m1"}, {"model_b", "m2"}, {"segment_len", segmentLen}, {"max_tokens", maxTokens},
                     {"dtype", "float32"}};
    std::ofstream(path.toStdString()) << j.dump();
}

bool waitLoaded(InspectorPanel& panel, QSignalSpy& spy, int timeoutMs = 60000) {
    Q_UNUSED(panel);
    return spy.count() > 0 || spy.wait(timeoutMs);
}

}  // namespace

class TestInspector : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString project_, demoProject_;
    int64_t runId_ = 0, demoRunId_ = 0;
    std::vector<int64_t> samples_, demoSamples_;
    bool ready_ = false;

    QString path(const QString& name) const { return dir_.filePath(name); }
    void requireReady() {
        if (!QFileInfo::exists(kMistral)) QSKIP("testdata/tokenizers/mistral missing");
        QVERIFY2(ready_, "project set-up failed (see initTestCase)");
    }
    scoring::PromptConfig promptConfig() const {
        scoring::PromptConfig c;  // default template and BOS, RUN.json's numbers
        c.segmentLen = 32;
        c.maxTokens = 400;
        return c;
    }
    static void grab(QWidget& w, const QString& file) {
        QCoreApplication::processEvents();
        w.grab().save(file);
    }

private slots:
    void initTestCase();
    void loaderMatchesStore();
    void panelPaintsSample();
    void clickResponseTokenShowsItsRow();
    void sharedScaleComparesSamples();
    void searchHitsMarkedInContext();
    void newerRequestSupersedes();
    void loadsRunOnTheTaskRunner();
    void tokenLevelMatchesEngine();
    void tokenLevelMeanOfResponse();
    void unscoredSampleShowsConversation();
    void corruptBlobGivesMessage();
    void screenshots();
    void missingModelFolder();
};

void TestInspector::initTestCase() {
    if (!QFileInfo::exists(kMistral)) QSKIP("testdata/tokenizers/mistral missing");
    QVERIFY(dir_.isValid());
    for (auto [name, seed] : {std::pair{"m1", "1"}, std::pair{"m2", "2"}}) {
        const Cli r = runCli({"make-tiny-model", path(name), "--arch", "llama", "--tokenizer", kMistral, "--layers", "2",
                              "--hidden", "64", "--heads", "4", "--kv-heads", "2", "--intermediate", "128", "--seed", seed,
                              "--max-pos", "4096"});  // DEMO_RUN's max_tokens must fit B's window
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }
    writeDataset(path("data.jsonl").toStdString());
    project_ = path("P.gateau");
    Cli r = runCli({"import", project_, path("data.jsonl")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    writeRun(path("RUN.json"), 32, 400);
    // Two of three: the third stays unscored for unscoredSampleShowsConversation.
    r = runCli({"score", project_, "--config", path("RUN.json"), "--limit", "2"});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));

    // A realistic sample for the screenshots.
    r = runCli({"make-demo-dataset", path("demo.jsonl"), "--samples", "3", "--min-words", "800", "--max-words", "1500"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    demoProject_ = path("D.gateau");
    r = runCli({"import", demoProject_, path("demo.jsonl")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    writeRun(path("DEMO_RUN.json"), 64, 4096);
    r = runCli({"score", demoProject_, "--config", path("DEMO_RUN.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));

    for (auto [file, run, samples] : {std::tuple{project_, &runId_, &samples_}, std::tuple{demoProject_, &demoRunId_, &demoSamples_}}) {
        auto store = db::ProjectStore::open(file.toStdString(), false);
        const auto runs = db::listRuns(store);
        QCOMPARE(int(runs.size()), 1);
        *run = runs.front().id;
        for (const auto& s : store.samplesAfter(0, 100)) samples->push_back(s.id);
        QCOMPARE(int(samples->size()), 3);
    }
    ready_ = true;
}

void TestInspector::loaderMatchesStore() {
    requireReady();
    auto store = db::ProjectStore::open(project_.toStdString(), false);
    const auto tokenizer = tok::Tokenizer::load(path("m2").toStdString());
    for (int i = 0; i < 2; ++i) {
        const int64_t sid = samples_[size_t(i)];
        const InspectorData d = ui::loadInspectorData(store, runId_, sid);
        QVERIFY2(d.error.empty(), d.error.c_str());
        QVERIFY2(d.messages.empty(), d.messages.empty() ? "" : d.messages.front().c_str());
        QVERIFY(d.hasArrays);
        QVERIFY(d.hasTokens);
        QCOMPARE(QString::fromStdString(d.externalId), QStringLiteral("s%1").arg(i + 1));

        // Independent truth: our own prompt and our own decode of the stored blob.
        const auto text = store.sampleText(sid);
        QVERIFY(text);
        const scoring::BuiltPrompt p = scoring::buildPrompt(*tokenizer, text->conversation, promptConfig());
        const auto row = db::loadSampleScore(store, runId_, sid);
        QVERIFY(row && row->status == "done");
        const db::ScoreArrays a = db::decodeScoreArrays(row->arraysBlob);
        QVERIFY(p.segments.size() >= 4);  // ~150 words in 32-token segments
        QCOMPARE(int64_t(p.segments.size()), a.segments);

        QCOMPARE(d.contextTokenCount(), p.contextEnd - p.contextBegin);
        QCOMPARE(int64_t(d.contextValues.size()), p.contextEnd - p.contextBegin);
        QCOMPARE(d.spanFrom, p.spanFrom);
        QCOMPARE(int64_t(d.ids.size()), p.spanEnd);
        for (size_t k = 0; k < p.segments.size(); ++k) {
            const auto [b, e] = p.segments[k];
            for (int64_t pos = b; pos < e; ++pos)
                QCOMPARE(d.contextValues[size_t(pos - p.contextBegin)], a.attention[k] / float(e - b));
        }
        QCOMPARE(int64_t(d.responseDelta.size()), p.spanEnd - p.spanFrom);
        for (size_t t = 0; t < d.responseDelta.size(); ++t)
            QCOMPARE(d.responseDelta[t], a.logprobsB[t] - a.logprobsA[t]);
        QCOMPARE(int(d.tokenTexts.size()), int(d.ids.size()));
        QCOMPARE(d.tokenTexts[size_t(p.spanFrom)], tokenizer->tokenText(int32_t(p.ids[size_t(p.spanFrom)])));
    }
}

void TestInspector::panelPaintsSample() {
    requireReady();
    InspectorPanel panel;
    panel.resize(1400, 900);
    panel.show();
    QSignalSpy spy(&panel, &InspectorPanel::loaded);
    auto shownText = [&](const QString& text) {
        for (const QLabel* l : panel.findChildren<QLabel*>())
            if (l->isVisibleTo(&panel) && l->text() == text) return true;
        return false;
    };
    QVERIFY(shownText("No project is open."));
    panel.setProject(project_);
    // A project without a chosen sample asks for one (it once still said no project was open).
    QVERIFY(shownText("Select a sample to inspect it."));
    QElapsedTimer timer;
    timer.start();
    panel.showSample(runId_, samples_[0]);
    QVERIFY(waitLoaded(panel, spy));
    qInfo("sample load (tiny project): %lld ms wall, loader %.1f ms", qint64(timer.elapsed()),
          panel.data()->loadSeconds * 1000);
    QCOMPARE(spy.front().front().toLongLong(), qint64(samples_[0]));
    const InspectorData& d = *panel.data();
    QVERIFY(!panel.showsConversationOnly());
    QCOMPARE(panel.message(), QString());
    QCOMPARE(int64_t(panel.contextView()->tokenCount()), d.contextEnd - d.contextBegin);
    QCOMPARE(int64_t(panel.responseView()->tokenCount()), d.arrays.responseTokens);
    QCOMPARE(panel.contextView()->positionOffset(), d.contextBegin);
    QCOMPARE(panel.responseView()->positionOffset(), d.spanFrom);
    QCOMPARE(int64_t(panel.minimap()->segmentCount()), d.arrays.segments);
    QCOMPARE(int64_t(panel.layerMatrix()->rows()), d.arrays.layers);
    QCOMPARE(int64_t(panel.layerMatrix()->cols()), d.arrays.segments);
    QCOMPARE(panel.profilePlot()->graphCount(), 2);
    QCOMPARE(panel.focusToken(), -1);
    QVERIFY(!panel.tokenLevelShown());
    // Default context values: stored attention per token.
    QCOMPARE(panel.contextView()->values(), d.contextValues);
    // Hover text carries the id and the absolute position.
    const QString tip = panel.contextView()->toolTipForToken(3);
    QVERIFY2(tip.contains(QStringLiteral("position: %1").arg(d.contextBegin + 3)), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("id: %1").arg(d.ids[size_t(d.contextBegin + 3)])), qPrintable(tip));

    // Minimap click -> the context view scrolls to the segment's first token; matrix click too.
    const int last = int(d.segments.size()) - 1;
    panel.jumpToSegment(last);
    QCoreApplication::processEvents();
    const auto vis = panel.contextView()->visibleTokenRange();
    const int firstOfLast = int(d.segments.back().first - d.contextBegin);
    QVERIFY2(vis.first <= firstOfLast && firstOfLast <= vis.second, qPrintable(QStringLiteral("%1..%2 vs %3").arg(vis.first).arg(vis.second).arg(firstOfLast)));
    QCOMPARE(panel.layerMatrix()->selectedColumn(), last);
    const auto segs = panel.minimap()->visibleSegments();
    QVERIFY(segs.first <= last && last <= segs.second);
}

// "Shared": the scale of the sample in view when it was turned on colours every later sample;
// off, each sample its own range again.
void TestInspector::sharedScaleComparesSamples() {
    requireReady();
    InspectorPanel panel;
    panel.resize(1400, 900);
    panel.show();
    QSignalSpy spy(&panel, &InspectorPanel::loaded);
    panel.setProject(project_);
    auto show = [&](int64_t id) {
        spy.clear();
        panel.showSample(runId_, id);
        return waitLoaded(panel, spy);
    };
    QVERIFY(show(samples_[1]));
    const ui::ColorScale own1 = panel.contextView()->colorScale();
    QVERIFY(show(samples_[0]));
    const ui::ColorScale own0 = panel.contextView()->colorScale();
    QVERIFY2(own0 != own1, "the two samples need different ranges for this test to mean anything");
    panel.sharedScaleButton()->setChecked(true);
    QVERIFY(panel.contextView()->colorScale() == own0);
    QVERIFY(show(samples_[1]));
    QVERIFY(panel.contextView()->colorScale() == own0);  // sample 0's scale, not its own
    panel.sharedScaleButton()->setChecked(false);
    QVERIFY(panel.contextView()->colorScale() == own1);
}

// The browser's search words marked in the context: a whole word of the sample found again
// wherever it occurs, nothing once the search is cleared.
void TestInspector::searchHitsMarkedInContext() {
    requireReady();
    InspectorPanel panel;
    panel.resize(1400, 900);
    panel.show();
    QSignalSpy spy(&panel, &InspectorPanel::loaded);
    panel.setProject(project_);
    panel.showSample(runId_, samples_[0]);
    QVERIFY(waitLoaded(panel, spy));
    const InspectorData& d = *panel.data();
    // A context token that is a whole word of 4+ letters: " word" followed by a space or punctuation.
    QString word;
    for (int64_t t = d.contextBegin; t + 1 < d.contextEnd && word.isEmpty(); ++t) {
        const QString a = QString::fromStdString(d.tokenTexts[size_t(t)]), b = QString::fromStdString(d.tokenTexts[size_t(t + 1)]);
        const QString w = a.mid(1);
        bool letters = a.startsWith(' ') && w.size() >= 4;
        for (QChar c : w) letters = letters && c.isLetter() && c.unicode() < 128;
        if (letters && !b.isEmpty() && !b.front().isLetterOrNumber()) word = w;
    }
    QVERIFY2(!word.isEmpty(), "no whole-word token in the sample");
    panel.setSearchQuery(word.toUpper());
    const auto& hits = panel.contextView()->highlights();
    QVERIFY(!hits.empty());
    for (const auto& [a, b] : hits) {
        QString text;
        for (int t = a; t < b; ++t) text += QString::fromStdString(d.tokenTexts[size_t(d.contextBegin + t)]);
        QVERIFY2(text.contains(word, Qt::CaseInsensitive), qPrintable(text + " vs " + word));
    }
    grab(panel, QStringLiteral("/tmp/inspector_search.png"));  // to look at, like screenshots()
    // The view opened at the first hit.
    const auto vis = panel.contextView()->visibleTokenRange();
    QVERIFY(vis.first <= hits.front().first && hits.front().first <= vis.second);
    panel.setSearchQuery(QString());
    QVERIFY(panel.contextView()->highlights().empty());
}

void TestInspector::clickResponseTokenShowsItsRow() {
    requireReady();
    InspectorPanel panel;
    panel.resize(1400, 900);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QSignalSpy spy(&panel, &InspectorPanel::loaded);
    panel.setProject(project_);
    panel.showSample(runId_, samples_[1]);
    QVERIFY(waitLoaded(panel, spy));
    const InspectorData& d = *panel.data();
    const int t = 4;
    auto* view = panel.responseView();
    view->scrollToToken(t);
    const QRect rect = view->tokenRect(t);
    QVERIFY(!rect.isNull());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(panel.focusToken(), t);

    db::ScoreArrays a;
    {
        auto store = db::ProjectStore::open(project_.toStdString(), false);
        a = db::decodeScoreArrays(db::loadSampleScore(store, runId_, samples_[1])->arraysBlob);
    }
    const auto& values = panel.contextView()->values();
    QCOMPARE(int64_t(values.size()), d.contextEnd - d.contextBegin);
    for (size_t k = 0; k < d.segments.size(); ++k) {
        const auto [b, e] = d.segments[k];
        const float expected = a.tokenSegmentAttention[size_t(t) * size_t(a.segments) + k] / float(e - b);
        for (int64_t pos = b; pos < e; ++pos) QCOMPARE(values[size_t(pos - d.contextBegin)], expected);
    }
    QCOMPARE(panel.profilePlot()->graphCount(), 3);  // + the token's profile

    // "Mean of response" goes back.
    panel.showMeanOfResponse();
    QCOMPARE(panel.focusToken(), -1);
    QCOMPARE(panel.contextView()->values(), d.contextValues);
}

void TestInspector::newerRequestSupersedes() {
    requireReady();
    InspectorPanel panel;
    QSignalSpy spy(&panel, &InspectorPanel::loaded);
    panel.setProject(project_);
    panel.showSample(runId_, samples_[0]);
    panel.showSample(runId_, samples_[1]);
    QVERIFY(spy.wait(60000));
    QTest::qWait(200);  // anything stale would have arrived by now
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.front().front().toLongLong(), qint64(samples_[1]));
    QCOMPARE(panel.data()->sampleId, samples_[1]);

    panel.clear();
    QVERIFY(panel.data() == nullptr);
    QCOMPARE(panel.contextView()->tokenCount(), 0);
}

// The inspector's loads run on the application's task runner (no thread of its own): the
// runner sees them, and a panel destroyed with a load in flight leaves nothing behind.
void TestInspector::loadsRunOnTheTaskRunner() {
    requireReady();
    auto* panel = new InspectorPanel;
    panel->setProject(project_);
    panel->showSample(runId_, samples_[0]);
    QVERIFY(ui::TaskRunner::instance().busy(panel, QStringLiteral("load")));
    QVERIFY(ui::TaskRunner::instance().pending() > 0);
    delete panel;  // the load may still run; its result goes nowhere
    QVERIFY(ui::TaskRunner::instance().waitForIdle());
    QCOMPARE(ui::TaskRunner::instance().pending(), 0);

    InspectorPanel again;
    QSignalSpy spy(&again, &InspectorPanel::loaded);
    again.setProject(project_);
    again.showSample(runId_, samples_[1]);
    QVERIFY(spy.wait(60000));
    QCOMPARE(again.data()->sampleId, samples_[1]);
    QVERIFY(!ui::TaskRunner::instance().busy(&again, QStringLiteral("load")));
}

void TestInspector::tokenLevelMatchesEngine() {
    requireReady();
    const int64_t sid = samples_[0];
    const int t = 2;
    InspectorPanel panel;
    panel.resize(1400, 900);
    QSignalSpy loaded(&panel, &InspectorPanel::loaded);
    QSignalSpy shown(&panel, &InspectorPanel::tokenAttentionShown);
    QSignalSpy failed(&panel, &InspectorPanel::tokenAttentionFailed);
    panel.setProject(project_);
    panel.showSample(runId_, sid);
    QVERIFY(waitLoaded(panel, loaded));
    const InspectorData d = *panel.data();
    panel.focusResponseToken(t);
    QVERIFY(panel.tokenLevelButton()->isEnabled());
    QElapsedTimer timer;
    timer.start();
    QTest::mouseClick(panel.tokenLevelButton(), Qt::LeftButton);
    QVERIFY2(shown.wait(120000), failed.isEmpty() ? "no result" : qPrintable(failed.front().at(1).toString()));
    qInfo("token-level attention (tiny model, %lld tokens): %lld ms wall incl. engine load", qint64(d.ids.size()),
          qint64(timer.elapsed()));
    const int64_t pos = d.spanFrom + t;
    QCOMPARE(shown.front().at(1).toLongLong(), qint64(pos));
    QVERIFY(panel.tokenLevelShown());
    QCOMPARE(panel.engineLoads(), 1);
    QCOMPARE(panel.forwardPasses(), 1);

    // Truth: model B directly.
    model::EngineOptions opt;
    opt.dtype = model::ComputeDtype::Float32;
    auto engine = model::loadEngine(model::Checkpoint::open(path("m2").toStdString()), opt);
    model::SpanRequest req;
    req.spanFrom = d.spanFrom;
    req.keyAttentionFor = {pos};
    const model::SpanResult res = engine->scoreSpan(d.ids, req);
    QCOMPARE(res.n, int64_t(d.ids.size()));
    const auto& values = panel.contextView()->values();
    QCOMPARE(int64_t(values.size()), d.contextEnd - d.contextBegin);
    double maxErr = 0;
    for (int64_t p = d.contextBegin; p < d.contextEnd; ++p)
        maxErr = std::max(maxErr, std::fabs(double(values[size_t(p - d.contextBegin)]) - res.keyAttention[size_t(p)]));
    QVERIFY2(maxErr < 1e-3, qPrintable(QString::number(maxErr)));
    {
        auto store = db::ProjectStore::open(project_.toStdString(), false);
        const auto cached = db::loadTokenAttention(store, runId_, sid, pos);
        QVERIFY(cached);
        QCOMPARE(int64_t(cached->size()), int64_t(d.ids.size()));
    }

    // Automatic once requested: another token is computed on click, same engine.
    shown.clear();
    panel.focusResponseToken(t + 1);
    QVERIFY(shown.wait(120000));
    QCOMPARE(shown.front().at(1).toLongLong(), qint64(pos + 1));
    QCOMPARE(panel.engineLoads(), 1);
    QCOMPARE(panel.forwardPasses(), 2);

    // A new project visit frees the engine; the same request comes from the cache.
    panel.setProject(project_);
    loaded.clear();
    panel.showSample(runId_, sid);
    QVERIFY(waitLoaded(panel, loaded));
    QVERIFY(!panel.tokenLevelShown());  // segment level until asked
    panel.focusResponseToken(t);
    shown.clear();
    panel.requestTokenAttention();
    QVERIFY(shown.wait(60000));
    QCOMPARE(panel.engineLoads(), 1);
    QCOMPARE(panel.forwardPasses(), 2);
    QCOMPARE(panel.cacheHits(), 1);
    QVERIFY(panel.tokenLevelShown());
    double maxErr2 = 0;
    for (int64_t p = d.contextBegin; p < d.contextEnd; ++p)
        maxErr2 = std::max(maxErr2, std::fabs(double(panel.contextView()->values()[size_t(p - d.contextBegin)]) -
                                              res.keyAttention[size_t(p)]));
    QVERIFY2(maxErr2 < 1e-3, qPrintable(QString::number(maxErr2)));
}

void TestInspector::tokenLevelMeanOfResponse() {
    requireReady();
    InspectorData d;
    {
        auto store = db::ProjectStore::open(project_.toStdString(), false);
        d = ui::loadInspectorData(store, runId_, samples_[1]);
    }
    QVERIFY(d.hasTokens);
    ui::TokenAttentionRequest req;
    req.projectPath = project_.toStdString();
    req.runId = runId_;
    req.sampleId = samples_[1];
    req.modelB = d.modelB;
    req.dtype = d.dtype;
    req.ids = d.ids;
    req.spanFrom = d.spanFrom;
    req.queryPosition = db::kMeanOfResponse;

    model::EngineOptions opt;
    opt.dtype = model::ComputeDtype::Float32;
    auto engine = model::loadEngine(model::Checkpoint::open(path("m2").toStdString()), opt);
    model::SpanRequest sr;
    sr.spanFrom = d.spanFrom;
    sr.keyAttentionAll = true;
    const model::SpanResult res = engine->scoreSpan(d.ids, sr);
    const int64_t n = res.n, rows = n - d.spanFrom;
    QCOMPARE(int64_t(res.keyAttention.size()), rows * n);

    // One pass, and with a budget that forces one pass per response token: same numbers.
    for (int64_t budget : {int64_t(512) << 20, n * 4}) {
        ui::TokenAttentionComputer computer;
        computer.setMemoryBudget(budget);
        req.useCache = false;
        const ui::TokenAttentionResult r = computer.compute(req);
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(computer.forwardPasses(), budget == n * 4 ? int(rows) : 1);
        QCOMPARE(int64_t(r.attention.size()), n);
        for (int64_t k = 0; k < n; ++k) {
            double mean = 0;
            for (int64_t i = 0; i < rows; ++i) mean += res.keyAttention[size_t(i * n + k)];
            mean /= double(rows);
            QVERIFY2(std::fabs(r.attention[size_t(k)] - mean) < 1e-5, qPrintable(QString::number(k)));
        }
    }
    // Saved: a later request reads the cache (no engine).
    ui::TokenAttentionComputer cached;
    req.useCache = true;
    const ui::TokenAttentionResult r = cached.compute(req);
    QVERIFY(r.fromCache);
    QCOMPARE(cached.engineLoads(), 0);

    // Cancel: a progress callback that says stop.
    ui::TokenAttentionComputer cancelled;
    req.useCache = false;
    const ui::TokenAttentionResult c = cancelled.compute(req, [](int64_t, int64_t) { return false; });
    QVERIFY(c.cancelled);
    QVERIFY(c.attention.empty());
}

void TestInspector::unscoredSampleShowsConversation() {
    requireReady();
    InspectorPanel panel;
    QSignalSpy spy(&panel, &InspectorPanel::loaded);
    panel.setProject(project_);
    panel.showSample(runId_, samples_[2]);
    QVERIFY(waitLoaded(panel, spy));
    QVERIFY(panel.showsConversationOnly());
    QVERIFY2(panel.message().contains(QStringLiteral("not scored")), qPrintable(panel.message()));
    QVERIFY(panel.data()->hasConversation);

    spy.clear();
    panel.showSample(0, samples_[0]);
    QVERIFY(waitLoaded(panel, spy));
    QVERIFY(panel.showsConversationOnly());
    QVERIFY2(panel.message().contains(QStringLiteral("No scoring run")), qPrintable(panel.message()));

    // Scoring the rest (the run resumes) makes it inspectable.
    const Cli r = runCli({"score", project_, "--config", path("RUN.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    spy.clear();
    panel.showSample(runId_, samples_[2]);
    QVERIFY(waitLoaded(panel, spy));
    QVERIFY(!panel.showsConversationOnly());
    QVERIFY(panel.data()->hasTokens);
}

void TestInspector::corruptBlobGivesMessage() {
    requireReady();
    const QString copy = path("corrupt.gateau");
    QFile::remove(copy);
    QVERIFY(QFile::copy(project_, copy));
    {
        auto store = db::ProjectStore::open(copy.toStdString(), false);
        auto st = store.db().prepare("UPDATE sample_scores SET arrays = x'01020304' WHERE sample_id = ?1");
        st.bind(1, samples_[0]).run();
    }
    InspectorPanel panel;
    QSignalSpy spy(&panel, &InspectorPanel::loaded);
    panel.setProject(copy);
    panel.showSample(runId_, samples_[0]);
    QVERIFY(waitLoaded(panel, spy));
    QVERIFY(panel.showsConversationOnly());
    QVERIFY2(panel.message().contains(QStringLiteral("corrupt")), qPrintable(panel.message()));

    // A project that is not there: a message, no crash.
    spy.clear();
    panel.setProject(path("nope/none.gateau"));
    panel.showSample(runId_, samples_[0]);
    QVERIFY(waitLoaded(panel, spy));
    QVERIFY(!panel.data()->error.empty());
}

void TestInspector::screenshots() {
    requireReady();
    InspectorPanel panel;
    panel.resize(1400, 900);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QSignalSpy loaded(&panel, &InspectorPanel::loaded);
    QSignalSpy shown(&panel, &InspectorPanel::tokenAttentionShown);
    panel.setProject(demoProject_);
    QElapsedTimer timer;
    timer.start();
    panel.showSample(demoRunId_, demoSamples_[0]);
    QVERIFY(waitLoaded(panel, loaded));
    const InspectorData& d = *panel.data();
    qInfo("sample load (demo, %lld prompt tokens, %lld segments): %lld ms wall, loader %.1f ms", qint64(d.ids.size()),
          qint64(d.arrays.segments), qint64(timer.elapsed()), d.loadSeconds * 1000);
    QVERIFY(d.hasTokens);
    QVERIFY(d.messages.empty());
    grab(panel, QStringLiteral("/tmp/inspector_mean.png"));

    const int t = int(std::min<int64_t>(5, d.arrays.responseTokens - 1));
    panel.focusResponseToken(t);
    QVERIFY(panel.findChild<QPushButton*>(QString(), Qt::FindChildrenRecursively) != nullptr);
    for (auto* b : panel.findChildren<QPushButton*>())
        if (b->text() == QStringLiteral("Mean of response")) QVERIFY(b->isEnabled());
    grab(panel, QStringLiteral("/tmp/inspector_token.png"));

    timer.restart();
    panel.requestTokenAttention();
    QVERIFY(shown.wait(120000));
    qInfo("token-level attention (demo, tiny model, %lld tokens): %lld ms wall incl. engine load",
          qint64(d.ids.size()), qint64(timer.elapsed()));
    QVERIFY(panel.tokenLevelShown());
    grab(panel, QStringLiteral("/tmp/inspector_token_level.png"));

    shown.clear();
    panel.showMeanOfResponse();
    QVERIFY(shown.wait(120000));
    grab(panel, QStringLiteral("/tmp/inspector_mean_token_level.png"));

    // A second sample of the same run: the tokenizer is already loaded.
    loaded.clear();
    timer.restart();
    panel.showSample(demoRunId_, demoSamples_[2]);
    QVERIFY(waitLoaded(panel, loaded));
    qInfo("second sample load (demo, %lld prompt tokens): %lld ms wall, loader %.1f ms",
          qint64(panel.data()->ids.size()), qint64(timer.elapsed()), panel.data()->loadSeconds * 1000);
    if (auto* tabs = panel.findChild<QTabWidget*>()) {
        tabs->setCurrentIndex(1);
        grab(panel, QStringLiteral("/tmp/inspector_conversation_tab.png"));
        tabs->setCurrentIndex(0);
    }

    loaded.clear();
    panel.showSample(0, demoSamples_[1]);
    QVERIFY(waitLoaded(panel, loaded));
    grab(panel, QStringLiteral("/tmp/inspector_conversation_only.png"));
}

void TestInspector::missingModelFolder() {
    requireReady();
    const QString m2 = path("m2"), moved = path("m2-moved");
    QVERIFY(QDir().rename(m2, moved));
    InspectorPanel panel;
    panel.resize(1400, 900);
    panel.show();
    QSignalSpy loaded(&panel, &InspectorPanel::loaded);
    panel.setProject(project_);
    panel.showSample(runId_, samples_[1]);
    const bool ok = waitLoaded(panel, loaded);
    const QString msg = panel.message();
    const bool tokens = panel.data() && panel.data()->hasTokens;
    const int responseTokens = panel.responseView()->tokenCount();
    const int rows = panel.layerMatrix()->rows();
    const bool buttonEnabled = panel.tokenLevelButton()->isEnabled();
    if (ok) grab(panel, QStringLiteral("/tmp/inspector_missing_model.png"));
    QDir().rename(moved, m2);  // restore before any check can return
    QVERIFY(ok);
    QVERIFY2(msg.contains(QStringLiteral("missing")), qPrintable(msg));
    QVERIFY(!tokens);
    QVERIFY(!panel.showsConversationOnly());
    QVERIFY(responseTokens > 0);  // log-prob difference per position
    QVERIFY(rows == 2);            // the layer matrix still works
    QCOMPARE(panel.profilePlot()->graphCount(), 2);
    QVERIFY(!buttonEnabled);
}

QTEST_MAIN(TestInspector)
#include "test_inspector.moc"
