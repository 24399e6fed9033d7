// LADM's CDS scorer (core/scoring/scorers/cds.cpp): the aggregation against a literal
// transcription of the reference code's loop (ZNLP/LADM modeling_llama2.py) on a hand-made
// attention matrix checked by hand and on random ones; the settings; and through the tiny
// scoring models and the CLI: finite values, stored, listed by `rank --json` only when on.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "core/model/checkpoint.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/engine.h"
#include "core/scoring/formulas.h"
#include "core/scoring/prompt.h"
#include "core/scoring/sample_scorer.h"
#include "core/scoring/scorers/cds.h"
#include "core/scoring/scorers/scorer.h"
#include "core/tokenizer/tokenizer.h"
#include "db/importer.h"
#include "db/project_store.h"
#include "db/run_store.h"
#include "tests/scoring/run_fixture.h"
#include "tests/scoring/tiny_scoring_models.h"

using namespace gateau;
using scoring::CdsParams;

namespace {

// Attention probabilities [layers x heads x n x n] (causal rows summing to 1).
struct Attn {
    int64_t layers = 0, heads = 0, n = 0;
    std::vector<double> p;
    double& at(int64_t l, int64_t h, int64_t t, int64_t j) { return p[size_t(((l * heads + h) * n + t) * n + j)]; }
    double get(int64_t l, int64_t h, int64_t t, int64_t j) const { return p[size_t(((l * heads + h) * n + t) * n + j)]; }
};

Attn uniformCausal(int64_t layers, int64_t heads, int64_t n) {
    Attn a{layers, heads, n, std::vector<double>(size_t(layers * heads * n * n), 0.0)};
    for (int64_t l = 0; l < layers; ++l)
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t t = 0; t < n; ++t)
                for (int64_t j = 0; j <= t; ++j) a.at(l, h, t, j) = 1.0 / double(t + 1);
    return a;
}

Attn randomCausal(int64_t layers, int64_t heads, int64_t n, std::mt19937& rng) {
    std::exponential_distribution<double> e(1.0);
    std::uniform_real_distribution<double> u(0, 1);
    Attn a{layers, heads, n, std::vector<double>(size_t(layers * heads * n * n), 0.0)};
    for (int64_t l = 0; l < layers; ++l)
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t t = 0; t < n; ++t) {
                double s = 0;
                for (int64_t j = 0; j <= t; ++j) s += a.at(l, h, t, j) = std::pow(e(rng), 3.0) * (u(rng) < 0.2 ? 10 : 1);
                for (int64_t j = 0; j <= t; ++j) a.at(l, h, t, j) /= s;
            }
    return a;
}

// The reference's loop, transcribed (chunk = L, interval = L * d_afs, stride = L * d_cds,
// keep_at_start = L, its "4 *" as minDistances): softmax over the keys before the query
// span, i.e. the full rows renormalised over them; per layer, then the mean over layers.
double naiveLadm(const Attn& a, const CdsParams& p) {
    const int64_t n = a.n, L = p.span, interval = L * p.distanceStep, stride = L * p.queryStride;
    double total = 0;
    for (int64_t l = 0; l < a.layers; ++l) {
        std::vector<double> allAfs;
        for (int64_t start = n - L; start > L + p.minDistances * interval; start -= stride) {
            const int64_t end = std::min(start + L, n);
            std::vector<double> w(size_t(start), 0.0);  // sum over queries, mean over heads
            for (int64_t h = 0; h < a.heads; ++h)
                for (int64_t t = start; t < end; ++t) {
                    double mass = 0;
                    for (int64_t j = 0; j < start; ++j) mass += a.get(l, h, t, j);
                    for (int64_t j = 0; j < start; ++j) w[size_t(j)] += a.get(l, h, t, j) / mass / double(a.heads);
                }
            std::vector<double> pfs, intervals;
            for (int64_t d = interval; d < n + interval; d += interval) {
                if (start - d < L) break;
                double s = 0;
                for (int64_t j = start - d; j < end - d; ++j) s += w[size_t(j)];
                pfs.push_back(s);
                intervals.push_back(double(d));
            }
            double mean = 0;
            for (double v : pfs) mean += v / double(pfs.size());
            double var = 0;
            for (double v : pfs) var += (v - mean) * (v - mean);
            const double sd = std::sqrt(var / double(pfs.size() - 1));
            double afs = 0;
            for (size_t k = 0; k < pfs.size(); ++k) afs += pfs[k] * intervals[k] / double(n);
            allAfs.push_back(afs * sd * double(start) / double(n));
        }
        if (allAfs.empty()) return 0.0;
        double m = 0;
        for (double v : allAfs) m += v / double(allAfs.size());
        total += m / double(a.layers);
    }
    return total;
}

