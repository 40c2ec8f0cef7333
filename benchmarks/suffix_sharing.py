"""Suffix sharing in the llama.cpp scorer: tokens and seconds per persona, with and
without the token trie, side by side in one process, and how far each is from
scoring every prompt on its own.

    python benchmarks/suffix_sharing.py                      # qwen2.5-1.5b, YRBS, 2 personas
    python benchmarks/suffix_sharing.py --model smollm2-135m --instruments yrbs2019,ipip50

Each persona's items of one instrument are one ``choice_probs`` call, as the
survey sends them. The two modes alternate per persona (trie first for the
first persona, plain first for the next, ...), and each call decodes its
whole prompt (no prefix kept from the previous call), so both pay the same.
The reference for the probabilities is each prompt decoded alone, one
sequence (``_score_group`` with no shared prefix), on the first
``--exact-items`` items. llama.cpp's kernels are not batch-invariant: both
batched modes differ from it by a little (docs/llm.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PERSONAS = [
    "She is a 16-year-old student who likes music, worries about her grades and "
    "spends her evenings texting her friends.",
    "He is a 17-year-old student who plays football, skips class now and then and "
    "works weekends at a grocery store.",
    "She is a 15-year-old student who reads fantasy novels, keeps to herself and "
    "argues with her older brother.",
    "He is a 16-year-old student who builds computers, sleeps little and wants to "
    "study engineering.",
]


def _probs(results, width=16) -> np.ndarray:
    return np.array(
        [np.pad(np.asarray(r.probs, float), (0, width - len(r.probs))) for r in results]
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--instruments", default="yrbs2019")
    ap.add_argument("--personas", type=int, default=2)
    ap.add_argument("--exact-items", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "suffix_sharing.txt"
    )
    args = ap.parse_args(argv)

    from populace.instruments import load_instrument
    from populace.llm.llamacpp import LlamaCppBackend
    from populace.llm.models import resolve_model
    from populace.survey.prompts import Templates, choice_request

    m = resolve_model(args.model, download=False)
    b = LlamaCppBackend(str(m.path), model_id=args.model, n_ctx=4096, n_threads=args.threads)
    b.reuse_scoring_prefix = False
    t = Templates.load()
    lines = [
        f"suffix_sharing: {args.model}, {args.personas} personas, {args.threads} threads; "
        "per persona one choice_probs call per instrument, whole prompt decoded"
    ]
    for name in args.instruments.split(","):
        ins = load_instrument(name.strip())
        stats = {True: [], False: []}  # (tokens, seconds)
        dev = {True: [], False: []}
        for i in range(args.personas):
            persona = PERSONAS[i % len(PERSONAS)]
            reqs = [choice_request(t, ins, it, persona) for it in ins.items]
            got = {}
            for share in (True, False) if i % 2 == 0 else (False, True):
                b.share_suffixes = share
                d0, t0 = b.decoded_tokens, time.perf_counter()
                got[share] = _probs(b.choice_probs(reqs))
                stats[share].append((b.decoded_tokens - d0, time.perf_counter() - t0))
            exact = []
            for r in reqs[: args.exact_items]:
                lp = b._score_group([], [b.tokens(r.messages)], [1])[0][-1]
                raw = np.array([sum(np.exp(lp[v[0]]) for v in b._key_variants(k)) for k in r.keys])
                exact.append(np.pad(raw / raw.sum(), (0, 16 - len(raw))))
            exact = np.array(exact)
            for share in (True, False):
                g = got[share][: len(exact)]
                dev[share].append(
                    (np.abs(g - exact).max(), (g.argmax(1) != exact.argmax(1)).sum(), len(exact))
                )
            print(f"  {name} persona {i + 1}: done", file=sys.stderr)
        lines.append(f"\n{ins.id}: {len(ins.items)} items")
        for share in (True, False):
            tok = np.mean([s[0] for s in stats[share]])
            sec = np.mean([s[1] for s in stats[share]])
            mx = max(d[0] for d in dev[share])
            flips = sum(d[1] for d in dev[share])
            n = sum(d[2] for d in dev[share])
            label = "trie " if share else "plain"
            lines.append(
                f"  {label}  tokens/persona {tok:7.0f}  s/persona {sec:6.2f}  "
                f"max |p - alone| {mx:.4f}  argmax differs {flips} of {n}"
            )
        tok_r = np.mean([s[0] for s in stats[True]]) / np.mean([s[0] for s in stats[False]])
        sec_r = [a[1] / c[1] for a, c in zip(stats[True], stats[False])]
        lines.append(
            f"  trie / plain: tokens {tok_r:.3f}, seconds {np.median(sec_r):.3f} "
            f"(median of per-persona ratios {', '.join(f'{x:.2f}' for x in sec_r)})"
        )
    b.close()
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
