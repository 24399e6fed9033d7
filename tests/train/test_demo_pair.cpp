// The shipped demo pair (resources/demo-models, made by packaging/train-demo-models.sh) does
// what the demo needs of it: B copies a span it saw thousands of tokens earlier, A copies
// only within its 1,024-token window, and both copy at short range. The probe is the
// independent truth: a span of text tokens repeated after D tokens of filler, nothing else
// predictable, so a low loss on the repeat can only come from copying.
#include <QtTest>

#include <cmath>
#include <random>

#include "core/datasets/demo_corpus.h"
#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/tokenizer/tokenizer.h"

using namespace gateau;

namespace {
const std::string kModels = GATEAU_SOURCE_DIR "/resources/demo-models";

// The ids the demo corpus uses (what the pair was trained on; the demo's responses are that
// text). Ids the text never uses keep their random initial embeddings.
std::vector<int32_t> textIds() {
    const auto tok = tok::Tokenizer::load(kModels + "/long/tokenizer.json");
    std::vector<int32_t> ids;
    for (const auto& passage : datasets::loadDemoCorpus()) {
        const auto more = tok->encode(passage.text, false);
        ids.insert(ids.end(), more.begin(), more.end());
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

// Mean negative log-likelihood of the span's second occurrence (its first token excluded:
// nothing points at it) after `distance` tokens of filler, averaged over a few draws.
double repeatLoss(model::Engine& engine, const std::vector<int32_t>& alphabet, int64_t distance) {
    std::mt19937_64 rng(1234 + uint64_t(distance));
    auto draw = [&] { return int64_t(alphabet[rng() % alphabet.size()]); };
    constexpr int kSpan = 32, kDraws = 3;
    double total = 0;
    for (int d = 0; d < kDraws; ++d) {
        std::vector<int64_t> ids;
        for (int i = 0; i < 16; ++i) ids.push_back(draw());
        std::vector<int64_t> span;
        for (int i = 0; i < kSpan; ++i) span.push_back(draw());
        ids.insert(ids.end(), span.begin(), span.end());
        for (int64_t i = 0; i < distance; ++i) ids.push_back(draw());
        const int64_t second = int64_t(ids.size());
        ids.insert(ids.end(), span.begin(), span.end());
        model::SpanRequest req;
        req.spanFrom = second + 1;
        const auto r = engine.scoreSpan(ids, req);  // logprobs of tokens second+1 .. end
        double sum = 0;
        for (float lp : r.logprobs) sum -= lp;
        total += sum / double(r.logprobs.size());
    }
    return total / kDraws;
}

std::unique_ptr<model::Engine> load(const std::string& name) {
    model::EngineOptions opts;
    opts.dtype = model::ComputeDtype::Float32;
    return model::loadEngine(model::Checkpoint::open(kModels + "/" + name), opts);
}
}  // namespace

class TestDemoPair : public QObject {
    Q_OBJECT
private slots:
    void pairIsHomologousWithAShortWindow() {
        const auto a = model::Checkpoint::open(kModels + "/short"), b = model::Checkpoint::open(kModels + "/long");
        QCOMPARE(a.config().slidingWindow.value_or(0), int64_t(1024));
        QVERIFY(!b.config().slidingWindow);
        QCOMPARE(a.config().hiddenSize, b.config().hiddenSize);
        QCOMPARE(a.config().numLayers, b.config().numLayers);
        QCOMPARE(a.config().vocabSize, b.config().vocabSize);
    }

    void bothCopyNearbyOnlyBCopiesFarBack() {
        const auto alphabet = textIds();
        QVERIFY2(alphabet.size() > 1000, "the demo corpus (Debian licence and documentation files) is missing");
        auto a = load("short"), b = load("long");
        const double uniform = std::log(2258.0);  // what a model that cannot copy pays, at best
        for (int64_t d : {100, 600}) {
            const double la = repeatLoss(*a, alphabet, d), lb = repeatLoss(*b, alphabet, d);
            qInfo("distance %lld: A %.2f nats, B %.2f nats", (long long)d, la, lb);
            QVERIFY2(la < 3.0 && lb < 3.0, qPrintable(QString("both copy at %1: A %2, B %3").arg(d).arg(la).arg(lb)));
        }
        for (int64_t d : {2000, 3500}) {
            const double la = repeatLoss(*a, alphabet, d), lb = repeatLoss(*b, alphabet, d);
            qInfo("distance %lld: A %.2f nats, B %.2f nats (uniform %.2f)", (long long)d, la, lb, uniform);
            QVERIFY2(lb < 3.0, qPrintable(QString("B copies at %1: %2").arg(d).arg(lb)));
            QVERIFY2(la > 6.0, qPrintable(QString("A cannot see %1 back: %2").arg(d).arg(la)));
        }
    }
};

QTEST_GUILESS_MAIN(TestDemoPair)
#include "test_demo_pair.moc"
