// The one list of scorers (like QGIS's qgsnativealgorithms.cpp): a new scorer is a file in
// this folder defining its Scorer and a line here. An explicit list, not self-registering
// static objects: those are dropped by the linker from a static library nobody references.
#include "core/scoring/scorers/scorer.h"

#include "core/scoring/formulas.h"

namespace gateau::scoring {

const Scorer& hmgScorer();
const Scorer& camScorer();
const Scorer& pplScorer();
const Scorer& ifdScorer();
const Scorer& keyTokensScorer();
const Scorer& cdsScorer();
const Scorer& ldsScorer();

const std::vector<const Scorer*>& registeredScorers() {
    static const std::vector<const Scorer*> all = {&hmgScorer(), &camScorer(), &pplScorer(), &ifdScorer(),
                                                   &keyTokensScorer(), &ldsScorer(), &cdsScorer()};
    return all;
}

const Scorer* findScorer(const std::string& key) {
    for (const Scorer* s : registeredScorers())
        if (s->key() == key) return s;
    return nullptr;
}

bool scorerEnabled(const Scorer& scorer, const ScorerSettings& settings) {
    return !scorer.optIn() || settingOf(settings, scorer.key()) != 0;
}

Passes requiredPasses(const ScorerSettings& settings) {
    Passes p = 0;
    for (const Scorer* s : registeredScorers())
        if (scorerEnabled(*s, settings)) p |= s->passes();
    return p;
}

ScorerSettings defaultScorerSettings() {
    ScorerSettings out;
    for (const Scorer* s : registeredScorers())
        for (const auto& k : s->configKeys()) out[k.key] = k.defaultValue;
    return out;
}

const ScorerConfigKey* findConfigKey(const std::string& key) {
    static const std::vector<ScorerConfigKey> all = [] {
        std::vector<ScorerConfigKey> v;
        for (const Scorer* s : registeredScorers())
            for (const auto& k : s->configKeys()) v.push_back(k);
        return v;
    }();
    for (const auto& k : all)
        if (k.key == key) return &k;
    return nullptr;
}

double settingOf(const ScorerSettings& settings, const std::string& key) {
    auto it = settings.find(key);
    if (it != settings.end()) return it->second;
    const ScorerConfigKey* k = findConfigKey(key);
    if (!k) throw ScoringError("no scorer declares the config key \"" + key + "\"");
    return k->defaultValue;
}

std::vector<double> column(const std::vector<RawValues>& pool, const std::string& rawKey) {
    std::vector<double> out;
    out.reserve(pool.size());
    for (const RawValues& r : pool) {
        auto it = r.find(rawKey);
        if (it == r.end()) throw ScoringError("raw value \"" + rawKey + "\" is missing for a sample of the pool");
        out.push_back(it->second);
    }
    return out;
}

}  // namespace gateau::scoring
