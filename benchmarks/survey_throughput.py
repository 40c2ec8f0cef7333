"""Survey throughput: populace's prefix-reuse log-probability path vs. the naive way.

Same model, same personas x IPIP-50 items, in one run:
  (a)  populace: persona prefix decoded once, the 50 item suffixes scored as one
       batch of sequences sharing it; next-token probabilities of "1".."5"
  (a1) the same, suffixes scored one at a time from the saved prefix (on the
       naive subset only)
  (b)  the paper's naive way: a full chat prompt per item, KV cache reset before
       every item (llama-cpp-python would silently reuse a matching prefix
       otherwise), greedy generation, first number parsed
  (c)  all 50 items in one prompt, answered as one generated JSON object

Prints items/s for each, the ratio (a)/(b), how often (a)'s argmax and (b)
agree with Cohen's kappa, answer distributions per mode, and (c)'s parse
failures. (b), (a1) and (c) are slow, so they run on the first
--naive-personas / --json-personas personas (stated in the output).

Resumable: each finished persona of each phase is appended to
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

from _personas import throughput_personas  # noqa: E402

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

Answer with one JSON object that maps every statement id to a number from 1 to 5, e.g. {{"{first}": 3, ...}}. Output only the JSON."""


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
    ap.add_argument("--naive-personas", type=int, default=5,
                    help="personas for (b) and (a1) (the naive path is slow)")
    ap.add_argument("--json-personas", type=int, default=5, help="personas for (c)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None, help="partial results (JSONL)")
    ap.add_argument("--results", type=Path, default=None, help="write the printed figures here")
    ap.add_argument("--report-only", action="store_true",
                    help="print the figures from the partial results; run nothing")
    args = ap.parse_args()

    ins = load_instrument("ipip50")
    items = list(ins.items)
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
        r = {"phase": phase, "persona_id": pid, "seconds": seconds,
             "load1": os.getloadavg()[0], **data}
        done[(phase, pid)] = r
        with open(part, "a") as fh:
            fh.write(json.dumps(r) + "\n")

    def reqs(text):
        return [ChoiceRequest(build_messages(t, ins, it, text), keys) for it in items]

    # warm-up so that no phase pays for page faults of the model file
    if not args.report_only:
        b.choice_probs(reqs("A person.")[:2])
    for i, (pid, text) in enumerate([] if args.report_only else personas):
        if ("a", pid) not in done:
            t0 = time.perf_counter()
            res = b.choice_probs(reqs(text))
            record("a", pid, time.perf_counter() - t0, probs=[list(r.probs) for r in res],
                   mass=[r.mass for r in res])
            print(f"(a) {pid}: {50 / done[('a', pid)]['seconds']:.2f} items/s", flush=True)
        if i < args.naive_personas and ("a1", pid) not in done:
            b.batched = False
            t0 = time.perf_counter()
            b.choice_probs(reqs(text))
            record("a1", pid, time.perf_counter() - t0)
            b.batched = True
    def run_naive():
        for pid, text in personas[: args.naive_personas]:
            if ("b", pid) in done:  # a whole persona recorded at once
                continue
            for j, it in enumerate(items):
                if ("b", f"{pid}/{j}") in done:
                    continue
                t0 = time.perf_counter()
                res = b.generate([GenerateRequest(build_messages(t, ins, it, text), max_tokens=8,
                                                  temperature=0.0)], reuse_prefix=False)[0]
                record("b", f"{pid}/{j}", time.perf_counter() - t0, text=res.text)
            sec = sum(done[("b", f"{pid}/{j}")]["seconds"] for j in range(len(items)))
            print(f"(b) {pid}: {len(items) / sec:.2f} items/s", flush=True)

    options = "\n".join(f"{k} = {o.label}" for k, o in zip(keys, ins.options(items[0])))
    listing = "\n".join(f"{it.id}: {it.text}" for it in items)
    for i, (pid, text) in enumerate([] if args.report_only else personas[: args.json_personas]):
        if ("c", pid) in done:
            continue
        msgs = tuple(m for m in build_messages(t, ins, items[0], text) if m.role == "system") + (
            Message("user", JSON_PROMPT.format(persona=text, options=options, items=listing,
                                               first=items[0].id)),)
        t0 = time.perf_counter()
        res = b.generate([GenerateRequest(msgs, max_tokens=700, temperature=0.0)],
                         reuse_prefix=False)[0]
        record("c", pid, time.perf_counter() - t0, text=res.text)
        print(f"(c) {pid}: {50 / done[('c', pid)]['seconds']:.2f} items/s", flush=True)
    if not args.report_only:
        run_naive()
    b.close()

    # ---------------------------------------------------------------- figures
    def phase(name, subset):
        return [done[(name, p)] for p, _ in subset if (name, p) in done]

    A, A1 = phase("a", personas), phase("a1", personas[: args.naive_personas])
    C = phase("c", personas[: args.json_personas])
    # (b) is recorded per item (older runs: per persona); normalise to per-item rows
    B = []
    for pid, _ in personas[: args.naive_personas]:
        if ("b", pid) in done:
            r = done[("b", pid)]
            B += [{"persona_id": pid, "j": j, "text": x, "seconds": r["seconds"] / len(items),
                   "load1": r.get("load1", float("nan"))} for j, x in enumerate(r["texts"])]
        else:
            B += [{**done[("b", f"{pid}/{j}")], "persona_id": pid, "j": j}
                  for j in range(len(items)) if ("b", f"{pid}/{j}") in done]
    b_personas = len({r["persona_id"] for r in B})
    per_item = {"a": 50, "a1": 50, "c": 50, "b": 1}
    rate = lambda rs, k: per_item[k] * len(rs) / sum(r["seconds"] for r in rs) if rs else float("nan")
    lines = [f"survey throughput, model {rm.id} ({rm.path.name}), IPIP-50, "
             f"{len(A)} personas for (a), {len(A1)} for (a1), {len(B)} items of {b_personas} "
             f"personas for (b), {len(C)} personas for (c); "
             f"{b.n_threads} threads",
             f"(a)  prefix reuse, batched suffixes, log-probs : {rate(A, 'a'):7.2f} items/s "
             f"({len(A)} personas)",
             f"(a1) prefix reuse, one suffix at a time        : {rate(A1, 'a1'):7.2f} items/s "
             f"({len(A1)} personas)",
             f"(b)  naive: full prompt per item, generate     : {rate(B, 'b'):7.2f} items/s "
             f"({len(B)} items of {b_personas} personas; a subset because it is slow)",
             f"(c)  one JSON answer with all 50 items         : {rate(C, 'c'):7.2f} items/s "
             f"({len(C)} personas)",
             "1-minute load average while measuring (2 cores; other jobs share them): "
             + ", ".join(f"{n} {np.mean([r['load1'] for r in rs if 'load1' in r]):.1f}"
                         for n, rs in (("(a)", A), ("(a1)", A1), ("(b)", B), ("(c)", C))
                         if any("load1" in r for r in rs)),
             f"ratio (a)/(b) = {rate(A, 'a') / rate(B, 'b'):.1f}x   "
             f"(a1)/(b) = {rate(A1, 'a1') / rate(B, 'b'):.1f}x "
             f"  target (a)/(b) >= 8x"]
    a_by = {r["persona_id"]: r for r in A}
    argmax_all = [float(codes[int(np.argmax(p))]) for r in A for p in r["probs"]]
    sample_all = [answer_from_probs("sample", p, codes, rng=cell_rng(0, r["persona_id"], it.id))
                  for r in A for p, it in zip(r["probs"], items)]
    expected_all = [answer_from_probs("expected", p, codes) for r in A for p in r["probs"]]
    mass_all = [m for r in A for m in r["mass"]]
    pa, pb, unparsed = [], [], 0
    b_answers = []
    for r in B:
        p, txt = a_by[r["persona_id"]]["probs"][r["j"]], r["text"]
        k = parse_answer(txt, keys)
        if k is None:
            unparsed += 1
            continue
        b_answers.append(float(codes[keys.index(k)]))
        pa.append(float(codes[int(np.argmax(p))]))
        pb.append(b_answers[-1])
    if pa:
        agree = float(np.mean(np.array(pa) == np.array(pb)))
        lines.append(f"agreement (a) argmax vs (b) parsed: {100 * agree:.1f}% of {len(pa)} items, "
                     f"Cohen's kappa {kappa(pa, pb, codes):.3f}   target >= 95%; "
                     f"(b) unparseable: {unparsed}")
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
    lines.append(f"  (a) expected {dist(expected_all)}  (rounded; mean {np.mean(expected_all):.2f})")
    lines.append(f"  (b) generate {dist(b_answers)}")
    lines.append(f"  (c) json     {dist(c_answers)}")
    lines.append(f"probability mass on the options (a): median {np.median(mass_all):.3f}, "
                 f"min {np.min(mass_all):.3f}")
    text = "\n".join(lines)
    print(text)
    if args.results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(text + "\n")


if __name__ == "__main__":
    main()
