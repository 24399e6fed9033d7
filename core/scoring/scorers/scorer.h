#pragma once
// Scorers as plug-ins (docs/scorers.md): each per-sample score the workbench computes is one
// Scorer, in one file of this folder, listed once in registry.cpp. A scorer says which
// forward passes it reads (the sample scorer runs their union, each pass once), which raw
// per-sample values it stores, its RUN.json config keys, and how its ranked columns are made
// from the stored raw values over a pool at ranking time (METHOD.md: never baked in).
// Qt-free, torch-free.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gateau::scoring {

struct SampleRawScores;

// The forward passes of scoreSample (core/scoring/sample_scorer.h), as bits.
enum Pass : unsigned {
    kPassFullB = 1u << 0,         // B over the full prompt, with segment attention
    kPassFullA = 1u << 1,         // A over the full prompt
    kPassSegments = 1u << 2,      // B over each context segment + instruction
    kPassResponseOnly = 1u << 3,  // B over the response alone
    kPassSegmentPairs = 1u << 4,  // LDS model over prompt segments alone and in pairs (lds.cpp)
    kPassTileAttention = 1u << 5,  // B's full pass also keeps the query spans' prefix tile attention (CDS)
};
using Passes = unsigned;

// A number in RUN.json that changes what a scorer stores. It enters the run identity only
// when it differs from its default (so runs made before the key existed keep their identity).
struct ScorerConfigKey {
    std::string key;  // RUN.json key, unique across scorers
    double defaultValue = 0, min = 0, max = 0;
    std::string description;
};
using ScorerSettings = std::map<std::string, double>;  // config key -> value
using RawValues = std::map<std::string, double>;       // raw value key -> value, one sample

// A ranked column a scorer contributes (browser, plots, rank, evaluate, scores CSV).
struct ScoreDef {
    std::string key;          // "hmg", "key_token_share": JSON and CSV name
    std::string displayName;  // "HMG", "Key share": column header
    std::string description;  // one line, for tooltips and the glossary
    bool higherSelected = true;  // direction: does a higher value mean "keep first"?
};

class Scorer {
public:
    virtual ~Scorer() = default;
    virtual std::string key() const = 0;
    virtual std::string displayName() const = 0;
    virtual std::string description() const = 0;
    virtual std::vector<ScorerConfigKey> configKeys() const { return {}; }
    virtual Passes passes() const = 0;
    // An opt-in scorer needs passes of its own and runs only when the run asks for it: it
    // declares a config key named like its own key (default 0, bounds 0..1), and RUN.json's
    // `"lds": 1` turns it on (and, being non-default, enters the run identity). Its values
    // come from its passes, so they are never recomputed from a stored run's arrays.
    virtual bool optIn() const { return false; }
    // The raw per-sample values it stores (keys shared between scorers mean the same value).
    virtual std::vector<std::string> rawKeys() const = 0;
    // True for the scorers whose raw values predate plug-ins and live in sample_scores'
    // own columns; the others' go to sample_score_values (migration 9).
    virtual bool storedInScoreColumns() const { return false; }
    // One sample's raw values from what the passes produced. Throws ScoringError on bad input.
    virtual RawValues compute(const SampleRawScores& s, const ScorerSettings& settings) const = 0;
    virtual std::vector<ScoreDef> scores() const = 0;
    // One ranked column over a pool: pool[i] holds sample i's raw values (every rawKey).
    virtual std::vector<double> poolValues(const std::string& scoreKey, const std::vector<RawValues>& pool) const = 0;
};

// Every registered scorer, in column order (registry.cpp).
const std::vector<const Scorer*>& registeredScorers();
const Scorer* findScorer(const std::string& key);
// Whether a run with these settings computes the scorer: always, unless it is opt-in and
// not turned on.
bool scorerEnabled(const Scorer& scorer, const ScorerSettings& settings);
// The passes the scorers enabled by these settings need together.
Passes requiredPasses(const ScorerSettings& settings);
// Every registered config key with its default.
ScorerSettings defaultScorerSettings();
// The config key's declaration, or nullptr.
const ScorerConfigKey* findConfigKey(const std::string& key);
// The key's value in these settings, else its declared default (one place for each default).
// Throws ScoringError for a key no scorer declares.
double settingOf(const ScorerSettings& settings, const std::string& key);

// Helpers for poolValues.
std::vector<double> column(const std::vector<RawValues>& pool, const std::string& rawKey);

}  // namespace gateau::scoring
