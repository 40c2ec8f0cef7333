"""Survey throughput: populace's prefix-reuse log-probability path vs. the naive way.

Same model, same personas x IPIP-50 items, in one run:
  (a)  populace: persona prefix decoded once, the 50 item suffixes scored as one
       batch of sequences sharing it; next-token probabilities of "1".."5"
  (a1) the same, suffixes scored one at a time from the saved prefix (on the
       first --a1-personas personas)
  (b)  the paper's naive way: for every item the full chat prompt on its own,
       KV cache cleared first (llama-cpp-python would silently reuse a matching
       prefix otherwise), greedy decoding of up to 8 tokens, first number parsed
  (c)  all 50 items in one prompt, answered as one generated JSON object
  (ax) (a) with n_seq=1: one item suffix beside the prefix in the KV cache at a
       time (on the first --exact-personas personas, default those of (b))

(a) and (b) see exactly the same tokens: the same messages (system message,
persona in the user message, item, options) rendered by the same chat template
with the assistant-turn prefix, tokenised once by ``LlamaCppBackend.tokens``;
(a) reads the answer keys' probabilities at the first position of the
assistant's reply, (b) decodes greedily from that same position. (b) runs the
greedy loop itself (evaluate the prompt, take the argmax token, evaluate it,
...), which is what ``create_completion(temperature=0)`` does, because the loop
also yields the single-sequence, full-prompt next-token distribution at the
first answer position for free: the reference the batched (a) probabilities
are compared with (max abs difference, argmax agreement). For the first items
the script checks that ``create_completion`` generates the same text.

Prints items/s for each, the ratio (a)/(b), how often (a)'s argmax and (b)
agree with Cohen's kappa (also restricted to items whose top-2 gap in (a) is
above 0.05), answer distributions per mode, and (c)'s parse failures. (b), (a1)
and (c) are slow, so they run on the first --naive-personas / --json-personas
personas (stated in the output).

Resumable: each finished persona (item, for (b)) of each phase is appended to
benchmarks/out/survey_throughput.<model>.jsonl; a rerun skips finished ones and
the timings add up over runs. Usage:

    python benchmarks/survey_throughput.py --model qwen2.5-1.5b --naive-personas 5
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _personas import emit, throughput_personas  # noqa: E402

from populace.instruments import load_instrument  # noqa: E402
from populace.llm.base import ChoiceRequest, GenerateRequest, Message  # noqa: E402
from populace.llm.llamacpp import LlamaCppBackend  # noqa: E402
from populace.llm.models import resolve_model  # noqa: E402
from populace.survey.answers import answer_from_probs, cell_rng, parse_answer  # noqa: E402
from populace.survey.prompts import Templates, build_messages, option_keys  # noqa: E402

JSON_PROMPT = """Here is a description of a person:
\"\"\"
{persona}
\"\"\"

For each statement below, say how well it describes this person, using this scale:
{options}

{items}

Answer with one JSON object that maps every statement id to a number from 1 to 5, e.g. {{"{first}": 3, ...}}. Output only the JSON."""  # noqa: E501  (the prompt, as sent)


def logsoftmax_last(b) -> np.ndarray:
    """Log-softmax of the generation context's logits at its last evaluated token."""
    C = b._C
    v = np.ctypeslib.as_array(
        C.llama_get_logits_ith(b.llm._ctx.ctx, -1), shape=(b.n_vocab,)
    ).astype(np.float64)
    mx = v.max()
    return v - (mx + np.log(np.exp(v - mx).sum()))