// What the engine's prefix tile attention holds for these query tiles (its own test checks it
// against a float64 forward pass): [layers x queryTiles x tiles], tiles of L ending at n.
std::vector<float> tilesOf(const Attn& a, int64_t L, const std::vector<int64_t>& queryTiles, int64_t& numTiles) {
    const int64_t n = a.n, o = n % L == 0 ? 0 : n % L - L, Q = int64_t(queryTiles.size());
    numTiles = (n - o) / L;
    std::vector<double> acc(size_t(a.layers * Q * numTiles), 0.0);
    for (int64_t l = 0; l < a.layers; ++l)
        for (int64_t q = 0; q < Q; ++q) {
            const int64_t ts = o + queryTiles[size_t(q)] * L;
            for (int64_t h = 0; h < a.heads; ++h)
                for (int64_t t = std::max<int64_t>(0, ts); t < ts + L; ++t) {
                    double mass = 0;
                    for (int64_t j = 0; j < ts; ++j) mass += a.get(l, h, t, j);
                    if (mass <= 0) continue;
                    for (int64_t j = 0; j < ts; ++j)
                        acc[size_t((l * Q + q) * numTiles + (j - o) / L)] += a.get(l, h, t, j) / mass / double(a.heads);
                }
        }
    return std::vector<float>(acc.begin(), acc.end());
}

double cdsOf(const Attn& a, const CdsParams& p) {
    const std::vector<int64_t> qt = scoring::cdsQueryTiles(a.n, p);
    int64_t tiles = 0;
    const std::vector<float> t = tilesOf(a, p.span, qt, tiles);
    return scoring::cdsFromTiles(t, a.layers, qt, tiles, a.n, p);
}

}  // namespace

