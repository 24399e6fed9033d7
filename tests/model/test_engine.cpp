// Engine forward pass against an independent float64 reference (tests/model/
// engine_reference.cpp) on tiny random Llama / Mistral / Qwen2 models, and against itself
// across chunking, batching, query blocking and cache reuse.
#include <QtTest>

#include <cmath>
#include <string>

#include "core/model/arch.h"
#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/engine.h"
#include "tests/model/engine_reference.h"

#include <QProcess>
#include <QTemporaryDir>

#include <fstream>
#include <nlohmann/json.hpp>

using namespace gateau::model;
using testref::Reference;
using testref::TinyModel;

namespace {

EngineOptions fp32(int64_t chunk = 16) {
    EngineOptions o;
    o.dtype = ComputeDtype::Float32;
    o.prefillChunk = chunk;
    o.threads = 1;
    return o;
}

template <typename A, typename B>
double maxAbsDiff(const std::vector<A>& a, const std::vector<B>& b) {
    if (a.size() != b.size()) return INFINITY;
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - double(b[i])));
    return m;
}

#define EXPECT_CLOSE(a, b, tol)                                                              \
    do {                                                                                     \
        const double diff_ = maxAbsDiff((a), (b));                                           \
        QVERIFY2(diff_ <= (tol), qPrintable(QStringLiteral("max |diff| %1 > %2 (%3)")        \
                                                .arg(diff_)                                   \
                                                .arg(tol)                                     \
                                                .arg(QString::fromLatin1(#a " vs " #b)))); \
    } while (0)

// Full comparison of one model at one span against the reference: every logprob, both
// segment arrays, per-key attention of every span token.
void checkAgainstReference(const TinyModel& m, int64_t n, int64_t K, int64_t segL,
                           EngineOptions opt = fp32(), uint64_t idSeed = 7,
                           double logprobTol = 1e-4, double attentionTol = 1e-5) {
    auto ids = testref::randomIds(n, m.cfg.vocabSize, idSeed);
    auto engine = testref::makeEngine(m, opt);
    SpanRequest req;
    req.spanFrom = K;
    req.allLogprobs = true;
    req.segmentLen = segL;
    req.tokenSegmentAttention = true;
    req.keyAttentionAll = true;
    SpanResult r = engine->scoreSpan(ids, req);
    Reference ref = testref::referenceForward(m, ids, K, segL,
                                              opt.ropeOverride ? &*opt.ropeOverride : nullptr);
    QCOMPARE(r.firstLogprobPos, int64_t(1));
    QCOMPARE(int64_t(r.logprobs.size()), n - 1);
    QCOMPARE(r.numSegments, ref.numSegments);
    EXPECT_CLOSE(r.logprobs, ref.logprobs, logprobTol);
    EXPECT_CLOSE(r.segmentAttention, ref.segmentAttention, attentionTol);
    EXPECT_CLOSE(r.tokenSegmentAttention, ref.tokenSegments, attentionTol);
    EXPECT_CLOSE(r.keyAttention, ref.keyAttention, attentionTol);
}

}  // namespace

class TestEngine : public QObject {
    Q_OBJECT

private slots:
    // The whole loading path: weights written as an HF folder, read back through the
    // safetensors mapping, and run, against the reference on the same weights.
    void checkpointFolderMatchesReference_data() {
        QTest::addColumn<int>("arch");
        QTest::newRow("llama") << int(Arch::Llama);
        QTest::newRow("qwen2 tied") << int(Arch::Qwen2);
    }
    void checkpointFolderMatchesReference() {
        QFETCH(int, arch);
        auto m = testref::tinyModel(Arch(arch), 5);
        QTemporaryDir dir;
        testref::writeCheckpoint(m, dir.path().toStdString());
        auto ckpt = Checkpoint::open(dir.path().toStdString());
        auto engine = loadEngine(ckpt, fp32());
        auto ids = testref::randomIds(80, m.cfg.vocabSize, 11);
        SpanRequest req;
        req.spanFrom = 50;
        req.allLogprobs = true;
        req.segmentLen = 8;
        auto r = engine->scoreSpan(ids, req);
        auto ref = testref::referenceForward(m, ids, 50, 8);
        EXPECT_CLOSE(r.logprobs, ref.logprobs, 1e-4);
        EXPECT_CLOSE(r.segmentAttention, ref.segmentAttention, 1e-5);
    }
    // `gateau forward --json` as scripts call it, against the reference.
    void forwardCliMatchesReference() {
        auto m = testref::tinyModel(Arch::Mistral, 9);
        QTemporaryDir dir;
        const std::string modelDir = dir.filePath("model").toStdString();
        testref::writeCheckpoint(m, modelDir);
        auto ids = testref::randomIds(60, m.cfg.vocabSize, 4);
        const std::string idsPath = dir.filePath("ids.json").toStdString();
        std::ofstream(idsPath) << nlohmann::json(ids).dump();
        QProcess p;
        p.start(GATEAU_CLI_PATH, {"forward", "--model", QString::fromStdString(modelDir), "--ids", QString::fromStdString(idsPath),
                                  "--span-from", "40", "--segment-len", "6", "--dtype", "float32", "--json"});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        auto out = nlohmann::json::parse(p.readAllStandardOutput().toStdString());
        auto ref = testref::referenceForward(m, ids, 40, 6);
        QCOMPARE(out["logprobs"].size(), size_t(59));
        EXPECT_CLOSE(out["logprobs"].get<std::vector<double>>(), ref.logprobs, 1e-4);
        std::vector<double> seg;
        for (const auto& row : out["segment_attention"])
            for (double v : row) seg.push_back(v);
        QCOMPARE(int64_t(out["segment_attention"].size()), m.cfg.numLayers);
        EXPECT_CLOSE(seg, ref.segmentAttention, 1e-5);

        // Bad ids name the file and the index.
        std::ofstream(idsPath) << "[1, 2, 999999]";
        p.start(GATEAU_CLI_PATH, {"forward", "--model", QString::fromStdString(modelDir), "--ids", QString::fromStdString(idsPath)});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY(p.exitCode() != 0);
        QVERIFY(QString(p.readAllStandardError()).contains("index 2"));
    }

    void llamaGqaMatchesReference() {
        checkAgainstReference(testref::tinyModel(Arch::Llama), 150, 100, 16);
    }

    void llamaAttentionBiasMatchesReference() {
        auto m = testref::tinyModel(Arch::Llama, 3);
        m.cfg.attentionBias = true;  // q/k/v and o_proj biases in HF Llama
        checkAgainstReference(m, 90, 60, 7);
    }

    void mistralSlidingWindowMatchesReference() {
        auto m = testref::tinyModel(Arch::Mistral, 4);
        m.cfg.slidingWindow = 24;
        checkAgainstReference(m, 120, 80, 10, fp32(7));
        checkAgainstReference(m, 120, 80, 10, fp32(1000));
    }

    // Reduced precision takes its own CPU path (packed key/value blocks, softmax in bf16
    // except where statistics need fp32): windowed keys, one query row per block and odd chunks
    // against the float64 reference, at bf16's precision (8-bit mantissa: seen 0.15 on a
    // logprob, 0.005 on an attention mass; a swapped key/value block gives 7).
    void bfloat16MatchesReferenceWithinItsPrecision() {
        auto m = testref::tinyModel(Arch::Mistral, 4);
        m.cfg.slidingWindow = 24;
        auto opt = fp32(7);
        opt.dtype = ComputeDtype::BFloat16;
        checkAgainstReference(m, 120, 80, 10, opt, 7, 0.3, 0.02);
        opt.attentionBlockBytes = 1;
        checkAgainstReference(m, 120, 80, 10, opt, 7, 0.3, 0.02);
    }

    // LibTorch >= 2's fused scaled_dot_product_attention, which the engine takes for blocks
    // without span statistics (CUDA by default; forced here on the CPU): the blocks before
    // the span in the full comparison (their keys and values feed every later position), a
    // plain logprob pass where every block is fused, a sliding window with one-row and odd
    // blocks, and bf16, all against the float64 reference. Skipped with LibTorch 1.13.
    void fusedAttentionMatchesReference() {
        auto opt = fp32(16);
        opt.fusedAttention = true;
        const auto gqa = testref::tinyModel(Arch::Llama);
        if (!testref::makeEngine(gqa, opt)->info().fusedAttention)
            QSKIP("this LibTorch has no scaled_dot_product_attention (1.13)");
        checkAgainstReference(gqa, 150, 100, 16, opt);

        const auto ids = testref::randomIds(150, gqa.cfg.vocabSize, 9);
        const Reference ref = testref::referenceForward(gqa, ids, 1, 0);
        EXPECT_CLOSE(testref::makeEngine(gqa, opt)->logprobs(ids), ref.logprobs, 1e-4);

        auto swa = testref::tinyModel(Arch::Mistral, 4);
        swa.cfg.slidingWindow = 24;
        opt.prefillChunk = 7;
        checkAgainstReference(swa, 120, 80, 10, opt);
        opt.attentionBlockBytes = 1;
        checkAgainstReference(swa, 120, 80, 10, opt);
        opt.dtype = ComputeDtype::BFloat16;
        checkAgainstReference(swa, 120, 80, 10, opt, 7, 0.3, 0.02);
    }

    void qwen2BiasesTiedMatchesReference() {
        auto m = testref::tinyModel(Arch::Qwen2, 5);
        m.cfg.tieWordEmbeddings = true;
        checkAgainstReference(m, 130, 70, 32);
    }

    void tiedEmbeddingsMatchesReference() {
        auto m = testref::tinyModel(Arch::Llama, 6);
        m.cfg.tieWordEmbeddings = true;
        m.cfg.numKvHeads = 4;  // plain multi-head attention too
        checkAgainstReference(m, 64, 40, 8);
    }

    void ropeScalingMatchesReference_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<double>("factor");
        QTest::newRow("linear") << int(RopeScaling::Type::Linear) << 2.0;
        QTest::newRow("dynamic") << int(RopeScaling::Type::Dynamic) << 2.0;
        QTest::newRow("llama3") << int(RopeScaling::Type::Llama3) << 8.0;
        QTest::newRow("yarn") << int(RopeScaling::Type::Yarn) << 4.0;
    }
    void ropeScalingMatchesReference() {
        QFETCH(int, type);
        QFETCH(double, factor);
        auto m = testref::tinyModel(Arch::Llama, 8);
        m.cfg.headDim = 16;  // more frequencies, so llama3 / yarn ramps have interior points
        m.cfg.numHeads = 2;
        m.cfg.numKvHeads = 1;
        m.cfg.maxPositionEmbeddings = 64;  // dynamic NTK only kicks in beyond it
        m.cfg.ropeScaling.type = RopeScaling::Type(type);
        m.cfg.ropeScaling.factor = factor;
        if (m.cfg.ropeScaling.type == RopeScaling::Type::Llama3)
            m.cfg.ropeScaling.originalMaxPositionEmbeddings = 32;
        checkAgainstReference(m, 150, 100, 20);
    }

    void yarnVariantsMatchReference() {
        auto m = testref::tinyModel(Arch::Qwen2, 9);
        m.cfg.headDim = 16;
        m.cfg.numHeads = 2;
        m.cfg.numKvHeads = 2;
        m.cfg.maxPositionEmbeddings = 128;
        m.cfg.ropeScaling.type = RopeScaling::Type::Yarn;
        m.cfg.ropeScaling.factor = 4.0;
        m.cfg.ropeScaling.mscale = 0.707;
        m.cfg.ropeScaling.mscaleAllDim = 1.0;
        checkAgainstReference(m, 100, 50, 16);
        m.cfg.ropeScaling.mscale.reset();
        m.cfg.ropeScaling.mscaleAllDim.reset();
        m.cfg.ropeScaling.originalMaxPositionEmbeddings = 32;  // moves the correction range
        m.cfg.ropeScaling.attentionFactor = 1.25;
        checkAgainstReference(m, 100, 50, 16);
    }

    void ropeOverrideStretchesShortModel() {
        // The paper's short model A on long input: dynamic NTK set by the caller.
        auto m = testref::tinyModel(Arch::Llama, 10);
        m.cfg.maxPositionEmbeddings = 40;
        auto opt = fp32(13);
        RopeScaling dyn;
        dyn.type = RopeScaling::Type::Dynamic;
        dyn.factor = 4.0;
        opt.ropeOverride = dyn;
        checkAgainstReference(m, 150, 100, 25, opt);
        // And the override really changes the result.
        auto ids = testref::randomIds(150, m.cfg.vocabSize, 7);
        auto plain = testref::makeEngine(m, fp32(13))->logprobs(ids);
        auto stretched = testref::makeEngine(m, opt)->logprobs(ids);
        QVERIFY(maxAbsDiff(plain, stretched) > 1e-3);
    }

    void chunkingAndBlockingDoNotChangeResults() {
        auto m = testref::tinyModel(Arch::Mistral, 11);
        m.cfg.slidingWindow = 20;
        auto ids = testref::randomIds(140, m.cfg.vocabSize, 12);
        SpanRequest req;
        req.spanFrom = 90;
        req.allLogprobs = true;
        req.segmentLen = 16;
        req.tokenSegmentAttention = true;
        req.keyAttentionFor = {90, 117, 139};
        auto base = testref::makeEngine(m, fp32(1000))->scoreSpan(ids, req);
        for (int64_t chunk : {1, 7, 64}) {
            auto r = testref::makeEngine(m, fp32(chunk))->scoreSpan(ids, req);
            EXPECT_CLOSE(r.logprobs, base.logprobs, 2e-5);
            EXPECT_CLOSE(r.segmentAttention, base.segmentAttention, 1e-6);
            EXPECT_CLOSE(r.tokenSegmentAttention, base.tokenSegmentAttention, 1e-6);
            EXPECT_CLOSE(r.keyAttention, base.keyAttention, 1e-6);
        }
        auto tiny = fp32(33);
        tiny.attentionBlockBytes = 1;  // one query row per attention block
        auto r = testref::makeEngine(m, tiny)->scoreSpan(ids, req);
        EXPECT_CLOSE(r.logprobs, base.logprobs, 2e-5);
        EXPECT_CLOSE(r.segmentAttention, base.segmentAttention, 1e-6);
        EXPECT_CLOSE(r.keyAttention, base.keyAttention, 1e-6);
    }

    void spanLogprobsAreTheTailOfAllLogprobs() {
        auto m = testref::tinyModel(Arch::Llama, 13);
        auto engine = testref::makeEngine(m, fp32(9));
        auto ids = testref::randomIds(80, m.cfg.vocabSize, 14);
        auto all = engine->logprobs(ids);
        QCOMPARE(all.size(), size_t(79));
        auto span = engine->scoreSpan(ids, 50, 0, false);
        QCOMPARE(span.firstLogprobPos, int64_t(50));
        QCOMPARE(span.logprobs.size(), size_t(30));
        std::vector<float> tail(all.begin() + 49, all.end());
        EXPECT_CLOSE(span.logprobs, tail, 1e-6);
        double mean = 0;
        for (float v : tail) mean += v;
        mean /= double(tail.size());
        QVERIFY(std::abs(span.meanSpanLogprob() - mean) < 1e-6);
        SpanRequest req;
        req.spanFrom = 50;
        req.allLogprobs = true;
        QVERIFY(std::abs(engine->scoreSpan(ids, req).meanSpanLogprob() - mean) < 1e-6);
    }

    void kvCacheMatchesRecompute() {
        // Scoring a prefix alone recomputes everything; the long pass reuses cached keys.
        auto m = testref::tinyModel(Arch::Qwen2, 15);
        auto engine = testref::makeEngine(m, fp32(5));
        auto ids = testref::randomIds(60, m.cfg.vocabSize, 16);
        auto all = engine->logprobs(ids);
        for (int64_t t : {1, 4, 5, 6, 23, 59}) {
            std::vector<int64_t> prefix(ids.begin(), ids.begin() + t + 1);
            auto r = engine->scoreSpan(prefix, t, 0, false);
            QCOMPARE(r.logprobs.size(), size_t(1));
            QVERIFY2(std::abs(r.logprobs[0] - all[size_t(t - 1)]) < 2e-5, qPrintable(QString::number(t)));
        }
        engine->releaseCache();  // the next call allocates afresh
        EXPECT_CLOSE(engine->logprobs(ids), all, 1e-6);
    }

    void batchMatchesSingle_data() {
        QTest::addColumn<bool>("mha");
        QTest::newRow("gqa") << false;
        QTest::newRow("mha") << true;  // one query head per KV head: other strides
    }
    void batchMatchesSingle() {
        QFETCH(bool, mha);
        for (auto type : {RopeScaling::Type::None, RopeScaling::Type::Dynamic}) {
            auto m = testref::tinyModel(Arch::Qwen2, 17);
            if (mha) m.cfg.numKvHeads = m.cfg.numHeads;
            m.cfg.maxPositionEmbeddings = 40;  // per-row dynamic NTK: lengths straddle it
            m.cfg.ropeScaling.type = type;
            m.cfg.ropeScaling.factor = 2.0;
            auto opt = fp32(8);
            opt.batchTokens = 200;  // forces several padded batches
            auto engine = testref::makeEngine(m, opt);
            std::vector<std::vector<int64_t>> seqs;
            std::vector<int64_t> spans;
            for (int i = 0; i < 9; ++i) {
                const int64_t n = 12 + 9 * ((i * 5) % 9);
                seqs.push_back(testref::randomIds(n, m.cfg.vocabSize, 100 + uint64_t(i)));
                spans.push_back(n / 2);
            }
            auto batch = engine->scoreSpanBatch(seqs, spans);
            QCOMPARE(batch.size(), seqs.size());
            for (size_t i = 0; i < seqs.size(); ++i) {
                auto single = engine->scoreSpan(seqs[i], spans[i], 0, false);
                QCOMPARE(batch[i].firstLogprobPos, spans[i]);
                EXPECT_CLOSE(batch[i].logprobs, single.logprobs, 2e-5);
            }
            auto allBatch = engine->scoreSpanBatch(seqs, spans, true);
            for (size_t i = 0; i < seqs.size(); ++i)
                EXPECT_CLOSE(allBatch[i].logprobs, engine->logprobs(seqs[i]), 2e-5);
        }
    }

    // One padded batch whose rows need more distinct dynamic-NTK tables than the engine's
    // rope cache keeps (256): the cache is trimmed while the batch is being set up, and
    // every row must still use its own table (it used to read freed memory: a wrong
    // table, garbage or a crash).
    void ropeCacheTrimKeepsTheBatchTablesAlive() {
        auto m = testref::tinyModel(Arch::Llama, 21);
        m.cfg.maxPositionEmbeddings = 4;
        m.cfg.ropeScaling.type = RopeScaling::Type::Dynamic;
        m.cfg.ropeScaling.factor = 2.0;
        auto opt = fp32(64);
        opt.batchTokens = int64_t(1) << 30;  // one batch
        auto engine = testref::makeEngine(m, opt);
        std::vector<std::vector<int64_t>> seqs;
        std::vector<int64_t> spans;
        for (int i = 0; i < 300; ++i) {
            const int64_t n = 5 + i;  // 300 lengths, all beyond max_position_embeddings
            seqs.push_back(testref::randomIds(n, m.cfg.vocabSize, 500 + uint64_t(i)));
            spans.push_back(n - 2);
        }
        auto batch = engine->scoreSpanBatch(seqs, spans);
        QCOMPARE(batch.size(), seqs.size());
        auto single = testref::makeEngine(m, fp32(64));
        for (size_t i = 0; i < seqs.size(); i += 7) {
            auto r = single->scoreSpan(seqs[i], spans[i], 0, false);
            EXPECT_CLOSE(batch[i].logprobs, r.logprobs, 2e-5);
        }
    }

    void segmentRangeMatchesReference() {
        // Segments over a context that starts after a template prefix and ends before the
        // instruction; with a window so blocks start mid-segment.
        auto m = testref::tinyModel(Arch::Mistral, 28);
        m.cfg.slidingWindow = 30;
        auto ids = testref::randomIds(120, m.cfg.vocabSize, 29);
        for (int64_t chunk : {7, 1000}) {
            auto engine = testref::makeEngine(m, fp32(chunk));
            SpanRequest req;
            req.spanFrom = 90;
            req.segmentLen = 10;
            req.segmentBegin = 13;
            req.segmentEnd = 77;
            req.tokenSegmentAttention = true;
            auto r = engine->scoreSpan(ids, req);
            auto ref = testref::referenceForward(m, ids, 90, 10, nullptr, 13, 77);
            QCOMPARE(r.numSegments, int64_t(7));
            QCOMPARE(r.segmentBegin, int64_t(13));
            EXPECT_CLOSE(r.segmentAttention, ref.segmentAttention, 1e-5);
            EXPECT_CLOSE(r.tokenSegmentAttention, ref.tokenSegments, 1e-5);
        }
        auto engine = testref::makeEngine(m, fp32());
        SpanRequest bad;
        bad.spanFrom = 90;
        bad.segmentLen = 10;
        bad.segmentEnd = 95;  // runs into the span
        QVERIFY_THROWS_EXCEPTION(ModelError, engine->scoreSpan(ids, bad));
    }

    void segmentReductionByHand() {
        // q_proj = 0 makes every score 0: query t spreads 1/(t+1) over keys 0..t.
        // n = 7, K = 5, L = 2: segments {0,1}, {2,3}, {4}; span queries t = 5, 6.
        auto m = testref::tinyModel(Arch::Llama, 18);
        m.zeroQueries = true;
        auto engine = testref::makeEngine(m, fp32(3));
        auto ids = testref::randomIds(7, m.cfg.vocabSize, 19);
        SpanRequest req;
        req.spanFrom = 5;
        req.segmentLen = 2;
        req.tokenSegmentAttention = true;
        req.keyAttentionFor = {6};
        auto r = engine->scoreSpan(ids, req);
        QCOMPARE(r.numSegments, int64_t(3));
        QCOMPARE(r.spanTokens, int64_t(2));
        const std::vector<double> tok = {2.0 / 6, 2.0 / 6, 1.0 / 6, 2.0 / 7, 2.0 / 7, 1.0 / 7};
        EXPECT_CLOSE(r.tokenSegmentAttention, tok, 1e-6);
        const std::vector<double> perLayer = {(2.0 / 6 + 2.0 / 7) / 2, (2.0 / 6 + 2.0 / 7) / 2,
                                              (1.0 / 6 + 1.0 / 7) / 2};
        for (int64_t l = 0; l < 2; ++l)
            for (int64_t s = 0; s < 3; ++s)
                QVERIFY(std::abs(r.segmentAt(l, s) - perLayer[size_t(s)]) < 1e-6);
        std::vector<double> key(7, 1.0 / 7);
        EXPECT_CLOSE(r.keyAttention, key, 1e-6);
        QCOMPARE(r.keyAttentionPositions, std::vector<int64_t>{6});
    }

    void tileAttentionByHand() {
        // q_proj = 0: query t spreads 1/(t+1) over keys 0..t, so restricted to the keys
        // before its tile it spreads 1/tileStart over each. n = 7, L = 3: tiles end at n, so
        // origin -2 and tiles {0}, {1,2,3}, {4,5,6}.
        // Query tile 2 (rows 4..6, keys 0..3 at 1/4 each): tile 0 gets 3 x 1/4 = 0.75,
        // tile 1 gets 3 x 3/4 = 2.25. Query tile 1 (rows 1..3, only key 0): tile 0 gets 3.
        auto m = testref::tinyModel(Arch::Llama, 18);
        m.zeroQueries = true;
        auto engine = testref::makeEngine(m, fp32(2));
        auto ids = testref::randomIds(7, m.cfg.vocabSize, 19);
        SpanRequest req;
        req.spanFrom = 5;
        req.tileLen = 3;
        req.tileQueries = {1, 2};
        auto r = engine->scoreSpan(ids, req);
        QCOMPARE(r.tileOrigin, int64_t(-2));
        QCOMPARE(r.numTiles, int64_t(3));
        const std::vector<double> perLayer = {3, 0, 0, 0.75, 2.25, 0};
        std::vector<double> want;
        for (int l = 0; l < 2; ++l) want.insert(want.end(), perLayer.begin(), perLayer.end());
        EXPECT_CLOSE(r.tileAttention, want, 1e-6);
        SpanRequest bad = req;
        bad.tileQueries = {2, 1};
        QVERIFY_THROWS_EXCEPTION(ModelError, engine->scoreSpan(ids, bad));
        bad.tileQueries = {3};
        QVERIFY_THROWS_EXCEPTION(ModelError, engine->scoreSpan(ids, bad));
    }

    void tileAttentionMatchesReference_data() {
        QTest::addColumn<int>("arch");
        QTest::addColumn<int>("window");
        QTest::addColumn<qlonglong>("chunk");
        QTest::addColumn<qlonglong>("blockBytes");
        QTest::newRow("llama gqa, one chunk") << int(Arch::Llama) << 0 << qlonglong(1000) << qlonglong(128 << 20);
        QTest::newRow("llama, small chunks and blocks") << int(Arch::Llama) << 0 << qlonglong(7) << qlonglong(4096);
        QTest::newRow("mistral window 30") << int(Arch::Mistral) << 30 << qlonglong(16) << qlonglong(8192);
    }
    void tileAttentionMatchesReference() {
        // Against the float64 full n x n attention: per head, each query row of a chosen
        // tile renormalised over the keys before its tile, head mean, summed per key tile.
        QFETCH(int, arch);
        QFETCH(int, window);
        QFETCH(qlonglong, chunk);
        QFETCH(qlonglong, blockBytes);
        auto m = testref::tinyModel(Arch(arch), 40);
        if (window > 0) m.cfg.slidingWindow = window;
        const int64_t n = 100, L = 8, K = 90;
        auto ids = testref::randomIds(n, m.cfg.vocabSize, 41);
        EngineOptions opt = fp32(chunk);
        opt.attentionBlockBytes = blockBytes;
        auto engine = testref::makeEngine(m, opt);
        SpanRequest req;
        req.spanFrom = K;
        req.segmentLen = 10;  // the CAM statistics of the same pass stay as they were
        req.tokenSegmentAttention = true;
        req.tileLen = L;
        req.tileQueries = {0, 2, 5, 7, 12};
        auto r = engine->scoreSpan(ids, req);
        auto ref = testref::referenceForward(m, ids, K, 10);
        EXPECT_CLOSE(r.segmentAttention, ref.segmentAttention, 1e-5);
        const int64_t H = m.cfg.numHeads, layers = m.cfg.numLayers, o = n % L - L, T = (n - o) / L;
        QCOMPARE(r.tileOrigin, o);
        QCOMPARE(r.numTiles, T);
        const int64_t Q = int64_t(req.tileQueries.size());
        std::vector<double> want(size_t(layers * Q * T), 0.0);
        for (int64_t l = 0; l < layers; ++l)
            for (int64_t q = 0; q < Q; ++q) {
                const int64_t ts = o + req.tileQueries[size_t(q)] * L;
                for (int64_t t = std::max<int64_t>(0, ts); t < ts + L; ++t)
                    for (int64_t h = 0; h < H; ++h) {
                        const double* row = &ref.probs[size_t(((l * H + h) * n + t) * n)];
                        double mass = 0;
                        for (int64_t j = 0; j < ts; ++j) mass += row[j];
                        if (mass <= 0) continue;
                        for (int64_t j = 0; j < ts; ++j)
                            want[size_t((l * Q + q) * T + (j - o) / L)] += row[j] / mass / double(H);
                    }
            }
        EXPECT_CLOSE(r.tileAttention, want, 2e-5);
        // Each row puts mass 1 on the keys before its tile (when it sees any).
        if (window == 0)
            for (int64_t q = 1; q < Q; ++q) {
                double sum = 0;
                for (int64_t k = 0; k < T; ++k) sum += r.tileAttention[size_t(q * T + k)];
                QVERIFY(std::abs(sum - double(L)) < 1e-4);
            }
    }

    void segmentMassPlusSpanMassIsOne() {
        auto m = testref::tinyModel(Arch::Llama, 20);
        auto engine = testref::makeEngine(m, fp32(16));
        auto ids = testref::randomIds(100, m.cfg.vocabSize, 21);
        SpanRequest req;
        req.spanFrom = 64;
        req.segmentLen = 10;
        req.tokenSegmentAttention = true;
        req.keyAttentionAll = true;
        auto r = engine->scoreSpan(ids, req);
        QCOMPARE(r.numSegments, int64_t(7));
        for (int64_t i = 0; i < r.spanTokens; ++i) {
            double seg = 0, keys = 0, spanKeys = 0;
            for (int64_t s = 0; s < r.numSegments; ++s) seg += r.tokenSegmentAt(i, s);
            for (int64_t j = 0; j < r.n; ++j) {
                const double a = r.keyAttention[size_t(i * r.n + j)];
                keys += a;
                if (j >= r.spanFrom) spanKeys += a;
                if (j > r.spanFrom + i) QCOMPARE(a, 0.0);
            }
            QVERIFY(std::abs(keys - 1.0) < 1e-5);
            QVERIFY(std::abs(seg + spanKeys - 1.0) < 1e-5);
        }
    }

    void bfloat16StaysCloseToFloat32() {
        auto m = testref::tinyModel(Arch::Llama, 22);
        auto ids = testref::randomIds(64, m.cfg.vocabSize, 23);
        auto f = testref::makeEngine(m, fp32(16))->logprobs(ids);
        auto opt = fp32(16);
        opt.dtype = ComputeDtype::BFloat16;
        auto engine = testref::makeEngine(m, opt);
        QCOMPARE(QString::fromStdString(engine->info().dtype), QStringLiteral("bfloat16"));
        auto b = engine->logprobs(ids);
        double meanF = 0, meanB = 0;
        for (size_t i = 0; i < f.size(); ++i) meanF += f[i], meanB += b[i];
        QVERIFY2(std::abs(meanF - meanB) / double(f.size()) < 0.05,
                 qPrintable(QString("fp32 %1 bf16 %2").arg(meanF).arg(meanB)));
    }

    void optionsAndInfo() {
        auto m = testref::tinyModel(Arch::Llama, 24);
        EngineOptions opt;
        opt.threads = 0;
        auto engine = testref::makeEngine(m, opt);
        QCOMPARE(engine->info().device, std::string("cpu"));
        QCOMPARE(engine->info().threads, physicalCoreCount());
        QCOMPARE(QString::fromStdString(engine->info().dtype),
                 cpuHasBf16() ? QStringLiteral("bfloat16") : QStringLiteral("float32"));
        QVERIFY(engine->info().parameterCount > 0);
        QCOMPARE(computeDtypeFromName("bf16"), ComputeDtype::BFloat16);
        QVERIFY_THROWS_EXCEPTION(ModelError, computeDtypeFromName("int8"));
    }

    // The families beyond Llama/Mistral/Qwen2, each on its tiny random model against the
    // float64 reference: full comparison (logprobs, segment, token-segment and per-key
    // attention) with odd prefill chunks and with one chunk, then padded batches and the
    // KV cache against single passes. The rows set what the family adds: Qwen3's q/k
    // norms, Gemma 2's (1 + w) norms, sandwich norms, GELU, embedding scale,
    // query_pre_attn_scalar, soft-capping and alternating windows, Gemma 3's q/k norms and
    // local RoPE base, Phi-3's fused projections, partial rotary and LongRoPE (short and
    // long factors), Qwen2's max_window_layers.
    void familiesMatchReference_data() {
        QTest::addColumn<int>("arch");
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("layers");
        QTest::addColumn<bool>("longRope");
        QTest::newRow("qwen3") << int(Arch::Qwen3) << 0 << 2 << false;
        QTest::newRow("qwen3 window from layer 1") << int(Arch::Qwen3) << 20 << 3 << false;
        QTest::newRow("qwen2 window from layer 1") << int(Arch::Qwen2) << 20 << 3 << false;
        QTest::newRow("gemma2") << int(Arch::Gemma2) << 20 << 3 << false;
        QTest::newRow("gemma3") << int(Arch::Gemma3) << 20 << 3 << false;
        QTest::newRow("phi3") << int(Arch::Phi3) << 0 << 2 << false;
        QTest::newRow("phi3 longrope window") << int(Arch::Phi3) << 50 << 2 << true;
    }
    void familiesMatchReference() {
        QFETCH(int, arch);
        QFETCH(int, window);
        QFETCH(int, layers);
        QFETCH(bool, longRope);
        auto m = testref::tinyModel(Arch(arch), 40 + uint64_t(arch));
        m.cfg.numLayers = layers;
        if (window > 0) m.cfg.slidingWindow = window;
        m.cfg.maxWindowLayers = 1;  // Qwen2/Qwen3: layer 0 full, later layers windowed
        if (longRope) {
            RopeScaling& rs = m.cfg.ropeScaling;
            rs.type = RopeScaling::Type::LongRope;
            rs.originalMaxPositionEmbeddings = 64;
            rs.factor = 4.0;
            rs.shortFactor = {1.0, 1.5, 2.0};  // rotary dim 6 (0.75 of 8): 3 frequencies
            rs.longFactor = {1.0, 4.0, 16.0};
        }
        // Long enough for the windows to bite, and (with LongRoPE) beyond the original context.
        checkAgainstReference(m, 150, 100, 16, fp32(7));
        checkAgainstReference(m, 150, 100, 16, fp32(1000));
        if (longRope) checkAgainstReference(m, 60, 40, 8, fp32(7));  // short factors

        auto opt = fp32(8);
        opt.batchTokens = 300;
        auto engine = testref::makeEngine(m, opt);
        std::vector<std::vector<int64_t>> seqs;
        std::vector<int64_t> spans;
        for (int i = 0; i < 6; ++i) {
            const int64_t n = 20 + 23 * i;  // straddles the window and LongRoPE's 64
            seqs.push_back(testref::randomIds(n, m.cfg.vocabSize, 200 + uint64_t(i)));
            spans.push_back(n / 2);
        }
        auto batch = engine->scoreSpanBatch(seqs, spans, true);
        for (size_t i = 0; i < seqs.size(); ++i) {
            const Reference ref = testref::referenceForward(m, seqs[i], 1, 0);
            EXPECT_CLOSE(batch[i].logprobs, ref.logprobs, 1e-4);
        }
        // KV cache: a prefix scored alone against the long pass that reuses cached keys.
        auto ids = testref::randomIds(120, m.cfg.vocabSize, 16);
        auto all = engine->logprobs(ids);
        for (int64_t t : {1, 7, 8, 9, 63, 64, 65, 119}) {
            std::vector<int64_t> prefix(ids.begin(), ids.begin() + t + 1);
            auto r = engine->scoreSpan(prefix, t, 0, false);
            // With LongRoPE a prefix within the original context uses the short factors, as
            // HF does for that shorter input: compare against the reference instead.
            const Reference ref = testref::referenceForward(m, prefix, t, 0);
            QVERIFY2(std::abs(r.logprobs[0] - ref.logprobs.back()) < 1e-4, qPrintable(QString::number(t)));
            if (!longRope || t + 1 > 64)
                QVERIFY2(std::abs(r.logprobs[0] - all[size_t(t - 1)]) < 2e-5, qPrintable(QString::number(t)));
        }
    }

    // bf16 takes its own CPU path (soft-capping and the (1 + w) norms on bf16 blocks,
    // packed key/value blocks): each new family against the float64 reference at bf16's
    // precision, as bfloat16MatchesReferenceWithinItsPrecision does for Mistral.
    void familiesInBfloat16_data() {
        QTest::addColumn<int>("arch");
        for (Arch a : {Arch::Qwen3, Arch::Gemma2, Arch::Gemma3, Arch::Phi3})
            QTest::newRow(archInfo(a).name) << int(a);
    }
    void familiesInBfloat16() {
        QFETCH(int, arch);
        auto m = testref::tinyModel(Arch(arch), 60);
        m.cfg.slidingWindow = 24;
        auto opt = fp32(7);
        opt.dtype = ComputeDtype::BFloat16;
        checkAgainstReference(m, 120, 80, 10, opt, 7, 0.3, 0.02);
    }

    // The family's settings must matter: flipping each one changes the logprobs (a test
    // that passed with the op missing on both sides would not see it).
    void familySettingsChangeResults() {
        auto ids = testref::randomIds(90, 97, 3);
        auto base = testref::tinyModel(Arch::Gemma2, 7);
        base.cfg.slidingWindow = 20;
        const auto ref = testref::makeEngine(base, fp32())->logprobs(ids);
        auto differs = [&](TinyModel m) { return maxAbsDiff(testref::makeEngine(m, fp32())->logprobs(ids), ref) > 1e-3; };
        auto m = base;
        m.cfg.attnLogitSoftcapping.reset();
        QVERIFY(differs(m));
        m = base;
        m.cfg.finalLogitSoftcapping.reset();
        QVERIFY(differs(m));
        m = base;
        m.cfg.queryPreAttnScalar.reset();
        QVERIFY(differs(m));
        m = base;
        m.cfg.slidingWindowPattern = 1;  // every layer global
        QVERIFY(differs(m));
        auto g3 = testref::tinyModel(Arch::Gemma3, 7);
        g3.cfg.slidingWindow = 1000;  // window wider than the input: only the RoPE base differs
        const auto g3ref = testref::makeEngine(g3, fp32())->logprobs(ids);
        g3.cfg.ropeLocalTheta = g3.cfg.ropeTheta;
        QVERIFY(maxAbsDiff(testref::makeEngine(g3, fp32())->logprobs(ids), g3ref) > 1e-3);
    }

    // Gemma 3 4B+ ship as Gemma3ForConditionalGeneration: the language model's config under
    // text_config, its tensors under "language_model.", a vision tower beside it. Loaded
    // from such a folder, the language model matches the reference on the same weights.
    void gemma3MultimodalCheckpointMatchesReference() {
        auto m = testref::tinyModel(Arch::Gemma3, 31);
        m.cfg.numLayers = 3;
        m.cfg.slidingWindow = 16;
        m.cfg.tensorPrefix = "language_model.";
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        testref::writeCheckpoint(m, d);
        nlohmann::json text;
        {
            std::ifstream in(d + "/config.json");
            in >> text;
        }
        nlohmann::json wrapper = {{"architectures", {"Gemma3ForConditionalGeneration"}},
                                  {"model_type", "gemma3"},
                                  {"text_config", text},
                                  {"vision_config", {{"model_type", "siglip_vision_model"}, {"hidden_size", 16}}},
                                  {"torch_dtype", "float32"}};
        std::ofstream(d + "/config.json") << wrapper.dump(2);
        auto ckpt = Checkpoint::open(d);
        QCOMPARE(ckpt.config().tensorPrefix, std::string("language_model."));
        auto engine = loadEngine(ckpt, fp32(5));
        auto ids = testref::randomIds(70, m.cfg.vocabSize, 12);
        SpanRequest req;
        req.spanFrom = 40;
        req.allLogprobs = true;
        req.segmentLen = 6;
        auto r = engine->scoreSpan(ids, req);
        auto ref = testref::referenceForward(m, ids, 40, 6);
        EXPECT_CLOSE(r.logprobs, ref.logprobs, 1e-4);
        EXPECT_CLOSE(r.segmentAttention, ref.segmentAttention, 1e-5);
    }

    // make-tiny-model's checkpoint of each family, loaded through the checkpoint path,
    // against the reference run on the same file's weights.
    void tinyModelCheckpointsMatchReference_data() {
        QTest::addColumn<QString>("arch");
        for (const char* a : {"llama", "mistral", "qwen2", "qwen3", "gemma2", "gemma3", "phi3"})
            QTest::newRow(a) << QString::fromLatin1(a);
    }
    void tinyModelCheckpointsMatchReference() {
        QFETCH(QString, arch);
        QTemporaryDir dir;
        const QString out = dir.filePath("m");
        QStringList args = {"make-tiny-model", out, "--arch", arch, "--vocab", "101", "--layers", "3",
                            "--hidden", "32", "--heads", "4", "--kv-heads", "2", "--intermediate", "48",
                            "--max-pos", "256", "--seed", "5"};
        if (arch != "llama" && arch != "qwen3") args << "--sliding-window" << "24";
        if (arch == "qwen2") args << "--max-window-layers" << "1";
        if (arch == "phi3") args << "--partial-rotary" << "0.5" << "--rope-scaling" << "longrope:4";
        QProcess p;
        p.start(GATEAU_CLI_PATH, args);
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        auto ckpt = Checkpoint::open(out.toStdString());
        ckpt.validate();
        TinyModel m;
        m.cfg = ckpt.config();
        m.weightsFrom = out.toStdString();
        auto engine = loadEngine(ckpt, fp32(9));
        auto ids = testref::randomIds(130, m.cfg.vocabSize, 11);
        SpanRequest req;
        req.spanFrom = 90;
        req.allLogprobs = true;
        req.segmentLen = 8;
        auto r = engine->scoreSpan(ids, req);
        auto ref = testref::referenceForward(m, ids, 90, 8);
        EXPECT_CLOSE(r.logprobs, ref.logprobs, 1e-4);
        EXPECT_CLOSE(r.segmentAttention, ref.segmentAttention, 1e-5);
    }

    // A bf16 checkpoint run in bf16 is used in place from the memory map; its weights must
    // outlive the Checkpoint (the tensors hold the mapping): an engine whose Checkpoint is
    // gone gives the same numbers as one whose Checkpoint is open (a freed mapping would crash).
    void weightsInPlaceOutliveTheCheckpoint() {
        QTemporaryDir dir;
        const QString out = dir.filePath("m"), other = dir.filePath("other");
        for (const auto& [folder, seed] : {std::pair{out, "3"}, std::pair{other, "4"}}) {
            QProcess p;
            p.start(GATEAU_CLI_PATH, {"make-tiny-model", folder, "--arch", "phi3", "--vocab", "101", "--layers", "2",
                                      "--hidden", "32", "--heads", "4", "--kv-heads", "2", "--intermediate", "48",
                                      "--dtype", "bf16", "--shards", "2", "--seed", seed});
            QVERIFY(p.waitForFinished(120000));
            QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        }
        EngineOptions opts;
        opts.dtype = ComputeDtype::BFloat16;
        opts.threads = 1;
        auto orphan = loadEngine(Checkpoint::open(out.toStdString()), opts);
        // Mapped next: where the orphan's files were, had they been unmapped.
        const auto decoy = Checkpoint::open(other.toStdString());
        const auto open = Checkpoint::open(out.toStdString());
        auto kept = loadEngine(open, opts);
        auto f32 = loadEngine(open, fp32());
        const auto ids = testref::randomIds(40, 101, 4);
        SpanRequest req;
        req.spanFrom = 20;
        const auto a = orphan->scoreSpan(ids, req), b = kept->scoreSpan(ids, req), c = f32->scoreSpan(ids, req);
        QCOMPARE(a.logprobs, b.logprobs);
        EXPECT_CLOSE(a.logprobs, c.logprobs, 0.1);  // and bf16 is still the model
    }

    void errorsNameTheProblem() {
        auto m = testref::tinyModel(Arch::Llama, 25);
        try {
            testref::makeEngineWithout(m, "model.layers.1.mlp.up_proj.weight");
            QFAIL("missing tensor accepted");
        } catch (const ModelError& e) {
            QVERIFY(std::string(e.what()).find("model.layers.1.mlp.up_proj.weight") !=
                    std::string::npos);
        }
        auto bad = m;
        bad.cfg.numKvHeads = 3;
        QVERIFY_THROWS_EXCEPTION(ModelError, testref::makeEngine(bad, fp32()));
        auto deviceOpt = fp32();
        deviceOpt.device = "tpu";
        QVERIFY_THROWS_EXCEPTION(ModelError, testref::makeEngine(m, deviceOpt));
        auto halfOpt = fp32();
        halfOpt.dtype = ComputeDtype::Float16;  // CPU has no usable fp16 matmul
        QVERIFY_THROWS_EXCEPTION(ModelError, testref::makeEngine(m, halfOpt));

        auto engine = testref::makeEngine(m, fp32());
        QVERIFY_THROWS_EXCEPTION(ModelError, engine->scoreSpan({1, 2, 500}, 1, 0, false));
        QVERIFY_THROWS_EXCEPTION(ModelError, engine->scoreSpan({1, 2, 3}, 3, 0, false));
        QVERIFY_THROWS_EXCEPTION(ModelError, engine->scoreSpan({1}, 1, 0, false));
        SpanRequest req;
        req.spanFrom = 2;
        req.keyAttentionFor = {1};
        QVERIFY_THROWS_EXCEPTION(ModelError, engine->scoreSpan({1, 2, 3, 4}, req));
    }

    void progressCanCancel() {
        auto m = testref::tinyModel(Arch::Llama, 26);
        auto engine = testref::makeEngine(m, fp32(10));
        auto ids = testref::randomIds(50, m.cfg.vocabSize, 27);
        SpanRequest req;
        req.spanFrom = 25;
        std::vector<int64_t> seen;
        req.progress = [&](int64_t done, int64_t total) {
            seen.push_back(done);
            return total == 50 && done < 30;
        };
        QVERIFY_THROWS_EXCEPTION(EngineCancelled, engine->scoreSpan(ids, req));
        QCOMPARE(seen, (std::vector<int64_t>{10, 20, 30}));
    }
};

QTEST_APPLESS_MAIN(TestEngine)
#include "test_engine.moc"
