#include "db/run_store.h"

#include "core/scoring/run_config.h"
#include "core/util/sha256.h"
#include "db/workers.h"

#include <cmath>
#include <cstring>
#include <map>

namespace gateau::db {

namespace {

constexpr char kMagic[4] = {'G', 'S', 'A', '1'};
enum : uint8_t { kF32 = 1, kF16 = 2 };

void putBytes(std::string& out, const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }

void putArray(std::string& out, const std::string& name, uint8_t dtype, const std::vector<int64_t>& dims,
              const std::vector<float>& v) {
    out.push_back(char(uint8_t(name.size())));
    out += name;
    out.push_back(char(dtype));
    out.push_back(char(uint8_t(dims.size())));
    for (int64_t d : dims) putBytes(out, &d, sizeof d);
    if (dtype == kF32) {
        putBytes(out, v.data(), v.size() * sizeof(float));
    } else {
        for (float f : v) {
            uint16_t h = floatToHalf(f);
            putBytes(out, &h, sizeof h);
        }
    }
}

std::vector<float> toFloats(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

struct Reader {
    const std::string& b;
    size_t pos = 0;
    void need(size_t n) {
        if (pos + n > b.size()) throw DbError("score arrays blob is truncated at byte " + std::to_string(pos));
    }
    template <typename T>
    T get() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, b.data() + pos, sizeof v);
        pos += sizeof v;
        return v;
    }
};


RunInfo readRun(Statement& st) {
    RunInfo r;
    r.id = st.int64(0);
    r.createdAt = st.text(1);
    r.configJson = st.text(2);
    r.configHash = st.text(3);
    r.status = st.text(4);
    r.done = st.int64(5);
    r.failed = st.int64(6);
    return r;
}

void releaseClaim(Database& db, int64_t runId, int64_t sampleId) {
    db.prepare("DELETE FROM sample_claims WHERE run_id = ?1 AND sample_id = ?2").bind(1, runId).bind(2, sampleId).run();
}

// The scorer settings of a run, from its stored canonical config.
scoring::ScorerSettings runScorerSettings(Database& db, int64_t runId) {
    auto st = db.prepare("SELECT config_json FROM runs WHERE id = ?1");
    st.bind(1, runId);
    return scoring::scorerSettingsFromCanonical(st.step() ? st.text(0) : std::string());
}

// The raw values of the run's scorers that have no sample_scores column of their own.
// fromArrays: s holds only what a stored run's arrays keep, so the opt-in scorers, whose
// values come from passes of their own, are left out.
scoring::RawValues pluginValues(const scoring::SampleRawScores& s, const scoring::ScorerSettings& settings,
                                bool fromArrays = false) {
    scoring::RawValues out;
    for (const scoring::Scorer* sc : scoring::registeredScorers())
        if (!sc->storedInScoreColumns() && scoring::scorerEnabled(*sc, settings) && !(fromArrays && sc->optIn()))
            for (const auto& [k, v] : sc->compute(s, settings)) out[k] = v;
    return out;
}

void saveScorerValues(Database& db, int64_t runId, int64_t sampleId, const scoring::SampleRawScores& s) {
    auto ins = db.prepare("INSERT OR REPLACE INTO sample_score_values(run_id, sample_id, key, value) VALUES (?1, ?2, ?3, ?4)");
    for (const auto& [k, v] : pluginValues(s, runScorerSettings(db, runId))) {
        ins.reset();
        ins.bind(1, runId).bind(2, sampleId).bind(3, k).bind(4, v);
        ins.run();
    }
}

const char* kRunSelect =
    "SELECT r.id, r.created_at, r.config_json, r.config_hash, r.status, "
    "(SELECT count(*) FROM sample_scores s WHERE s.run_id = r.id AND s.status = 'done'), "
    "(SELECT count(*) FROM sample_scores s WHERE s.run_id = r.id AND s.status = 'failed') FROM runs r ";

}  // namespace

uint16_t floatToHalf(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
    const uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) return uint16_t(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));  // inf / nan
    if (absx >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds to >= 65520: inf
    if (absx < 0x38800000u) {                                   // below the smallest normal half: subnormal
        if (absx < 0x33000000u) return sign;                    // < 2^-25: rounds to 0
        const uint32_t mant = (absx & 0x007fffffu) | 0x00800000u;
        const int s = 126 - int(absx >> 23);  // value = mant * 2^(e-150); half unit 2^-24; 14 <= s <= 24
        uint32_t h = mant >> s;
        const uint32_t rem = mant & ((1u << s) - 1), half = 1u << (s - 1);
        if (rem > half || (rem == half && (h & 1u))) ++h;
        return uint16_t(sign | h);
    }
    uint32_t h = ((absx - 0x38000000u) >> 13);  // rebias exponent 127 -> 15
    const uint32_t rem = absx & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    return uint16_t(sign | h);
}

