#!/usr/bin/env python3
"""Reference implementation of whole-prompt encoding (issue 10, METHOD.md "Tokenization").

Writes GOLDEN files that the C++ prompt builder is tested against:

    python3 make_prompt_golden.py TOKENIZERS_DIR OUTDIR [RECORDS.jsonl]

TOKENIZERS_DIR is ../shared/testdata/tokenizers (llama2/tokenizer.model, llama3, mistral,
qwen3 tokenizer.json). RECORDS defaults to prompt_records.jsonl beside this script. Writes
OUTDIR/prompt_golden_{llama2,llama3,mistral,qwen3}.jsonl and prints, per tokenizer, the
tokens that straddle a part and the template (what the priority rule below decided).

Produced with Python 3.11.7, tokenizers 0.23.3, sentencepiece 0.2.3 (+ protobuf 7.36.2,
which sentencepiece >= 0.2.1 needs for out_type='proto'), in a venv outside the repo:
    python3 -m venv /work/venv-golden
    /work/venv-golden/bin/pip install tokenizers sentencepiece protobuf
These versions reproduce every line of the tokenizers' own golden.jsonl (checked on start).

Definition (the C++ implements the same):
- Records: LongAlign/OpenAI "messages", ShareGPT "conversations", Alpaca
  "instruction"/"input"/"output", mapped to turns exactly as core/datasets/record_parser.cpp.
  An extra top-level "_config": {"max_tokens": M, "segment_len": L} sets the run config
  for that record (defaults 65536 / 128); the C++ record parser ignores unknown keys.
- Split: response = last assistant turn; u = last user turn before it; the instruction is
  u's text after its last paragraph separator ("\\n\\n" or "\\r\\n\\r\\n", whichever occurrence
  starts later), the text before it is user_context (no separator: "" and the whole turn).
  context = the turns before u as "role: content" joined by "\\n\\n", then "\\n\\n" when both
  sides are non-empty, then user_context.
- Render: the template with its three placeholders replaced in one pass (a placeholder
  inside a part's text stays literal); the parts' character ranges are kept.
- Encode the WHOLE rendered string with special tokens (HF: encode(text,
  add_special_tokens=True), ByteLevel post-processors with trim_offsets false; llama2: BOS +
  SentencePiece). Each token's span is the original characters it came from (code points).
  Post-processor tokens have no span. SentencePiece gives byte-fallback pieces other than a
  character's last an empty span: they get that character's span, as HF does.
- A token belongs to the part its span overlaps (non-empty intersection); overlapping
  several: response > instruction > context. Template-only and post-processor tokens: no
  part. Each part's tokens are contiguous [b, e). Empty context: null. Empty instruction:
  [b, b), b = first text token starting at or after the instruction's position (or just
  past the last text token). Empty response: error.
- Truncation: n = len(ids) > max_tokens: k = n - max_tokens must be <= the number of context
  tokens (else error); the first k context tokens are dropped and later ranges shift.
  Dropping every context token leaves context [b, b] and no segments.
- Segments tile the kept context from its begin in steps of segment_len.
"""
import json
import os
import sys
import unicodedata

TEMPLATE = "### Input: {context}\n\n ### Instruction: {instruction}\n\n ### Response: {response}"
DEFAULT_MAX_TOKENS, DEFAULT_SEGMENT_LEN = 65536, 128
PARTS = ("context", "instruction", "response")  # ascending priority
TOKENIZERS = ("llama2", "llama3", "mistral", "qwen3")


class BuildError(Exception):
    pass


# ---------------------------------------------------------------- records -> turns
def _string(obj, key, where, required):
    if key not in obj:
        if required:
            raise BuildError(f'{where}: missing "{key}"')
        return ""
    v = obj[key]
    if v is None and not required:
        return ""
    if not isinstance(v, str):
        raise BuildError(f'{where}: "{key}" is not a string')
    return v


def _content(v, where):
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    if not isinstance(v, list):
        raise BuildError(f"{where}: content is neither a string nor a list of parts")
    out = ""
    for part in v:
        if isinstance(part, str):
            out += part
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            out += part["text"]
    return out


MESSAGES_ROLES = {"system": "system", "user": "user", "human": "user", "assistant": "assistant", "gpt": "assistant"}
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                  "chatgpt": "assistant", "model": "assistant", "bard": "assistant", "bing": "assistant"}


