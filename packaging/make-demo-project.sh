#!/usr/bin/env bash
# The built-in demo project, made from nothing but Debian's own text files:
#   a byte-level BPE tokenizer trained on the demo corpus, two tiny homologous Llama models
#   (same seed and weights; A with a 1k window and rope_theta 1e4, stretched 4x with dynamic
#   NTK as the paper does; B with a 64k window and rope_theta 5e5), the demo dataset with
#   ground-truth dependency tags, its import and a complete GATEAU scoring run on CPU,
#   then the ranking, the AUROC of every score against the tags, the export and the
#   project summary. The last line, "demo complete: ...", says that every step ran.
# Usage: packaging/make-demo-project.sh GATEAU_BINARY OUT_DIR [SAMPLES]
# Re-running reuses the tokenizer, models and project: the import adds nothing and the
# scoring run resumes (or finds nothing left to do).
set -euo pipefail
gateau="$1"
out="$2"
samples="${3:-200}"
mkdir -p "$out"
cd "$out"

[ -f tokenizer/tokenizer.json ] || "$gateau" make-tokenizer tokenizer
model() {  # name rope_theta max_pos
  [ -f "$1/config.json" ] || "$gateau" make-tiny-model "$1" --arch llama --tokenizer tokenizer --layers 2 --hidden 64 \
    --heads 4 --kv-heads 2 --intermediate 128 --seed 7 --rope-theta "$2" --max-pos "$3"
}
model model-short 10000 1024
model model-long 500000 65536
[ -f demo.jsonl ] || "$gateau" make-demo-dataset demo.jsonl --samples "$samples" --min-words 800 --max-words 3000
"$gateau" import demo.gateau demo.jsonl
cat > run.json <<'JSON'
{"model_a": "model-short", "model_b": "model-long", "stretch_a": 4, "segment_len": 128, "max_tokens": 65536}
JSON
"$gateau" score demo.gateau --config run.json
# The full ranking goes to a file and only its head to the terminal. Never pipe a command
# into a reader that stops early (head, grep -q): under pipefail the writer's SIGPIPE
# (exit 141) ends the script, as it did here once the ranking outgrew a pipe buffer.
"$gateau" rank demo.gateau --run 1 --top 10% > demo-ranking.txt
head -n 14 demo-ranking.txt
echo "(full ranking: $out/demo-ranking.txt)"
"$gateau" evaluate demo.gateau --run 1 --label gateau_demo.dependency=long
"$gateau" export demo.gateau demo-selected.jsonl --run 1 --top 10% --scores-csv demo-scores.csv
"$gateau" info demo.gateau
echo "demo complete: $(wc -l < demo-ranking.txt) ranking lines, $(wc -l < demo-selected.jsonl) samples exported to $out/demo-selected.jsonl"
