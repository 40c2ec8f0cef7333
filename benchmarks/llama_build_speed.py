"""llama.cpp build options compared on this machine: prompt and generation speed
of Qwen2.5-1.5B (Q4_K_M), side by side in one run.

    python benchmarks/llama_build_speed.py --other /tmp/lcp512 [--rounds 3]

``--other DIR`` is a second llama-cpp-python installed with
``pip install --target DIR`` under other CMAKE_ARGS (e.g. AVX-512 on, see
scripts/setup). Each round runs the same work once with the venv's build and
once with DIR's, each in a fresh process, alternating so that machine load
falls on both alike:

- prompt: a fresh context evaluates a real blog text of about --prompt-tokens
  tokens (tokens/s), the way persona and survey prompts are read;
- generation: 64 tokens greedily after it (tokens/s);
- logits: the largest absolute difference of the next-token logits between
  the builds after the prompt (different SIMD kernels round differently), and
  whether the greedy continuation is the same.

Prints each round and the median ratio other / venv.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOGS = ROOT.parent / "shared" / "data" / "blogs"


def prompt_text(n_chars: int) -> str:
    texts = []
    for f in sorted(BLOGS.glob("*.xml"))[:40]:
        raw = f.read_text(errors="ignore")
        texts.extend(p.strip() for p in raw.split("<post>")[1:])
        if sum(map(len, texts)) > n_chars:
            break
    body = " ".join(t.split("</post>")[0] for t in texts)
    return body[:n_chars]


def worker(prompt_tokens: int, gen: int, threads: int) -> dict:
    import llama_cpp
    import numpy as np

    sys.path.insert(0, str(ROOT / "src"))
    from populace.llm.models import REGISTRY, locate

    path, _ = locate(REGISTRY["qwen2.5-1.5b"])
    llm = llama_cpp.Llama(
        model_path=str(path),
        n_ctx=2048,
        n_threads=threads,
        n_threads_batch=threads,
        n_batch=512,
        verbose=False,
    )
    toks = llm.tokenize(prompt_text(prompt_tokens * 6).encode())[:prompt_tokens]
    t0 = time.perf_counter()
    llm.eval(toks)
    t_prompt = time.perf_counter() - t0
    n_vocab = llama_cpp.llama_n_vocab(llama_cpp.llama_model_get_vocab(llm.model))
    ptr = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
    logits = np.ctypeslib.as_array(ptr, shape=(n_vocab,)).copy()
    out = []
    t0 = time.perf_counter()
    for _ in range(gen):
        ptr = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
        nxt = int(np.argmax(np.ctypeslib.as_array(ptr, shape=(n_vocab,))))
        out.append(nxt)
        llm.eval([nxt])
    t_gen = time.perf_counter() - t0
    return {
        "system": llama_cpp.llama_print_system_info().decode().strip(),
        "prompt_tokens": len(toks),
        "prompt_tps": len(toks) / t_prompt,
        "gen_tps": gen / t_gen,
        "logits": logits[:2000].tolist(),
        "argmax": int(np.argmax(logits)),
        "continuation": out,
    }


def run(build: str | None, a) -> dict:
    env = dict(os.environ)
    if build:
        env["PYTHONPATH"] = build + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        "--prompt-tokens",
        str(a.prompt_tokens),
        "--gen",
        str(a.gen),
        "--threads",
        str(a.threads),
    ]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--other", default=None, help="a pip --target dir with another build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--prompt-tokens", type=int, default=1000)
    ap.add_argument("--gen", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        print(json.dumps(worker(a.prompt_tokens, a.gen, a.threads)))
        return 0
    if not a.other:
        ap.error("--other DIR is needed (a second llama-cpp-python build)")
    import numpy as np

    builds = {"venv": None, "other": a.other}
    got = {k: [] for k in builds}
    lines = []
    for r in range(a.rounds):
        for name, b in builds.items():
            x = run(b, a)
            got[name].append(x)
            lines.append(
                f"round {r + 1} {name:<6} prompt {x['prompt_tps']:6.1f} tok/s "
                f"({x['prompt_tokens']} tokens), generation {x['gen_tps']:5.1f} tok/s"
            )
            print(lines[-1], flush=True)
    v, o = got["venv"][0], got["other"][0]
    diff = float(np.max(np.abs(np.array(v["logits"]) - np.array(o["logits"]))))
    same = v["continuation"] == o["continuation"]
    agree = sum(x == y for x, y in zip(v["continuation"], o["continuation"]))
    head = [
        f"llama_build_speed: Qwen2.5-1.5B Q4_K_M, {a.threads} threads, {a.rounds} rounds",
        f"venv build:  {v['system']}",
        f"other build ({a.other}): {o['system']}",
    ]

    def med(name, key):
        return statistics.median(x[key] for x in got[name])

    ratio_p = med("other", "prompt_tps") / med("venv", "prompt_tps")
    ratio_g = med("other", "gen_tps") / med("venv", "gen_tps")
    argmax = "same" if v["argmax"] == o["argmax"] else "different"
    cont = "identical" if same else f"{agree} of {a.gen} tokens equal position by position"
    tail = [
        f"median ratio other / venv: prompt {ratio_p:.2f}, generation {ratio_g:.2f}",
        f"next-token logits after the prompt: max |difference| {diff:.4f} over the first "
        f"2,000 tokens; argmax {argmax}; greedy continuation of {a.gen} tokens {cont}",
    ]
    text = "\n".join(head + lines + tail)
    print("\n".join(tail))
    out = ROOT / "benchmarks" / "results" / "llama_build_speed.txt"
    out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