def turns_of(rec):
    if not isinstance(rec, dict):
        raise BuildError("record is not a JSON object")
    turns = []
    if "messages" in rec:
        if not isinstance(rec["messages"], list):
            raise BuildError('"messages" is not an array')
        for i, m in enumerate(rec["messages"]):
            where = f"messages[{i}]"
            if not isinstance(m, dict):
                raise BuildError(f"{where} is not an object")
            role = _string(m, "role", where, True)
            if role not in MESSAGES_ROLES:
                raise BuildError(f"{where}: unknown role '{role}'")
            if "content" not in m:
                raise BuildError(f'{where}: missing "content"')
            turns.append((MESSAGES_ROLES[role], _content(m["content"], where)))
    elif "conversations" in rec:
        system = _string(rec, "system", "record", False)
        if system:
            turns.append(("system", system))
        if not isinstance(rec["conversations"], list):
            raise BuildError('"conversations" is not an array')
        for i, m in enumerate(rec["conversations"]):
            where = f"conversations[{i}]"
            if not isinstance(m, dict):
                raise BuildError(f"{where} is not an object")
            frm = _string(m, "from", where, True)
            if frm not in SHAREGPT_ROLES:
                raise BuildError(f"{where}: unknown speaker '{frm}'")
            turns.append((SHAREGPT_ROLES[frm], _string(m, "value", where, True)))
    elif "instruction" in rec or "output" in rec:
        system = _string(rec, "system", "record", False)
        if system:
            turns.append(("system", system))
        for i, pair in enumerate(rec.get("history") or []):
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) for s in pair)):
                raise BuildError(f"history[{i}] is not a [question, answer] pair of strings")
            turns += [("user", pair[0]), ("assistant", pair[1])]
        instruction = _string(rec, "instruction", "record", True)
        inp = _string(rec, "input", "record", False)
        output = _string(rec, "output", "record", True)
        turns.append(("user", instruction if not inp else inp + "\n\n" + instruction))
        turns.append(("assistant", output))
    else:
        raise BuildError("unrecognised schema")
    if not any(r == "assistant" for r, _ in turns):
        raise BuildError("record has no assistant turn")
    return turns


# ---------------------------------------------------------------- turns -> parts -> text
def split_instruction(user):
    lf, crlf = user.rfind("\n\n"), user.rfind("\r\n\r\n")
    if lf < 0 and crlf < 0:
        return "", user
    if crlf > lf:
        return user[:crlf], user[crlf + 4:]
    return user[:lf], user[lf + 2:]


def split_conversation(turns):
    r = max(i for i, (role, _) in enumerate(turns) if role == "assistant")
    u = r - 1
    while u >= 0 and turns[u][0] != "user":
        u -= 1
    if u < 0:
        raise BuildError("no user turn before the response")
    context = "\n\n".join(f"{role}: {content}" for role, content in turns[:u])
    user_context, instruction = split_instruction(turns[u][1])
    if context and user_context:
        context += "\n\n"
    context += user_context
    return {"context": context, "instruction": instruction, "response": turns[r][1]}


def render(parts):
    """The rendered prompt and each part's [start, end) in code points."""
    text, ranges, rest = "", {}, TEMPLATE
    for name in PARTS:
        before, rest = rest.split("{" + name + "}", 1)
        text += before
        ranges[name] = (len(text), len(text) + len(parts[name]))
        text += parts[name]
    return text + rest, ranges


# ---------------------------------------------------------------- tokenizers
class HFTokenizer:
    def __init__(self, path):
        from tokenizers import Tokenizer
        spec = json.load(open(path, encoding="utf-8"))
        _untrim_byte_level(spec.get("post_processor"))
        self.tk = Tokenizer.from_str(json.dumps(spec))
        self.nfc = "NFC" in json.dumps(spec.get("normalizer"))

    def encode(self, text, special=True):
        """[(id, (start, end) in code points or None for post-processor tokens)]"""
        enc = self.tk.encode(text, add_special_tokens=special)
        out = []
        for tid, off, added in zip(enc.ids, enc.offsets, enc.special_tokens_mask):
            assert not added or off == (0, 0), (tid, off)
            out.append((tid, None if added else tuple(off)))
        return out

    def decode(self, ids):
        return self.tk.decode(ids, skip_special_tokens=False)

    def piece(self, tid):
        return self.tk.id_to_token(tid)