float halfToFloat(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    float f;
    if (exp == 0) {
        f = std::ldexp(float(mant), -24);
        uint32_t x;
        std::memcpy(&x, &f, 4);
        x |= sign;
        std::memcpy(&f, &x, 4);
        return f;
    }
    uint32_t x = exp == 31 ? (sign | 0x7f800000u | (mant << 13)) : (sign | ((exp + 112) << 23) | (mant << 13));
    std::memcpy(&f, &x, 4);
    return f;
}

std::string encodeScoreArrays(const scoring::SampleRawScores& s) {
    std::string out(kMagic, 4);
    const uint32_t count = 7;
    putBytes(out, &count, sizeof count);
    const int64_t R = int64_t(s.logprobsA.size()), S = s.segments, Lyr = s.layers;
    putArray(out, "logprobs_a", kF32, {R}, s.logprobsA);
    putArray(out, "logprobs_b", kF32, {int64_t(s.logprobsB.size())}, s.logprobsB);
    putArray(out, "segment_ppl", kF32, {int64_t(s.segmentPpl.size())}, toFloats(s.segmentPpl));
    putArray(out, "importance", kF32, {int64_t(s.importance.size())}, toFloats(s.importance));
    putArray(out, "attention", kF32, {int64_t(s.attention.size())}, toFloats(s.attention));
    const bool haveLayer = int64_t(s.layerSegmentAttention.size()) == Lyr * S;
    putArray(out, "layer_segment_attention", kF16, {haveLayer ? Lyr : 0, S}, s.layerSegmentAttention);
    const int64_t tokRows = S > 0 ? int64_t(s.tokenSegmentAttention.size()) / S : 0;
    putArray(out, "token_segment_attention", kF16, {tokRows, S}, s.tokenSegmentAttention);
    return out;
}

ScoreArrays decodeScoreArrays(const std::string& blob) {
    ScoreArrays a;
    if (blob.empty()) return a;
    Reader r{blob};
    r.need(4);
    if (std::memcmp(blob.data(), kMagic, 4) != 0) throw DbError("score arrays blob: bad magic");
    r.pos = 4;
    const uint32_t count = r.get<uint32_t>();
    for (uint32_t i = 0; i < count; ++i) {
        const uint8_t nameLen = r.get<uint8_t>();
        r.need(nameLen);
        std::string name = blob.substr(r.pos, nameLen);
        r.pos += nameLen;
        const uint8_t dtype = r.get<uint8_t>();
        const uint8_t ndim = r.get<uint8_t>();
        std::vector<int64_t> dims(ndim);
        int64_t numel = 1;
        for (auto& d : dims) {
            d = r.get<int64_t>();
            if (d < 0 || d > (int64_t(1) << 40)) throw DbError("score arrays blob: bad dimension in " + name);
            numel *= d;
        }
        if (dtype != kF32 && dtype != kF16) throw DbError("score arrays blob: unknown dtype in " + name);
        std::vector<float> v(static_cast<size_t>(numel));
        if (dtype == kF32) {
            r.need(size_t(numel) * 4);
            std::memcpy(v.data(), blob.data() + r.pos, size_t(numel) * 4);
            r.pos += size_t(numel) * 4;
        } else {
            for (auto& f : v) f = halfToFloat(r.get<uint16_t>());
        }
        if (name == "logprobs_a") a.logprobsA = std::move(v), a.responseTokens = numel;
        else if (name == "logprobs_b") a.logprobsB = std::move(v);
        else if (name == "segment_ppl") a.segmentPpl = std::move(v), a.segments = numel;
        else if (name == "importance") a.importance = std::move(v);
        else if (name == "attention") a.attention = std::move(v);
        else if (name == "layer_segment_attention") a.layerSegmentAttention = std::move(v), a.layers = dims.empty() ? 0 : dims[0];
        else if (name == "token_segment_attention") a.tokenSegmentAttention = std::move(v);
        // unknown names are skipped (forward compatibility)
    }
    return a;
}