def naive_greedy(b, msgs, max_tokens: int = 8):
    """(b) for one item: clear the cache, evaluate the full prompt as one sequence,
    then greedy decoding (argmax token, evaluate it, repeat) up to max_tokens or
    an end-of-generation token. Returns (text, first log-softmax, first token)."""
    llm, C = b.llm, b._C
    llm.reset()
    C.llama_memory_clear(C.llama_get_memory(llm._ctx.ctx), True)
    llm.eval(b.tokens(msgs))
    lp = first = logsoftmax_last(b)
    vocab = llm._model.vocab
    out: list[int] = []
    for step in range(max_tokens):
        tok = int(np.argmax(lp))
        if C.llama_vocab_is_eog(vocab, tok):
            break
        out.append(tok)
        if step + 1 < max_tokens:
            llm.eval([tok])
            lp = logsoftmax_last(b)
    text = llm.detokenize(out).decode("utf-8", errors="replace")
    top = llm.detokenize([int(np.argmax(first))]).decode("utf-8", errors="replace")
    return text, first, top


def key_probs(b, lp, keys) -> list[float]:
    """Answer-key probabilities from a log-softmax vector, as LlamaCppBackend sums them."""
    raw = [float(sum(np.exp(lp[v[0]]) for v in b._key_variants(k))) for k in keys]
    return [x / sum(raw) for x in raw]


def kappa(a, b, labels) -> float:
    a, b = np.asarray(a), np.asarray(b)
    po = float(np.mean(a == b))
    pe = sum(float(np.mean(a == k)) * float(np.mean(b == k)) for k in labels)
    return float("nan") if pe == 1 else (po - pe) / (1 - pe)