def _untrim_byte_level(proc):
    # trim_offsets would drop a token's leading space from its span, and with it the
    # overlap that makes " The" a response token.
    if isinstance(proc, dict):
        if proc.get("type") == "ByteLevel":
            proc["trim_offsets"] = False
        for child in proc.get("processors") or []:
            _untrim_byte_level(child)


class SPTokenizer:
    nfc = False

    def __init__(self, path):
        import sentencepiece
        self.sp = sentencepiece.SentencePieceProcessor(model_file=path)

    def encode(self, text, special=True):
        raw = text.encode("utf-8")
        char_at = [0] * (len(raw) + 1)  # byte offset -> code point index
        pos = 0
        for ci, ch in enumerate(text):
            for _ in range(len(ch.encode("utf-8"))):
                char_at[pos] = ci
                pos += 1
        char_at[len(raw)] = len(text)
        pieces = list(self.sp.encode(text, out_type="proto").pieces)
        out = [(self.sp.bos_id(), None)] if special else []
        for i, p in enumerate(pieces):
            b, e = p.begin, p.end
            if b == e:
                # Byte-fallback pieces before a character's last, and the dummy-prefix ▁
                # before a piece that does not absorb it, carry no span: they get the
                # character at their position, as Hugging Face gives them.
                assert b < len(raw) and (self.sp.is_byte(p.id) or (i == 0 and p.piece == "\u2581")), p
                out.append((p.id, (char_at[b], char_at[b] + 1)))
            else:
                out.append((p.id, (char_at[b], char_at[e])))
        return out

    def decode(self, ids):
        return self.sp.decode(ids)

    def piece(self, tid):
        return self.sp.id_to_piece(tid)


def load_tokenizer(root, name):
    folder = os.path.join(root, name)
    if os.path.exists(os.path.join(folder, "tokenizer.json")):
        return HFTokenizer(os.path.join(folder, "tokenizer.json"))
    return SPTokenizer(os.path.join(folder, "tokenizer.model"))


def check_reference(tok, golden_path):
    """The installed libraries must reproduce the tokenizer's own golden encodings."""
    for n, line in enumerate(open(golden_path, encoding="utf-8"), 1):
        d = json.loads(line)
        for special, key in ((False, "ids"), (True, "ids_with_special")):
            ids = [t for t, _ in tok.encode(d["text"], special)]
            assert ids == d[key], f"{golden_path}:{n}: {key} differ: library version?"


# ---------------------------------------------------------------- the build
def assign(tokens, ranges, text_len):
    """Owner part per token (None: template or post-processor), and the tokens whose span
    overlaps several regions, with those regions in text order."""
    regions, pos = [], 0  # template, context, template, instruction, template, response, template
    for name in PARTS:
        regions += [("template", pos, ranges[name][0]), (name, *ranges[name])]
        pos = ranges[name][1]
    regions.append(("template", pos, text_len))
    owners, straddles = [], []
    for i, (_, span) in enumerate(tokens):
        if span is None:
            owners.append(None)
            continue
        hit = [name for name, a, b in regions if max(span[0], a) < min(span[1], b)]
        owners.append(next((p for p in reversed(PARTS) if p in hit), None))
        if len(hit) > 1:
            straddles.append((i, tuple(hit)))
    return owners, straddles


def part_range(owners, tokens, name, start):
    idx = [i for i, o in enumerate(owners) if o == name]
    if idx:
        assert idx == list(range(idx[0], idx[-1] + 1)), f"{name} tokens not contiguous: {idx}"
        return [idx[0], idx[-1] + 1]
    text_tokens = [i for i, (_, span) in enumerate(tokens) if span is not None]
    b = next((i for i in text_tokens if tokens[i][1][0] >= start), text_tokens[-1] + 1 if text_tokens else 0)
    return [b, b]