namespace {
std::string sha256Text(const std::string& text) {
    util::Sha256 h;
    h.update(text.data(), text.size());
    return h.hexDigest();
}

// A run stored before the identity left out the model paths keeps its rows: the first time
// its configuration is used again (from any folder), it takes the new hash.
void adoptLegacyRun(Database& db, const std::string& canonicalConfigJson, const std::string& hash) {
    auto have = db.prepare("SELECT 1 FROM runs WHERE config_hash = ?1");
    have.bind(1, hash);
    if (have.step()) return;
    std::vector<std::pair<int64_t, std::string>> legacy;
    {
        auto st = db.prepare("SELECT id, config_json, config_hash FROM runs ORDER BY id");
        while (st.step())
            if (st.text(2) == sha256Text(st.text(1)) && st.text(2) != configHash(st.text(1)))
                legacy.emplace_back(st.int64(0), st.text(1));
    }
    for (const auto& [id, json] : legacy) {
        if (!scoring::matchesLegacyRun(json, canonicalConfigJson)) continue;
        db.prepare("UPDATE runs SET config_hash = ?2 WHERE id = ?1").bind(1, id).bind(2, hash).run();
        return;
    }
}
}  // namespace

std::string configHash(const std::string& canonicalConfigJson) {
    return sha256Text(scoring::runIdentityJson(canonicalConfigJson));
}

RunInfo createOrFindRun(ProjectStore& store, const std::string& canonicalConfigJson) {
    Database& db = store.db();
    const std::string hash = configHash(canonicalConfigJson);
    Transaction tx(db);
    adoptLegacyRun(db, canonicalConfigJson, hash);
    auto ins = db.prepare(
        "INSERT INTO runs(created_at, config_json, config_hash, status) VALUES (?1, ?2, ?3, 'open') "
        "ON CONFLICT(config_hash) DO NOTHING");
    ins.bind(1, utcNow()).bind(2, canonicalConfigJson).bind(3, hash).run();
    auto st = db.prepare(std::string(kRunSelect) + "WHERE r.config_hash = ?1");
    st.bind(1, hash);
    if (!st.step()) throw DbError(store.path() + ": run with config hash " + hash + " vanished");
    RunInfo r = readRun(st);
    st.reset();
    tx.commit();
    return r;
}

std::optional<RunInfo> findRun(ProjectStore& store, int64_t runId) {
    auto st = store.db().prepare(std::string(kRunSelect) + "WHERE r.id = ?1");
    st.bind(1, runId);
    if (!st.step()) return std::nullopt;
    return readRun(st);
}

std::vector<RunInfo> listRuns(ProjectStore& store) {
    auto st = store.db().prepare(std::string(kRunSelect) + "ORDER BY r.id");
    std::vector<RunInfo> out;
    while (st.step()) out.push_back(readRun(st));
    return out;
}

void setRunStatus(ProjectStore& store, int64_t runId, const std::string& status) {
    store.db().prepare("UPDATE runs SET status = ?2 WHERE id = ?1").bind(1, runId).bind(2, status).run();
}

std::vector<int64_t> pendingSamples(ProjectStore& store, int64_t runId, int64_t limit) {
    auto st = store.db().prepare(
        "SELECT s.id FROM samples s JOIN datasets d ON d.id = s.dataset_id "
        "WHERE d.status = 'complete' AND NOT EXISTS "
        "(SELECT 1 FROM sample_scores x WHERE x.run_id = ?1 AND x.sample_id = s.id) ORDER BY s.id LIMIT ?2");
    st.bind(1, runId).bind(2, limit);
    std::vector<int64_t> out;
    while (st.step()) out.push_back(st.int64(0));
    return out;
}

void saveSampleScore(ProjectStore& store, int64_t runId, int64_t sampleId, const scoring::SampleRawScores& s) {
    Database& db = store.db();
    const std::string blob = encodeScoreArrays(s);
    Transaction tx(db);
    auto st = db.prepare(
        "INSERT INTO sample_scores(run_id, sample_id, status, error, prompt_tokens, response_tokens, context_tokens, "
        "truncated, ppl_a, ppl_b, ppl_response_only, ifd, cas, cam_raw, arrays, finished_at) "
        "VALUES (?1, ?2, 'done', NULL, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
        "ON CONFLICT(run_id, sample_id) DO NOTHING");
    st.bind(1, runId).bind(2, sampleId).bind(3, s.promptTokens).bind(4, s.responseTokens).bind(5, s.contextTokens);
    st.bind(6, int64_t(s.truncated ? 1 : 0)).bind(7, s.pplA).bind(8, s.pplB).bind(9, s.pplResponseOnly);
    st.bind(10, s.ifd).bind(11, s.cas).bind(12, s.camRaw);
    st.bindBlob(13, blob);
    st.bind(14, utcNow());
    st.run();
    if (db.changes() > 0) saveScorerValues(db, runId, sampleId, s);
    releaseClaim(db, runId, sampleId);
    tx.commit();
}