def dist(xs) -> str:
    c = Counter(int(round(x)) for x in xs if x == x)
    n = sum(c.values())
    return " ".join(f"{k}:{100 * c.get(k, 0) / max(n, 1):.0f}%" for k in range(1, 6)) + f" (n={n})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--personas", type=int, default=20)
    ap.add_argument(
        "--naive-personas",
        type=int,
        default=5,
        help="personas for (b) and (a1) (the naive path is slow)",
    )
    ap.add_argument("--json-personas", type=int, default=5, help="personas for (c)")
    ap.add_argument(
        "--a1-personas",
        type=int,
        default=None,
        help="personas for (a1) [default: --naive-personas]",
    )
    ap.add_argument(
        "--exact-personas",
        type=int,
        default=None,
        help="personas for (ax), the exact n_seq=1 path (default: --naive-personas)",
    )
    ap.add_argument(
        "--check-items",
        type=int,
        default=3,
        help="items of the first persona on which (b)'s greedy loop is checked "
        "against create_completion",
    )
    ap.add_argument(
        "--items",
        type=int,
        default=50,
        help="first N IPIP-50 items (fewer only for a quick check of the script)",
    )
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None, help="partial results (JSONL)")
    ap.add_argument("--results", type=Path, default=None, help="write the printed figures here")
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="print the figures from the partial results; run nothing",
    )
    args = ap.parse_args()

    ins = load_instrument("ipip50")
    items = list(ins.items)[: args.items]
    rm = resolve_model(args.model)
    part = args.out or HERE / "out" / f"survey_throughput.{rm.id.replace('/', '_')}.jsonl"
    part.parent.mkdir(parents=True, exist_ok=True)
    done: dict[tuple[str, str], dict] = {}
    if part.exists():
        for line in part.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                done[(r["phase"], r["persona_id"])] = r
    personas = throughput_personas(args.personas)
    t = Templates.load()
    keys, codes = option_keys(ins, items[0])
    b = LlamaCppBackend(str(rm.path), model_id=rm.id, sha256=rm.sha256, n_threads=args.threads)

    def record(phase, pid, seconds, **data):
        r = {
            "phase": phase,
            "persona_id": pid,
            "seconds": seconds,
            "load1": os.getloadavg()[0],
            **data,
        }
        done[(phase, pid)] = r
        with open(part, "a") as fh:
            fh.write(json.dumps(r) + "\n")

    def reqs(text):
        return [ChoiceRequest(build_messages(t, ins, it, text), keys) for it in items]

    n_a1 = args.naive_personas if args.a1_personas is None else args.a1_personas
    if args.exact_personas is None:
        args.exact_personas = args.naive_personas
    # warm-up so that no phase pays for page faults of the model file
    if not args.report_only:
        b.choice_probs(reqs("A person.")[:2])
    for i, (pid, text) in enumerate([] if args.report_only else personas):
        if ("a", pid) not in done:
            t0 = time.perf_counter()
            res = b.choice_probs(reqs(text))
            record(
                "a",
                pid,
                time.perf_counter() - t0,
                probs=[list(r.probs) for r in res],
                mass=[r.mass for r in res],
            )
            print(f"(a) {pid}: {len(items) / done[('a', pid)]['seconds']:.2f} items/s", flush=True)
        if i < n_a1 and ("a1", pid) not in done:
            b.batched = False
            t0 = time.perf_counter()
            b.choice_probs(reqs(text))
            record("a1", pid, time.perf_counter() - t0)
            b.batched = True
    # (ax) a backend with n_seq=1: the prefix plus one item suffix in the KV cache
    # at a time (on SmolLM2 this equals each full prompt decoded alone in one call
    # bit for bit, tests/test_llm_llamacpp.py; (b)'s own loop decodes in other
    # batch shapes, so small drift remains: the script prints it); on (b)'s personas
    if not args.report_only and args.exact_personas:
        bx = LlamaCppBackend(
            str(rm.path), model_id=rm.id, sha256=rm.sha256, n_threads=args.threads, n_seq=1
        )
        bx.choice_probs(reqs("A person.")[:2])
        for pid, text in personas[: args.exact_personas]:
            if ("ax", pid) in done:
                continue
            t0 = time.perf_counter()
            res = bx.choice_probs(reqs(text))
            record("ax", pid, time.perf_counter() - t0, probs=[list(r.probs) for r in res])
            print(
                f"(ax) {pid}: {len(items) / done[('ax', pid)]['seconds']:.2f} items/s", flush=True
            )
        bx.close()

    def run_naive():
        for pid, text in personas[: args.naive_personas]:
            for j, it in enumerate(items):
                if ("b", f"{pid}/{j}") in done:
                    continue
                msgs = build_messages(t, ins, it, text)
                t0 = time.perf_counter()
                txt, first, top = naive_greedy(b, msgs, max_tokens=8)
                sec = time.perf_counter() - t0
                probs = key_probs(b, first, keys)
                record("b", f"{pid}/{j}", sec, text=txt, probs=probs, top=top)
                if pid == personas[0][0] and j < args.check_items:
                    ref = b.generate(
                        [GenerateRequest(msgs, max_tokens=8, temperature=0.0)], reuse_prefix=False
                    )[0]
                    record("bchk", f"{pid}/{j}", 0.0, text=ref.text)
            sec = sum(done[("b", f"{pid}/{j}")]["seconds"] for j in range(len(items)))
            print(f"(b) {pid}: {len(items) / sec:.2f} items/s", flush=True)

    if not args.report_only:  # before (c): the agreement figures matter more
        run_naive()
    options = "\n".join(f"{k} = {o.label}" for k, o in zip(keys, ins.options(items[0])))
    listing = "\n".join(f"{it.id}: {it.text}" for it in items)
    for pid, text in [] if args.report_only else personas[: args.json_personas]:
        if ("c", pid) in done:
            continue
        msgs = tuple(m for m in build_messages(t, ins, items[0], text) if m.role == "system") + (
            Message(
                "user",
                JSON_PROMPT.format(persona=text, options=options, items=listing, first=items[0].id),
            ),
        )
        t0 = time.perf_counter()
        res = b.generate(
            [GenerateRequest(msgs, max_tokens=700, temperature=0.0)], reuse_prefix=False
        )[0]
        record("c", pid, time.perf_counter() - t0, text=res.text)
        print(f"(c) {pid}: {len(items) / done[('c', pid)]['seconds']:.2f} items/s", flush=True)
    b.close()

    # ---------------------------------------------------------------- figures
    def phase(name, subset):
        return [done[(name, p)] for p, _ in subset if (name, p) in done]

    A, A1 = phase("a", personas), phase("a1", personas[:n_a1])
    C = phase("c", personas[: args.json_personas])
    B = [
        {**done[("b", f"{pid}/{j}")], "pid": pid, "j": j}
        for pid, _ in personas[: args.naive_personas]
        for j in range(len(items))
        if ("b", f"{pid}/{j}") in done
    ]
    b_personas = len({r["pid"] for r in B})
    per_item = {"a": len(items), "a1": len(items), "c": len(items), "b": 1}

    def rate(rs, k):
        return per_item[k] * len(rs) / sum(r["seconds"] for r in rs) if rs else float("nan")

    lines = [
        f"survey throughput, model {rm.id} ({rm.path.name}), IPIP-50 "
        f"({len(items)} items), "
        f"{len(A)} personas for (a), {len(A1)} for (a1), {len(B)} items of {b_personas} "
        f"personas for (b), {len(C)} personas for (c); {b.n_threads} threads; "
        f"personas: {len(personas)} written ones of about 80 words (benchmarks/_personas.py; "
        "mining has produced none yet)",
        f"(a)  prefix reuse, batched suffixes, log-probs : {rate(A, 'a'):7.2f} items/s "
        f"({len(A)} personas)",
        f"(a1) prefix reuse, one suffix at a time        : {rate(A1, 'a1'):7.2f} items/s "
        f"({len(A1)} personas)",
        f"(b)  naive: full prompt per item, generate     : {rate(B, 'b'):7.2f} items/s "
        f"({len(B)} items of {b_personas} personas; a subset because it is slow)",
        f"(c)  one JSON answer with all 50 items         : {rate(C, 'c'):7.2f} items/s "
        f"({len(C)} personas)",
        "1-minute load average while measuring (2 cores; other jobs share them): "
        + ", ".join(
            f"{n} {np.mean([r['load1'] for r in rs]):.1f}"
            for n, rs in (("(a)", A), ("(a1)", A1), ("(b)", B), ("(c)", C))
            if rs
        ),
        f"ratio (a)/(b) = {rate(A, 'a') / rate(B, 'b'):.1f}x   "
        f"(a1)/(b) = {rate(A1, 'a1') / rate(B, 'b'):.1f}x   target (a)/(b) >= 8x",
    ]
    a_by = {r["persona_id"]: r for r in A}
    argmax_all = [float(codes[int(np.argmax(p))]) for r in A for p in r["probs"]]
    sample_all = [
        answer_from_probs("sample", p, codes, rng=cell_rng(0, r["persona_id"], it.id))
        for r in A
        for p, it in zip(r["probs"], items)
    ]
    expected_all = [answer_from_probs("expected", p, codes) for r in A for p in r["probs"]]
    mass_all = [m for r in A for m in r["mass"]]
    pa, pb, gaps, unparsed, b_answers = [], [], [], 0, []
    diffs, same_full, b_vs_full, first_is_key = [], [], [], 0
    for r in B:
        if r["pid"] not in a_by:
            continue
        p = np.asarray(a_by[r["pid"]]["probs"][r["j"]])
        full = np.asarray(r["probs"])
        diffs.append(float(np.abs(p - full).max()))
        same_full.append(int(np.argmax(p)) == int(np.argmax(full)))
        first_is_key += r["top"].strip() in keys
        k = parse_answer(r["text"], keys)
        if k is None:
            unparsed += 1
            continue
        b_answers.append(float(codes[keys.index(k)]))
        b_vs_full.append(b_answers[-1] == float(codes[int(np.argmax(full))]))
        pa.append(float(codes[int(np.argmax(p))]))
        pb.append(b_answers[-1])
        top2 = np.sort(p)[-2:]
        gaps.append(float(top2[1] - top2[0]))
    if pa:
        pa_, pb_, gap_ = np.array(pa), np.array(pb), np.array(gaps) > 0.05
        agree = float(np.mean(pa_ == pb_))
        lines.append(
            f"agreement (a) argmax vs (b) parsed: {100 * agree:.1f}% of {len(pa)} items, "
            f"Cohen's kappa {kappa(pa, pb, codes):.3f}   target >= 95%: "
            f"{'met' if agree >= 0.95 else 'NOT met'}; (b) unparseable: {unparsed}"
        )
        if gap_.any():
            lines.append(
                f"  on items whose top-2 gap in (a) is > 0.05: "
                f"{100 * np.mean(pa_[gap_] == pb_[gap_]):.1f}% of {int(gap_.sum())} items, "
                f"kappa {kappa(pa_[gap_], pb_[gap_], codes):.3f}"
            )
        lines.append(
            f"  (a) batched vs the same prompt evaluated alone (first answer position of "
            f"(b)): max |dp| {max(diffs):.2e}, median {np.median(diffs):.1e}; argmax equal "
            f"on {sum(same_full)} of {len(same_full)}"
        )
        lines.append(
            f"  (b) greedy's first token is an answer key on {first_is_key} of {len(diffs)}; "
            f"its parsed number is the argmax of the keys' probabilities on "
            f"{sum(b_vs_full)} of {len(b_vs_full)}"
        )
    AX = phase("ax", personas[: args.exact_personas])
    ax_by = {r["persona_id"]: r for r in AX}
    xa, xb, xd = [], [], []
    for r in B:
        k = parse_answer(r["text"], keys) if r["pid"] in ax_by else None
        if k is None:
            continue
        p = np.asarray(ax_by[r["pid"]]["probs"][r["j"]])
        xd.append(float(np.abs(p - np.asarray(r["probs"])).max()))
        xa.append(float(codes[int(np.argmax(p))]))
        xb.append(float(codes[keys.index(k)]))
    if xa:
        agree_x = float(np.mean(np.array(xa) == np.array(xb)))
        lines.append(
            f"(ax) exact path (prefix reuse, n_seq=1): {rate(AX, 'a'):.2f} items/s "
            f"({len(AX)} personas), {rate(AX, 'a') / rate(B, 'b'):.1f}x (b); argmax "
            f"agreement with (b) {100 * agree_x:.1f}% of {len(xa)} items, kappa "
            f"{kappa(xa, xb, codes):.3f}; max |dp| vs the full prompt alone "
            f"{max(xd):.2e}   targets >= 8x and >= 95%: "
            f"{'met' if agree_x >= 0.95 and rate(AX, 'a') >= 8 * rate(B, 'b') else 'NOT met'}"
        )
    chk = [
        (done[("bchk", k)]["text"], done[("b", k)]["text"])
        for (ph, k) in list(done)
        if ph == "bchk" and ("b", k) in done
    ]
    if chk:
        lines.append(
            f"  (b)'s greedy loop = create_completion(temperature=0) text on "
            f"{sum(x == y for x, y in chk)} of {len(chk)} checked items"
        )
    c_fail, c_answers = 0, []
    for r in C:
        m = re.search(r"\{.*\}", r["text"] or "", re.S)
        try:
            obj = json.loads(m.group(0)) if m else None
            vals = [float(obj[it.id]) for it in items]
            if not all(v in codes for v in vals):
                raise ValueError
            c_answers.extend(vals)
        except (TypeError, KeyError, ValueError, json.JSONDecodeError):
            c_fail += 1
    lines.append(f"(c) parse failures: {c_fail} of {len(C)} JSON answers")
    lines.append("answer distribution (share of answers 1..5):")
    lines.append(f"  (a) argmax   {dist(argmax_all)}")
    lines.append(f"  (a) sample   {dist(sample_all)}  (seed 0)")
    lines.append(
        f"  (a) expected {dist(expected_all)}  (rounded; mean {np.mean(expected_all):.2f})"
    )
    lines.append(f"  (b) generate {dist(b_answers)}")
    lines.append(f"  (c) json     {dist(c_answers)}")
    lines.append(
        f"probability mass on the options (a): median {np.median(mass_all):.3f}, "
        f"min {np.min(mass_all):.3f}"
    )
    emit(lines, args.results)


if __name__ == "__main__":
    main()