class TestCds : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string dir_, modelA_, modelB_;  // the tiny pair, when the tokenizer is there

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        dir_ = tmp_.path().toStdString();
        if (std::filesystem::is_directory(test::kTokenizerDir)) {
            modelA_ = test::writeTinyScoringModel(dir_, 1);
            modelB_ = test::writeTinyScoringModel(dir_, 2);
        }
    }

    void handChecked() {
        // n = 9, L = 2, distance step 1, query stride 1, 2 distances: tiles end at n, so
        // {0}, {1,2}, {3,4}, {5,6}, {7,8}; only {7,8} starts after L * (1 + 2 * 1) = 6.
        // Its key spans: d = 2 -> {5,6}, d = 4 -> {3,4}; d = 6 -> {1,2} starts before L = 2.
        // Layer 0, one head, rows 7 and 8 (the rest uniform, unused):
        //   row 7 over keys 0..7: .1 0 0 .1 .1 .2 0 .5 -> mass .5 before 7 -> key 0 .2, 3 .2, 4 .2, 5 .4
        //   row 8 over keys 0..8: 0 0 0 0 .1 .5 0 .2 .2 -> mass .6 before 7 -> key 4 1/6, 5 5/6
        //   PFS(2) = .4 + 5/6 = 37/30, PFS(4) = .2 + .2 + 1/6 = 17/30
        //   std (n-1) = (20/30) / sqrt 2 = sqrt(2) / 3
        //   AFS = (37/30 * 2/9 + 17/30 * 4/9) * sqrt(2)/3 * 7/9 = 71/135 * sqrt(2)/3 * 7/9 = 0.1928297
        // Layer 1 uniform: both PFS equal (2 x 2/7), std 0, AFS 0. CDS = mean = 0.0964148.
        Attn a = uniformCausal(2, 1, 9);
        const double r7[] = {.1, 0, 0, .1, .1, .2, 0, .5}, r8[] = {0, 0, 0, 0, .1, .5, 0, .2, .2};
        for (int j = 0; j < 8; ++j) a.at(0, 0, 7, j) = r7[j];
        for (int j = 0; j < 9; ++j) a.at(0, 0, 8, j) = r8[j];
        CdsParams p;
        p.span = 2;
        p.distanceStep = 1;
        p.queryStride = 1;
        p.minDistances = 2;
        QCOMPARE(scoring::cdsQueryTiles(9, p), std::vector<int64_t>{4});
        const double want = 71.0 / 135 * std::sqrt(2.0) / 3 * 7 / 9 / 2;
        QVERIFY(std::fabs(want - 0.0964148) < 1e-7);
        QVERIFY(std::fabs(naiveLadm(a, p) - want) < 1e-12);
        QVERIFY2(std::fabs(cdsOf(a, p) - want) < 1e-6, qPrintable(QString::number(cdsOf(a, p), 'g', 10)));
        // Too short for a query span: 0, as is an empty tile array.
        QCOMPARE(scoring::cdsQueryTiles(6, p), std::vector<int64_t>{});
        QCOMPARE(scoring::cdsFromTiles({}, 2, {}, 3, 6, p), 0.0);
    }

    void againstNaiveOnRandomAttention() {
        std::mt19937 rng(17);
        std::uniform_int_distribution<int> len(30, 140), span(1, 6), step(1, 3), stride(1, 4), minD(2, 4);
        int nonzero = 0;
        for (int trial = 0; trial < 60; ++trial) {
            CdsParams p;
            p.span = span(rng);
            p.distanceStep = step(rng);
            p.queryStride = stride(rng);
            p.minDistances = minD(rng);
            const Attn a = randomCausal(1 + trial % 3, 1 + trial % 2, len(rng), rng);
            const double want = naiveLadm(a, p), got = cdsOf(a, p);
            if (want > 0) ++nonzero;
            QVERIFY2(std::isfinite(got) && std::fabs(got - want) <= 1e-5 * std::max(1.0, std::fabs(want)),
                     qPrintable(QStringLiteral("trial %1: %2 vs naive %3").arg(trial).arg(got).arg(want)));
        }
        QVERIFY(nonzero > 40);  // most trials had query spans: the comparison is not vacuous
    }

    void settingsAndBadInput() {
        const scoring::Scorer* s = scoring::findScorer("cds");
        QVERIFY(s);
        QCOMPARE(s->rawKeys(), std::vector<std::string>{"cds"});
        QVERIFY(s->scores().at(0).higherSelected);
        QVERIFY(s->passes() & scoring::kPassTileAttention);
        const CdsParams d = scoring::cdsParams({});
        QCOMPARE(d.span, int64_t(128));
        QCOMPARE(d.distanceStep, int64_t(4));
        QCOMPARE(d.queryStride, int64_t(4));
        QCOMPARE(d.minDistances, int64_t(4));
        for (const char* k : {"cds_span", "cds_distance_step", "cds_query_stride", "cds_min_distances"}) {
            const scoring::ScorerConfigKey* c = scoring::findConfigKey(k);
            QVERIFY2(c && c->min >= 1 && c->max > c->min, k);
        }
        QVERIFY_THROWS_EXCEPTION(scoring::ScoringError, scoring::cdsParams({{"cds_span", 12.5}}));
        // A sample scored without the tile attention (or with another span) is an error, not 0.
        scoring::SampleRawScores raw;
        QVERIFY_THROWS_EXCEPTION(scoring::ScoringError, s->compute(raw, {}));
        raw.tileLen = 64;
        raw.layers = 1;
        QVERIFY_THROWS_EXCEPTION(scoring::ScoringError, s->compute(raw, {}));
        raw.tileLen = 128;
        raw.numTiles = 3;
        raw.sequenceTokens = 300;
        QCOMPARE(s->compute(raw, {}).at("cds"), 0.0);
        raw.tileQueries = {2};
        QVERIFY_THROWS_EXCEPTION(scoring::ScoringError, s->compute(raw, {}));  // shape
    }

    void throughTheCliOnTinyModels() {
        // Scored with "cds": 1 and small spans: a finite value per sample, stored, equal to the
        // aggregation of model B's tile attention taken straight from the engine, and listed
        // by rank --json; a run without it lists no cds.
        if (modelA_.empty()) QSKIP("Mistral tokenizer not found; skipping");
        const std::string data = dir_ + "/data.jsonl", project = dir_ + "/p.gateau";
        test::writeWordDataset(data, 5);
        {
            auto store = db::ProjectStore::open(project, true);
            db::importDataset(store, data);
        }
        const std::string base = R"("model_a": "m1", "model_b": "m2", "segment_len": 64, "max_tokens": 400, "dtype": "float32")";
        std::ofstream(dir_ + "/cds.json") << "{" << base
                                          << R"(, "cds": 1, "cds_span": 8, "cds_distance_step": 1, "cds_query_stride": 2, "cds_min_distances": 2})";
        std::ofstream(dir_ + "/plain.json") << "{" << base << "}";
        auto r = test::runCli({"score", test::q(project), "--config", test::q(dir_ + "/cds.json")});
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());
        r = test::runCli({"score", test::q(project), "--config", test::q(dir_ + "/plain.json")});
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());

        CdsParams p;
        p.span = 8;
        p.distanceStep = 1;
        p.queryStride = 2;
        p.minDistances = 2;
        model::EngineOptions opt;
        opt.dtype = model::ComputeDtype::Float32;
        opt.threads = 1;
        auto b = model::loadEngine(model::Checkpoint::open(modelB_), opt);
        auto tok = tok::Tokenizer::load(test::kTokenizerDir);
        scoring::PromptConfig cfg;
        cfg.segmentLen = 64;
        cfg.maxTokens = 400;
        std::map<int64_t, double> stored;
        int64_t cdsRun = 0, plainRun = 0;
        {
            auto store = db::ProjectStore::open(project, false);
            for (const auto& run : db::listRuns(store))
                (run.configJson.find("\"cds\"") != std::string::npos ? cdsRun : plainRun) = run.id;
            QVERIFY(cdsRun > 0 && plainRun > 0);
            for (const auto& row : db::loadRawScores(store, cdsRun)) {
                QCOMPARE(row.status, std::string("done"));
                const double v = row.values.at("cds");
                QVERIFY(std::isfinite(v) && v > 0);
                stored[row.sampleId] = v;
                const auto text = store.sampleText(row.sampleId);
                QVERIFY(text.has_value());
                const scoring::BuiltPrompt bp = scoring::buildPrompt(*tok, text->conversation, cfg);
                const std::vector<int64_t> ids(bp.ids.begin(), bp.ids.begin() + bp.spanEnd);
                model::SpanRequest req;
                req.spanFrom = bp.spanFrom;
                req.tileLen = p.span;
                req.tileQueries = scoring::cdsQueryTiles(bp.spanEnd, p);
                QVERIFY(!req.tileQueries.empty());
                const model::SpanResult sr = b->scoreSpan(ids, req);
                const double want =
                    scoring::cdsFromTiles(sr.tileAttention, sr.numLayers, sr.tileQueries, sr.numTiles, bp.spanEnd, p);
                QVERIFY_NEAR(v, want, 1e-4);
            }
            QCOMPARE(stored.size(), size_t(5));
            auto st = store.db().prepare("SELECT count(*) FROM sample_score_values WHERE key = 'cds' AND run_id = ?");
            st.bind(1, plainRun);
            QVERIFY(st.step());
            QCOMPARE(st.int64(0), int64_t(0));
        }
        auto rank = test::runCli({"rank", test::q(project), "--run", QString::number(cdsRun), "--json"});
        QVERIFY2(rank.code == 0, rank.err.c_str());
        // The document in a variable: a range-for over parse(...)["samples"] reads a destroyed
        // temporary (only the last temporary's life is extended; ASan found it).
        auto ranked = nlohmann::json::parse(rank.out);
        QCOMPARE(ranked["samples"].size(), stored.size());
        for (const auto& s : ranked["samples"])
            QCOMPARE(s["cds"].get<double>(), stored.at(s["sample_id"].get<int64_t>()));
        rank = test::runCli({"rank", test::q(project), "--run", QString::number(plainRun), "--json"});
        QVERIFY2(rank.code == 0, rank.err.c_str());
        ranked = nlohmann::json::parse(rank.out);
        QCOMPARE(ranked["samples"].size(), stored.size());
        for (const auto& s : ranked["samples"]) QVERIFY(!s.contains("cds"));
    }
};

QTEST_GUILESS_MAIN(TestCds)
#include "test_cds.moc"