void saveFailure(ProjectStore& store, int64_t runId, int64_t sampleId, const std::string& reason) {
    Database& db = store.db();
    Transaction tx(db);
    auto st = db.prepare(
        "INSERT INTO sample_scores(run_id, sample_id, status, error, finished_at) VALUES (?1, ?2, 'failed', ?3, ?4) "
        "ON CONFLICT(run_id, sample_id) DO NOTHING");
    st.bind(1, runId).bind(2, sampleId).bind(3, reason).bind(4, utcNow());
    st.run();
    releaseClaim(db, runId, sampleId);
    tx.commit();
}

bool claimSample(ProjectStore& store, int64_t runId, int64_t sampleId, int64_t workerId) {
    Database& db = store.db();
    Transaction tx(db);
    auto done = db.prepare("SELECT 1 FROM sample_scores WHERE run_id = ?1 AND sample_id = ?2");
    done.bind(1, runId).bind(2, sampleId);
    if (done.step()) return false;
    auto holder = db.prepare("SELECT worker_id FROM sample_claims WHERE run_id = ?1 AND sample_id = ?2");
    holder.bind(1, runId).bind(2, sampleId);
    if (holder.step()) {
        const int64_t other = holder.int64(0);
        holder.reset();
        if (other == workerId) return true;
        if (!workerIsDead(db, other)) return false;
        // Killed mid-run: its claims (this one and the rest) go with its row.
        forgetWorker(db, other);
    }
    db.prepare("INSERT INTO sample_claims(run_id, sample_id, worker_id, claimed_at) VALUES (?1, ?2, ?3, ?4)")
        .bind(1, runId).bind(2, sampleId).bind(3, workerId).bind(4, utcNow()).run();
    tx.commit();
    return true;
}

int64_t claimedByOthers(ProjectStore& store, int64_t runId, int64_t workerId) {
    Database& db = store.db();
    std::vector<int64_t> workers;
    auto st = db.prepare("SELECT DISTINCT worker_id FROM sample_claims WHERE run_id = ?1 AND worker_id != ?2");
    st.bind(1, runId).bind(2, workerId);
    while (st.step()) workers.push_back(st.int64(0));
    int64_t n = 0;
    for (int64_t w : workers) {
        if (workerIsDead(db, w)) continue;
        auto c = db.prepare("SELECT count(*) FROM sample_claims WHERE run_id = ?1 AND worker_id = ?2");
        c.bind(1, runId).bind(2, w);
        if (c.step()) n += c.int64(0);
    }
    return n;
}

int64_t resetFailures(ProjectStore& store, int64_t runId) {
    Database& db = store.db();
    Transaction tx(db);
    db.prepare("DELETE FROM sample_scores WHERE run_id = ?1 AND status = 'failed'").bind(1, runId).run();
    const int64_t n = db.changes();
    tx.commit();
    return n;
}

namespace {

StoredScore readScore(Statement& st) {
    StoredScore r;
    r.runId = st.int64(0);
    r.sampleId = st.int64(1);
    r.externalId = st.text(2);
    r.status = st.text(3);
    r.error = st.text(4);
    r.finishedAt = st.text(5);
    r.promptTokens = st.int64(6);
    r.responseTokens = st.int64(7);
    r.contextTokens = st.int64(8);
    r.truncated = st.int64(9) != 0;
    r.pplA = st.real(10);
    r.pplB = st.real(11);
    r.pplResponseOnly = st.real(12);
    r.ifd = st.real(13);
    r.cas = st.real(14);
    r.camRaw = st.real(15);
    if (!st.isNull(16)) r.arraysBlob = st.blob(16);
    r.datasetId = st.int64(17);
    r.datasetName = st.text(18);
    return r;
}

std::string scoreSelect(bool withArrays) {
    return std::string(
               "SELECT x.run_id, x.sample_id, coalesce(s.external_id, ''), x.status, coalesce(x.error, ''), "
               "x.finished_at, coalesce(x.prompt_tokens, 0), coalesce(x.response_tokens, 0), "
               "coalesce(x.context_tokens, 0), coalesce(x.truncated, 0), coalesce(x.ppl_a, 0), coalesce(x.ppl_b, 0), "
               "coalesce(x.ppl_response_only, 0), coalesce(x.ifd, 0), coalesce(x.cas, 0), coalesce(x.cam_raw, 0), ") +
           (withArrays ? "x.arrays" : "NULL") +
           ", s.dataset_id, d.name FROM sample_scores x JOIN samples s ON s.id = x.sample_id "
           "JOIN datasets d ON d.id = s.dataset_id ";
}

}  // namespace