def check_coverage(text, tokens, nfc):
    """Spans tile the text in order; overlaps only of one code point (a character split
    into bytes, or a prepended ▁), gaps only of characters NFC composed away."""
    end = 0
    prev_start = 0
    for _, span in tokens:
        if span is None:
            continue
        s, e = span
        assert 0 <= s < e <= len(text) and s >= prev_start, f"bad span {span}"
        if s > end:
            assert nfc and end > 0 and len(unicodedata.normalize("NFC", text[end - 1:s])) == 1, \
                f"gap {text[end:s]!r} at {end}"
        assert s >= end - 1, f"overlap of more than one character at {s}"
        end, prev_start = max(end, e), s
    assert end == len(text) or (nfc and len(unicodedata.normalize("NFC", text[end - 1:])) == 1), \
        f"text not covered from {end}"


def build(tok, rec):
    config = rec.get("_config") or {}
    max_tokens = int(config.get("max_tokens", DEFAULT_MAX_TOKENS))
    seg_len = int(config.get("segment_len", DEFAULT_SEGMENT_LEN))
    parts = split_conversation(turns_of(rec))
    if not parts["response"]:
        raise BuildError("response is empty: nothing to score")
    text, ranges = render(parts)
    tokens = tok.encode(text)
    check_coverage(text, tokens, tok.nfc)
    owners, straddles = assign(tokens, ranges, len(text))
    out = {name: part_range(owners, tokens, name, ranges[name][0]) for name in PARTS}
    for name in PARTS:
        assert (out[name][0] < out[name][1]) == bool(parts[name]), f"{name}: text and tokens disagree"
    ids = [t for t, _ in tokens]
    rb, re_ = out["response"]
    decoded = tok.decode(ids[rb:re_])
    # Decoders drop one leading space; HF Mistral also decodes the ▁ its Prepend normalizer
    # adds after a special token inside the text; NFC composes.
    squash = lambda t: "".join(unicodedata.normalize("NFC", t).split())
    assert parts["response"] in decoded or parts["response"] in " " + decoded or \
        squash(parts["response"]) in squash(decoded), f"response not in decoded {decoded!r}"

    context = out["context"] if parts["context"] else None
    k = 0
    if len(ids) > max_tokens:
        k = len(ids) - max_tokens
        have = context[1] - context[0] if context else 0
        if k > have:
            raise BuildError(f"needs {len(ids)} tokens, max_tokens {max_tokens}: "
                             f"{k} over, but only {have} context tokens to drop")
        cb, ce = context
        ids = ids[:cb] + ids[cb + k:]
        context = [cb, ce - k]
        for name in ("instruction", "response"):
            out[name] = [out[name][0] - k, out[name][1] - k]
    segments = [[b, min(b + seg_len, context[1])] for b in range(context[0], context[1], seg_len)] if context else []
    line = {"max_tokens": max_tokens, "segment_len": seg_len, "ids": ids, "context": context,
            "instruction": out["instruction"], "response": out["response"], "segments": segments,
            "truncated_context_tokens": k}
    return line, [(tokens[i], hit) for i, hit in straddles], text


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit("usage: " + __doc__.split("\n\n")[2].strip())
    root, outdir = argv[1], argv[2]
    records_path = argv[3] if len(argv) == 4 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                "prompt_records.jsonl")
    records = [json.loads(line) for line in open(records_path, encoding="utf-8")]
    os.makedirs(outdir, exist_ok=True)
    for name in TOKENIZERS:
        tok = load_tokenizer(root, name)
        check_reference(tok, os.path.join(root, name, "golden.jsonl"))
        notes = {}
        with open(os.path.join(outdir, f"prompt_golden_{name}.jsonl"), "w", encoding="utf-8") as f:
            for n, rec in enumerate(records, 1):
                try:
                    line, straddles, text = build(tok, rec)
                    for (tid, (s, e)), hit in straddles:
                        notes.setdefault(" > ".join(hit), []).append(f"{n}:{tok.piece(tid)!r}={text[s:e]!r}")
                    f.write(json.dumps({"line": n, **line}, separators=(",", ":")) + "\n")
                except BuildError as err:
                    f.write(json.dumps({"line": n, "error": str(err)}) + "\n")
                    print(f"{name} line {n}: error: {err}")
        for kind, examples in sorted(notes.items()):
            print(f"{name}: {len(examples)} tokens span {kind}: {' '.join(examples[:8])}")


if __name__ == "__main__":
    main(sys.argv)
