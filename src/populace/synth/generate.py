"""SyncP (Hu et al. 2025, section 4.1 baselines): the LLM writes N personas from
scratch, with no corpus behind them, at temperature 1.

One generation per persona (prompt ``prompts/synth.txt``, user-overridable),
each with its own ``sample_index`` so the call cache keeps every draw apart:
rerunning the same command repeats no call, and a larger N only adds calls.
A reply that does not parse (no ``PERSONA:`` line, empty, over the word limit)
is retried with the next sample index up to ``max_attempts`` times, then
recorded as a failure (``status = failed``) and left out of the personas table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from populace.errors import ParseError, PopulaceError
from populace.llm.base import GenerateRequest, Message
from populace.llm.cache import CachedBackend, CallCache
from populace.survey.progress import progress_bar
from populace.templates import load_templates

SYNTH_PERSONAS = "synth/personas.parquet"
_PERSONA = re.compile(r"PERSONA:\s*(.+)", re.IGNORECASE | re.DOTALL)


def parse_synth(text: str | None, max_words: int) -> str:
    """The persona text of a reply; raises ParseError when the reply is unusable."""
    m = _PERSONA.search(text or "")
    body = (m.group(1) if m else (text or "")).strip()
    body = body.split("\n\n")[0].strip().strip('"*_ ').strip()
    if not m:
        raise ParseError('no "PERSONA:" line')
    if not body or (body.startswith("<") and body.endswith(">")):
        raise ParseError("empty persona")
    words = body.split()
    if len(words) > max_words:
        body = " ".join(words[:max_words])  # cut, as mining cuts long posts; counted below
    return body


def synthesize(
    n: int,
    *,
    backend,
    out: str | Path | None = None,
    seed: int = 0,
    temperature: float = 1.0,
    max_words: int = 100,
    max_tokens: int = 160,
    max_attempts: int = 3,
    cache: CallCache | str | Path | None = None,
    prompt_dir: str | Path | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """N personas written from scratch; columns persona_id, persona, status, attempts, error."""
    if n < 1:
        raise PopulaceError("-n must be at least 1")
    if max_attempts < 1:
        raise PopulaceError("max_attempts must be at least 1")
    texts = load_templates("populace.synth", {"synth": {"max_words"}, "system": set()}, prompt_dir)
    msgs = (Message("system", texts["system"].strip()),) if texts["system"].strip() else ()
    msgs += (Message("user", texts["synth"].format(max_words=max_words)),)
    own = isinstance(cache, (str, Path))
    cache_obj = CallCache(cache) if own else cache
    cb = CachedBackend(backend, cache_obj)
    rows = []
    width = max(4, len(str(n)))
    try:
        with progress_bar(n, "synth personas", enabled=progress) as advance:
            pending = list(range(n))
            attempt = {i: 0 for i in pending}
            errors: dict[int, str] = {}
            done: dict[int, str] = {}
            while pending:
                reqs = [
                    GenerateRequest(
                        msgs,
                        max_tokens=max_tokens,
                        temperature=temperature,
                        seed=seed,
                        sample_index=i * max_attempts + attempt[i],
                    )
                    for i in pending
                ]
                res = cb.generate(reqs)
                nxt = []
                for i, r in zip(pending, res):
                    attempt[i] += 1
                    try:
                        if r.error:
                            raise ValueError(r.error)
                        done[i] = parse_synth(r.text, max_words)
                        advance(1)
                    except ValueError as exc:
                        errors[i] = str(exc)
                        if attempt[i] < max_attempts:
                            nxt.append(i)
                        else:
                            advance(1)
                pending = nxt
    finally:
        if own and cache_obj is not None:
            cache_obj.close()
    for i in range(n):
        ok = i in done
        rows.append(
            {
                "persona_id": f"syncp-{i:0{width}d}",
                "persona": done.get(i),
                "status": "ok" if ok else "failed",
                "attempts": attempt[i],
                "error": None if ok else errors.get(i),
            }
        )
    frame = pd.DataFrame(rows)
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(out)
    return frame