namespace {

// Fills r.values: the columns, the stored plug-in values, and whatever a scorer registered
// after the sample was scored still lacks, computed from the arrays (loaded when needed).
void fillRawValues(Database& db, StoredScore& r, const scoring::RawValues& stored,
                   const scoring::ScorerSettings& settings) {
    if (r.status != "done") return;
    r.values = {{"ppl_a", r.pplA},           {"ppl_b", r.pplB}, {"ppl_response_only", r.pplResponseOnly},
                {"ifd", r.ifd},              {"cas", r.cas},    {"cam_raw", r.camRaw}};
    for (const auto& [k, v] : stored) r.values[k] = v;
    bool missing = false;
    for (const scoring::Scorer* sc : scoring::registeredScorers())
        if (!sc->optIn())
            for (const auto& k : sc->rawKeys()) missing = missing || !r.values.count(k);
    if (!missing) return;
    std::string blob = r.arraysBlob;
    if (blob.empty()) {
        auto st = db.prepare("SELECT arrays FROM sample_scores WHERE run_id = ?1 AND sample_id = ?2");
        st.bind(1, r.runId).bind(2, r.sampleId);
        if (st.step() && !st.isNull(0)) blob = st.blob(0);
    }
    // Without usable arrays the values stay missing and the scorer's columns are left out
    // for the pool (db::scoreColumns): a plug-in never makes a run that ranked before unrankable.
    if (blob.empty()) return;
    try {
        const ScoreArrays a = decodeScoreArrays(blob);
        scoring::SampleRawScores s;
        s.promptTokens = r.promptTokens;
        s.responseTokens = r.responseTokens;
        s.contextTokens = r.contextTokens;
        s.truncated = r.truncated;
        s.pplA = r.pplA, s.pplB = r.pplB, s.pplResponseOnly = r.pplResponseOnly, s.ifd = r.ifd;
        s.cas = r.cas, s.camRaw = r.camRaw;
        s.logprobsA = a.logprobsA;
        s.logprobsB = a.logprobsB;
        for (const auto& [k, v] : pluginValues(s, settings, true))
            if (!r.values.count(k)) r.values[k] = v;
    } catch (const std::exception&) {
    }
}

std::map<int64_t, scoring::RawValues> storedPluginValues(Database& db, int64_t runId, int64_t sampleId = -1) {
    auto st = db.prepare(sampleId < 0
                             ? "SELECT sample_id, key, value FROM sample_score_values WHERE run_id = ?1"
                             : "SELECT sample_id, key, value FROM sample_score_values WHERE run_id = ?1 AND sample_id = ?2");
    st.bind(1, runId);
    if (sampleId >= 0) st.bind(2, sampleId);
    std::map<int64_t, scoring::RawValues> out;
    while (st.step()) out[st.int64(0)][st.text(1)] = st.real(2);
    return out;
}

}  // namespace

std::vector<StoredScore> loadRawScores(ProjectStore& store, int64_t runId, bool withArrays) {
    auto st = store.db().prepare(scoreSelect(withArrays) + "WHERE x.run_id = ?1 ORDER BY x.sample_id");
    st.bind(1, runId);
    std::vector<StoredScore> out;
    while (st.step()) out.push_back(readScore(st));
    const auto stored = storedPluginValues(store.db(), runId);
    const auto settings = runScorerSettings(store.db(), runId);
    for (StoredScore& r : out) {
        auto it = stored.find(r.sampleId);
        fillRawValues(store.db(), r, it == stored.end() ? scoring::RawValues{} : it->second, settings);
    }
    return out;
}

std::optional<StoredScore> loadSampleScore(ProjectStore& store, int64_t runId, int64_t sampleId) {
    auto st = store.db().prepare(scoreSelect(true) + "WHERE x.run_id = ?1 AND x.sample_id = ?2");
    st.bind(1, runId);
    st.bind(2, sampleId);
    if (!st.step()) return std::nullopt;
    StoredScore r = readScore(st);
    const auto stored = storedPluginValues(store.db(), runId, sampleId);
    auto it = stored.find(sampleId);
    fillRawValues(store.db(), r, it == stored.end() ? scoring::RawValues{} : it->second,
                  runScorerSettings(store.db(), runId));
    return r;
}

}  // namespace gateau::db
