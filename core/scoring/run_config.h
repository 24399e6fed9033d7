#pragma once
// A scoring run's configuration (RUN.json) and its canonical JSON, the run identity
// (docs/scoring.md "Scoring runs"). Torch-free.
#include <string>

#include "core/scoring/formulas.h"  // ScoringError
#include "core/scoring/prompt.h"
#include "core/scoring/scorers/scorer.h"

namespace gateau::scoring {

// Bumped whenever a change to the scorer or the engine changes stored numbers, so that a
// new binary never resumes an old run with different maths.
constexpr const char* kScoringEngineVersion = "gateau-scorer/2";  // 2: whole-string prompts

struct RunConfig {
    std::string modelA, modelB;  // checkpoint folders (repo ids resolved), absolute
    std::string modelLds;        // RUN.json lds_model: the LDS pass's model, absolute; empty: model A
    PromptConfig prompt;         // template, max_tokens, segment_len, add_bos
    // > 1: model A runs with dynamic-NTK RoPE scaling of this factor (METHOD.md: the paper
    // stretches the short model to the long inputs); 1: A as configured.
    double stretchA = 1.0;
    std::string device = "cpu";
    std::string dtype = "auto";  // auto | float32 | bfloat16 | float16; auto is resolved for
                                 // the devices (jobs::resolveAutoDtype) before it names a run
    // The registered scorers' config keys (scorers/scorer.h), every one, defaults filled.
    ScorerSettings scorers = defaultScorerSettings();
    // lds_model is set and LDS is on: only then is it loaded and part of the run identity.
    bool ldsModelInUse() const;
};

// Parses RUN.json text: {"model_a", "model_b" (required), "preset", "segment_len", "max_tokens",
// "template", "add_bos", "stretch_a", "device", "dtype", "instruction", "response_turn", "lds_model", and every
// registered scorer's config key, e.g. "key_token_threshold"}; a
// "preset" ("paper", "reference-code") fills the keys the file leaves out, and missing keys
// take PromptConfig's defaults.
// "model_a" / "model_b" are folders or Hugging Face repo ids ("Qwen/Qwen3-8B[@revision]",
// resolved offline in the local hub cache by model::resolveModelDir; an existing folder wins);
// relative model paths are resolved against baseDir (when non-empty). All end up absolute
// ("lds_model", optional, the same way). Unknown keys, wrong
// types and invalid values throw ScoringError naming sourceName and the key.
RunConfig parseRunConfig(const std::string& jsonText, const std::string& sourceName, const std::string& baseDir = {});
// Reads the file; relative model paths are relative to the file's folder.
RunConfig loadRunConfig(const std::string& path);

// Canonical JSON (sorted keys, no whitespace) of everything that determines the stored
// numbers: for each model the SHA-256 of each of its weight files and of its config.json and
// tokenizer files (by file name), the prompt config (split rules included), stretch_a, dtype
// and kScoringEngineVersion; and each model's absolute path, for display and resume only (see
// runIdentityJson). Not the device: one run may be scored on several devices (and resumed on
// another one). Not the preset's name: only the values it gave. dtype must be resolved (never
// "auto", which would let a bf16 and an fp32 scoring share a run): throws ScoringError
// The scorers' config keys enter it only where they differ from their defaults, so runs
// made before a scorer existed keep their identity (changing a default needs a new engine
// version).
// otherwise. Opens both checkpoints and hashes their files (throws ModelError /
// std::runtime_error naming the file).
std::string canonicalRunConfigJson(const RunConfig& config);

// What identifies the run (its config_hash is the SHA-256 of this text): the canonical JSON
// without the models' paths, so a copied or symlinked model folder is the same run.
std::string runIdentityJson(const std::string& canonicalJson);

// Runs stored before the identity left out the paths (config_hash = SHA-256 of the full text,
// no config_files): whether one such stored text describes the same weights and settings.
bool matchesLegacyRun(const std::string& storedJson, const std::string& canonicalJson);

// The RunConfig a stored run was made with (to resume it or to rebuild its prompts):
// model paths, prompt config, stretch_a and dtype from its canonical JSON; device "cpu".
// Throws ScoringError on text that is not a canonical run config.
RunConfig runConfigFromCanonical(const std::string& canonicalJson);
// The scorer settings of a stored run: defaults, overridden by the keys its canonical JSON
// names. Never throws: text that is not a JSON object gives the defaults.
ScorerSettings scorerSettingsFromCanonical(const std::string& canonicalJson);

}  // namespace gateau::scoring
