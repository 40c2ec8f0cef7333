"""Several instruments scored instrument by instrument vs persona by persona, side by side.

    python benchmarks/survey_prefetch.py                        # smollm2-135m, 8 personas
    python benchmarks/survey_prefetch.py --model qwen2.5-1.5b --personas 3

``populace run`` surveys every instrument of ``survey.instruments``. Instrument
by instrument (``survey`` once per instrument), each persona's description is
decoded once per instrument; persona by persona (``survey.prefetch``, what the
run's survey stage does with a local model) the scoring context keeps the
system message and the persona for all of that persona's instruments.

Surveys the e2e benchmark's instruments (IPIP-50, CFCS-12, Grit-12, FBPS-26:
100 items) for --personas written personas (benchmarks/_personas.py) both
ways, each with an empty call cache, alternating --repeats times in one
process (one loaded model). Prints seconds and tokens the scoring context
decoded per way, the ratio, and how far the two ways' option probabilities and
sampled answers differ (only float noise from decoding the prefix in other
chunks may separate them). Results go to benchmarks/results/survey_prefetch[.<model>].txt.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

INSTRUMENTS = ["ipip50", "cfcs12", "grit12", "fbps26"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--personas", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    import numpy as np
    import pandas as pd
    from _personas import throughput_personas

    from populace.llm import load_backend
    from populace.survey import survey
    from populace.survey.prefetch import prefetch_choices

    people = pd.DataFrame(throughput_personas(args.personas), columns=["persona_id", "persona"])
    backend, _ = load_backend(args.model, n_ctx=2048, n_threads=args.threads)
    out = ROOT / "benchmarks" / "out" / f"survey_prefetch.{args.model}"
    secs = {"instrument": [], "persona": []}
    toks = {"instrument": [], "persona": []}
    last = {}
    for rep in range(args.repeats):
        for way in ("instrument", "persona"):
            shutil.rmtree(out / way, ignore_errors=True)
            (out / way).mkdir(parents=True)
            cache = out / way / "cache.sqlite"
            backend._scored_prefix = []  # start each way cold
            backend.decoded_tokens = 0
            t0 = time.perf_counter()
            if way == "persona":
                prefetch_choices(people, INSTRUMENTS, backend=backend, cache=cache, progress=False)
            res = [
                survey(people, ins, backend=backend, cache=cache, progress=False)
                for ins in INSTRUMENTS
            ]
            secs[way].append(time.perf_counter() - t0)
            toks[way].append(backend.decoded_tokens)
            last[way] = res
            print(
                f"{way} by {way} (repeat {rep + 1}): {secs[way][-1]:.1f} s, "
                f"{toks[way][-1]} tokens decoded",
                flush=True,
            )

    dps, same, n = [], 0, 0
    for a, b in zip(last["instrument"], last["persona"]):
        la = a.long.sort_values(["persona_id", "item_id"]).reset_index(drop=True)
        lb = b.long.sort_values(["persona_id", "item_id"]).reset_index(drop=True)
        pa = np.array([list(p) for p in la["probs"]])
        pb = np.array([list(p) for p in lb["probs"]])
        dps.append(np.abs(pa - pb).max(axis=1))
        same += int((la["answer"] == lb["answer"]).sum())
        n += len(la)
    dp = np.concatenate(dps)
    mi, mp = statistics.median(secs["instrument"]), statistics.median(secs["persona"])
    ti, tp = statistics.median(toks["instrument"]), statistics.median(toks["persona"])
    items = n // args.personas
    lines = [
        f"survey_prefetch: model {args.model}, {args.personas} written personas x "
        f"{', '.join(INSTRUMENTS)} ({items} items), {args.threads} threads, {args.repeats} "
        "repeats alternating",
        f"instrument by instrument: {', '.join(f'{s:.1f}' for s in secs['instrument'])} s; "
        f"tokens decoded {ti:.0f}",
        f"persona by persona:       {', '.join(f'{s:.1f}' for s in secs['persona'])} s; "
        f"tokens decoded {tp:.0f}",
        f"median seconds persona/instrument = {mp / mi:.3f} ({100 * (1 - mp / mi):+.1f}% time "
        f"saved); tokens {tp / ti:.3f} ({100 * (1 - tp / ti):+.1f}%)",
        f"option probabilities, max |dp| per answer: median {np.median(dp):.2e}, "
        f"max {dp.max():.2e}; sampled answers equal on {same} of {n}",
    ]
    text = "\n".join(lines)
    print(text)
    suffix = "" if args.model == "smollm2-135m" else f".{args.model}"
    (ROOT / "benchmarks" / "results" / f"survey_prefetch{suffix}.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
