"""In-process GGUF models through llama-cpp-python (the embedded default backend).

Scoring reuses the shared prompt prefix. The requests of one batch (typically
one persona's items) are tokenised in full; their longest common token prefix
(persona + template) is decoded once into sequence 0 of a unified KV cache,
copied by reference to sequences 1..k (no recomputation), and the item
suffixes are then decoded *together as one batch of sequences*, reading the
next-token logits only at each suffix's last token. Suffixes that begin
alike (choice items with the same options: "A = Yes / B = No") share those
tokens: each distinct leading run of tokens is decoded once, as one batch
entry that belongs to every sequence passing through it (a token trie;
``share_suffixes``), which cuts a YRBS persona's item tokens by about a
third. Tokenising whole prompts and splitting on tokens (not text) means the
model sees exactly the tokens of the full prompt: no tokenisation seam at the
prefix boundary.

Answer keys: a key such as ``"3"`` counts the probability of its single-token
spellings ``"3"`` and ``" 3"``. Keys that are several tokens (``"10"`` for some
tokenisers) are scored exactly as the product of their tokens' conditional
probabilities, each key as its own sequence sharing the prefix. A key whose
tokens begin another key ("1" of "10" where digits are single tokens) is
scored as itself and not the other: P("1") - P("10")
(``base.exclusive_of_extensions``); without that, a 1-10 scale counts every
"10" twice, once as "1".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack, closing, contextmanager

import numpy as np

from populace.errors import PopulaceError
from populace.llm.base import (
    ChoiceRequest,
    ChoiceResult,
    GenerateRequest,
    GenerateResult,
    Message,
    exclusive_of_extensions,
    renormalise,
)


def _choice_result(raw: list[float], variants: list[list[list[int]]]) -> ChoiceResult:
    """The renormalised key probabilities (``variants``: each key's token spellings),
    or an error when the keys got none. With a multi-token key, a key whose tokens
    begin another's is scored as itself alone (``exclusive_of_extensions``)."""
    multi = any(len(v[0]) > 1 for v in variants)
    if multi:
        raw = exclusive_of_extensions(raw, variants)
    probs, mass = renormalise(raw)
    err = None if probs else "the model gave no probability to any answer option"
    method = "logits_multi_token" if multi else "logits"
    return ChoiceResult(probs=probs, mass=mass, method=method, error=err, exclusive=multi)


def _trie_entries(
    seqs: list[list[int]], n_out: list[int], p: int
) -> tuple[list[tuple[int, int, tuple, bool]], list[tuple[int, int]]]:
    """Batch entries that decode ``seqs`` (sequences 1..len, after a prefix of
    ``p`` tokens) as a token trie: a leading run of tokens that several suffixes
    share is one entry belonging to all of them. Parents come before children,
    as causal decoding needs. Returns the entries (token, pos, seq ids, want)
    and, in each suffix's order, (suffix index, entry index) where its last
    ``n_out`` logits are read."""
    node: dict[tuple[int, int], int] = {}  # (parent entry or -1, token) -> entry
    members: list[list[int]] = []
    toks: list[tuple[int, int]] = []
    want = []
    where = []
    for g, s in enumerate(seqs):
        parent = -1
        for i, t in enumerate(s):
            e = node.get((parent, t))
            if e is None:
                e = node[(parent, t)] = len(toks)
                toks.append((t, p + i))
                members.append([])
                want.append(False)
            members[e].append(g + 1)
            if i >= len(s) - n_out[g]:
                want[e] = True
                where.append((g, e))
            parent = e
    entries = [(t, pos, tuple(m), w) for (t, pos), m, w in zip(toks, members, want)]
    return entries, where


def _import_llama():
    try:
        from llama_cpp import Llama, _internals, llama_chat_format
        from llama_cpp import llama_cpp as C
    except ImportError:  # pragma: no cover - depends on the install
        raise PopulaceError(
            "the llamacpp backend needs llama-cpp-python: pip install 'populace[llm]' "
            "(or use --backend openai with a server)"
        ) from None
    return Llama, _internals, llama_chat_format, C


MIN_N_CTX = 512  # below this no persona prompt fits (and llama.cpp aborts natively)
MAX_THREADS = 512  # GGML_MAX_N_THREADS: more threads crash llama.cpp natively
MAX_N_SEQ = 255  # llama.cpp holds at most 256 sequences (LLAMA_MAX_SEQ): n_seq + the prefix


@contextmanager
def _model_params(C, extra_bufts: bool):
    """Load with ``use_extra_bufts`` set (llama-cpp-python has no keyword for it).

    Extra buffer types repack weights for AMX and similar kernels; a llama.cpp
    built with GGML_NATIVE on a CPU that lists AMX but whose OS/sandbox does not
    grant AMX tiles dies with SIGILL in ``ggml_backend_amx_mul_mat``.  See
    :func:`_extra_bufts_default` for when they are on.
    """
    orig = C.llama_model_default_params

    def params():
        p = orig()
        if hasattr(p, "use_extra_bufts"):
            p.use_extra_bufts = extra_bufts
        return p

    C.llama_model_default_params = params
    try:
        yield
    finally:
        C.llama_model_default_params = orig


def _extra_bufts_default(C) -> bool:
    """Extra buffer types on unless this llama.cpp build carries AMX kernels.

    ``POPULACE_LLAMA_EXTRA_BUFTS=1`` / ``0`` decides outright.  Without it they
    are off only for a build whose system info lists ``AMX_INT8 = 1`` (the
    SIGILL case above); on other builds the repacked layouts (``REPACK``) are
    the fast CPU kernels, so they stay on.  ``scripts/setup`` builds
    llama-cpp-python with ``GGML_NATIVE=OFF`` and no AMX for this reason.
    """
    env = os.environ.get("POPULACE_LLAMA_EXTRA_BUFTS")
    if env in ("0", "1"):
        return env == "1"
    try:
        info = C.llama_print_system_info()
    except Exception:  # pragma: no cover - very old bindings
        return False
    info = info.decode("utf-8", "replace") if isinstance(info, bytes) else str(info)
    return "AMX_INT8 = 1" not in info


class LlamaCppBackend:
    """A GGUF model loaded in this process.

    ``n_seq``: how many item suffixes are decoded together in one batch.
    ``batched=False`` scores suffixes one at a time from the saved prefix
    (slower; kept for comparison and for models whose KV cache cannot share
    sequences).
    """

    def __init__(
        self,
        model_path: str,
        *,
        model_id: str | None = None,
        sha256: str | None = None,
        n_ctx: int = 4096,
        n_batch: int = 512,
        n_threads: int | None = None,
        n_seq: int = 64,
        batched: bool = True,
        chat_template: str | None = None,
        flash_attn: bool = False,
        extra_bufts: bool | None = None,
    ):
        if int(n_ctx) < MIN_N_CTX:
            raise PopulaceError(
                f"n_ctx {n_ctx} is too small: the context must hold at least "
                f"{MIN_N_CTX} tokens (a prompt with its persona)"
            )
        if n_threads is not None and not 1 <= int(n_threads) <= MAX_THREADS:
            raise PopulaceError(f"n_threads must be between 1 and {MAX_THREADS}; got {n_threads}")
        if not 1 <= int(n_seq) <= MAX_N_SEQ:
            raise PopulaceError(
                f"n_seq must be between 1 and {MAX_N_SEQ} (llama.cpp's limit "
                f"on sequences beside the prefix); got {n_seq}"
            )
        Llama, internals, chat_format, C = _import_llama()
        if not os.path.exists(model_path):
            raise PopulaceError(f"model file {model_path} does not exist")
        self._C = C
        self.model_path = model_path
        self.model_id = model_id or os.path.basename(model_path)
        self.sha256 = sha256
        self.fingerprint = f"llamacpp:{self.model_id}@{(sha256 or 'unhashed')[:16]}"
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.batched = batched
        self.n_seq = max(1, n_seq if batched else 1)
        self._stack = ExitStack()
        if extra_bufts is None:
            extra_bufts = _extra_bufts_default(C)
        try:
            with _model_params(C, extra_bufts):
                self.llm = Llama(
                    model_path=model_path,
                    n_ctx=n_ctx,
                    n_batch=n_batch,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    logits_all=False,
                    flash_attn=flash_attn,
                    verbose=False,
                )
        except (ValueError, RuntimeError) as exc:
            raise PopulaceError(
                f"cannot load model {model_path} with n_ctx {n_ctx}: {exc} "
                "(too large a context for this machine's memory?)"
            ) from None
        self.n_vocab = self.llm.n_vocab()
        # a second context for scoring: many sequences sharing one unified KV cache
        params = C.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = n_batch
        params.n_ubatch = n_batch
        params.n_threads = self.n_threads
        params.n_threads_batch = self.n_threads
        params.n_seq_max = self.n_seq + 1
        params.kv_unified = True
        # the same attention kernel as the generation context (llama.cpp's default,
        # AUTO, would turn flash attention on here and not there); see docs/llm.md
        params.flash_attn_type = (
            C.LLAMA_FLASH_ATTN_TYPE_ENABLED if flash_attn else C.LLAMA_FLASH_ATTN_TYPE_DISABLED
        )
        params.no_perf = True
        self._n_ctx = n_ctx
        self._n_batch = n_batch
        try:
            sctx = internals.LlamaContext(model=self.llm._model, params=params, verbose=False)
        except (ValueError, RuntimeError) as exc:
            self.llm.close()
            raise PopulaceError(
                f"cannot open the scoring context of {model_path} (n_ctx "
                f"{n_ctx}, n_seq {self.n_seq}): {exc}"
            ) from None
        self._sctx = self._stack.enter_context(closing(sctx))
        self._mem = C.llama_get_memory(self._sctx.ctx)
        # a batch entry may belong to every sequence (a shared suffix token)
        self._batch = C.llama_batch_init(n_batch, 0, self.n_seq + 1)
        self._stack.callback(C.llama_batch_free, self._batch)
        # chat template from the GGUF metadata (or given)
        template = chat_template or self.llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise PopulaceError(f"model {model_path} has no chat template; pass chat_template=")
        m = self.llm._model
        eos = m.token_get_text(self.llm.token_eos()) if self.llm.token_eos() != -1 else ""
        bos = m.token_get_text(self.llm.token_bos()) if self.llm.token_bos() != -1 else ""
        self._formatter = chat_format.Jinja2ChatFormatter(
            template=template, eos_token=eos, bos_token=bos
        )
        self._key_tokens: dict[str, list[list[int]]] = {}
        self.calls = 0  # requests actually scored or generated (for tests and stats)
        # scoring: the prefix tokens sequence 0 of the scoring context holds after the
        # last call; the next call decodes only what differs from them
        self.reuse_scoring_prefix = True
        self._scored_prefix: list[int] = []
        #: decode the suffixes of one group as a token trie (shared leading tokens
        #: once, belonging to all their sequences); False: every suffix in full
        self.share_suffixes = True
        self.decoded_tokens = 0  # tokens the scoring context decoded (for tests and stats)
        #: score choice requests in the generation context instead (see
        #: ``_score_in_generation_context``; mining's author pass sets it)
        self.prefer_generation_context = False

    # ------------------------------------------------------------ rendering
    def render(self, msgs: Sequence[Message]) -> str:
        return self._formatter(
            messages=[{"role": x.role, "content": x.content} for x in msgs]
        ).prompt

    def tokens(self, msgs: Sequence[Message]) -> list[int]:
        return self.llm.tokenize(self.render(msgs).encode("utf-8"), add_bos=False, special=True)

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    def check_fits(
        self, msgs: Sequence[Message], n_tokens: int | None = None, extra: int = 1, what: str = ""
    ) -> None:
        """PopulaceError if the prompt (``n_tokens``, counted if None) plus ``extra``
        tokens does not fit the context: said before llama.cpp is asked to decode it."""
        n = len(self.tokens(msgs)) if n_tokens is None else n_tokens
        if n + extra > self._n_ctx:
            text = " ".join((msgs[-1].content if msgs else "").split())
            raise PopulaceError(
                f"{what or 'a prompt'} of {n} tokens (+{extra} to answer) does not fit the "
                f"model's context of {self._n_ctx} tokens; raise n_ctx (--n-ctx, "
                f"[model] n_ctx) or shorten it. It begins: {text[:80]!r}"
            )

    def _key_variants(self, key: str) -> list[list[int]]:
        """Token spellings of an answer key: single-token variants, else the key's tokens."""
        if key not in self._key_tokens:

            def tok(s):
                return self.llm.tokenize(s.encode("utf-8"), add_bos=False, special=False)

            singles = []
            for s in (key, " " + key):
                t = tok(s)
                if len(t) == 1 and t not in singles:
                    singles.append(t)
            self._key_tokens[key] = singles or [tok(key)]
        return self._key_tokens[key]

    # ------------------------------------------------------------ decoding
    def _decode(self, items: list[tuple[int, int, int | tuple, bool]]) -> dict[int, np.ndarray]:
        """Decode (token, pos, seq or tuple of seqs, want_logits) entries in n_batch chunks.

        Returns {entry index: log-softmax vector} for entries that want logits.
        """
        C, b, out = self._C, self._batch, {}
        self.decoded_tokens += len(items)
        for start in range(0, len(items), self._n_batch):
            chunk = items[start : start + self._n_batch]
            b.n_tokens = len(chunk)
            for i, (tok, pos, seq, want) in enumerate(chunk):
                b.token[i] = tok
                b.pos[i] = pos
                seqs = seq if isinstance(seq, tuple) else (seq,)
                b.n_seq_id[i] = len(seqs)
                for m, s in enumerate(seqs):
                    b.seq_id[i][m] = s
                b.logits[i] = want
            rc = C.llama_decode(self._sctx.ctx, b)
            if rc != 0:
                raise RuntimeError(f"llama_decode returned {rc} (KV cache full?)")
            for i, (_, _, _, want) in enumerate(chunk):
                if want:
                    ptr = C.llama_get_logits_ith(self._sctx.ctx, i)
                    v = np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)).astype(np.float64)
                    mx = v.max()
                    out[start + i] = v - (mx + np.log(np.exp(v - mx).sum()))
        return out

    def _score_group(
        self, prefix: list[int], seqs: list[list[int]], n_out: list[int]
    ) -> list[list[np.ndarray]]:
        """Decode a prefix once, then every suffix as its own sequence sharing it.

        Returns for each suffix the log-softmax vectors at its last ``n_out``
        positions (logits are computed only there). The prefix's leading tokens
        that equal the previous call's prefix stay in the KV cache and are not
        decoded again (``reuse_scoring_prefix``; the system message and the
        fixed start of a template repeat across calls).
        """
        C = self._C
        p = len(prefix)
        old, self._scored_prefix = self._scored_prefix, []  # unknown until decoded
        c = 0
        if self.reuse_scoring_prefix:
            while c < min(len(old), p - 1) and old[c] == prefix[c]:
                c += 1
        if c == 0 or not C.llama_memory_seq_rm(self._mem, 0, c, -1):
            c = 0
            C.llama_memory_clear(self._mem, True)
        self._decode([(t, i, 0, i == p - 1) for i, t in enumerate(prefix) if i >= c])
        self._scored_prefix = list(prefix)
        results: list[list[np.ndarray]] = [None] * len(seqs)  # type: ignore[list-item]
        # groups of at most n_seq sequences that fit in the context beside the prefix
        groups, cur, used = [], [], 0
        share = self.batched and self.share_suffixes
        # with the trie, alike suffixes side by side land in the same group
        order = sorted(range(len(seqs)), key=seqs.__getitem__) if share else range(len(seqs))
        for j in order:
            s = seqs[j]
            if p + len(s) > self._n_ctx:
                raise PopulaceError(
                    f"prompt of {p + len(s)} tokens exceeds the context "
                    f"of {self._n_ctx}; raise n_ctx"
                )
            if cur and (len(cur) >= self.n_seq or p + used + len(s) > self._n_ctx):
                groups.append(cur)
                cur, used = [], 0
            cur.append(j)
            used += len(s)
        if cur:
            groups.append(cur)
        for group in groups:
            entries, where = [], []
            for k in range(1, len(group) + 1):
                C.llama_memory_seq_rm(self._mem, k, -1, -1)
                C.llama_memory_seq_cp(self._mem, 0, k, -1, -1)
            if share:
                entries, where = _trie_entries(
                    [seqs[j] for j in group], [n_out[j] for j in group], p
                )
                where = [(group[g], e) for g, e in where]
            else:
                for k, j in enumerate(group, start=1):
                    n = len(seqs[j])
                    for i, t in enumerate(seqs[j]):
                        want = i >= n - n_out[j]
                        if want:
                            where.append((j, len(entries)))
                        entries.append((t, p + i, k, want))
            if not self.batched:
                entries_by_seq = {}
                for e in entries:
                    entries_by_seq.setdefault(e[2], []).append(e)
                logits = {}
                offset = 0
                for k in sorted(entries_by_seq):
                    part = self._decode(entries_by_seq[k])
                    logits.update({offset + i: v for i, v in part.items()})
                    offset += len(entries_by_seq[k])
            else:
                logits = self._decode(entries)
            for j in group:
                results[j] = [logits[idx] for jj, idx in where if jj == j]
            for k in range(1, len(group) + 1):
                C.llama_memory_seq_rm(self._mem, k, -1, -1)
        return results

    def _score_in_generation_context(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceResult]:
        """Score each request in the *generation* context, one after another.

        Each request keeps the longest token prefix it shares with what that
        context holds (the last generation's prompt and reply, or the previous
        request) and decodes only the rest; its keys' probabilities are read
        from the last position's logits, and a multi-token key's later factors
        by decoding its leading tokens after it (``"10"``: P("1") x P("0" | "1")).
        Used while ``prefer_generation_context`` is set: a stage that scores
        questions about the text it has just generated from (mining: a persona's
        posts) then never decodes that text twice.
        """
        C, llm, out = self._C, self.llm, []
        ctx = llm._ctx.ctx

        def logsoftmax():
            v = np.ctypeslib.as_array(
                C.llama_get_logits_ith(ctx, -1), shape=(self.n_vocab,)
            ).astype(np.float64)
            mx = v.max()
            return v - (mx + np.log(np.exp(v - mx).sum()))

        def goto(toks: list[int]) -> np.ndarray:
            """Hold exactly ``toks`` in the context; the log-softmax after its last token."""
            if len(toks) > self._n_ctx:
                raise PopulaceError(
                    f"prompt of {len(toks)} tokens exceeds the context "
                    f"of {self._n_ctx}; raise n_ctx"
                )
            have = list(llm.input_ids[: llm.n_tokens])
            c = 0
            while c < min(len(have), len(toks) - 1) and have[c] == toks[c]:
                c += 1
            llm.n_tokens = c
            llm.eval(toks[c:])
            self.decoded_tokens += len(toks) - c
            return logsoftmax()

        for r in requests:
            t = self.tokens(r.messages)
            first = goto(t)
            variants = {k: self._key_variants(k) for k in r.keys}
            raw = []
            for k in r.keys:
                v = variants[k]
                if len(v[0]) == 1:
                    raw.append(float(sum(np.exp(first[x[0]]) for x in v)))
                    continue
                kt, lp = v[0], first[v[0][0]]
                for i in range(1, len(kt)):
                    lp += goto(t + kt[:i])[kt[i]]
                raw.append(float(np.exp(lp)))
            out.append(_choice_result(raw, [variants[k] for k in r.keys]))
        self.calls += len(requests)
        return out

    # ------------------------------------------------------------ protocol
    def choice_probs(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceResult]:
        if not requests:
            return []
        if self.prefer_generation_context:
            return self._score_in_generation_context(requests)
        toks = [self.tokens(r.messages) for r in requests]
        for r, t in zip(requests, toks):
            longest = max(len(v[0]) for k in r.keys for v in [self._key_variants(k)])
            self.check_fits(r.messages, len(t), longest)
        # longest common token prefix, leaving at least one token per suffix
        p = min(len(t) for t in toks) - 1
        first = toks[0]
        for t in toks[1:]:
            i = 0
            while i < p and t[i] == first[i]:
                i += 1
            p = i
        prefix = first[:p]
        # one sequence per request (single-token keys), or per (request, key) otherwise
        seqs, n_out, plan = [], [], []
        for r, t in zip(requests, toks):
            variants = {k: self._key_variants(k) for k in r.keys}
            if all(len(v[0]) == 1 for v in variants.values()):
                plan.append(("single", len(seqs), variants))
                seqs.append(t[p:])
                n_out.append(1)
            else:
                # one sequence per longest leading-token path ("10" -> "1"): its
                # logits give every key whose leading tokens start that path, so
                # "1".."10" take one sequence, not ten
                leads = [tuple(variants[k][0][:-1]) for k in r.keys]
                longest = sorted(
                    q
                    for q in set(leads)
                    if not any(len(o) > len(q) and o[: len(q)] == q for o in leads)
                )
                at = {}
                for q in longest:
                    at[q] = len(seqs)
                    seqs.append(t[p:] + list(q))
                    n_out.append(len(q) + 1)
                idx = [at[next(q for q in longest if q[: len(lead)] == lead)] for lead in leads]
                plan.append(("multi", idx, variants))
        scored = self._score_group(prefix, seqs, n_out)
        out = []
        for r, (kind, where, variants) in zip(requests, plan):
            if kind == "single":
                lp = scored[where][-1]
                raw = [float(sum(np.exp(lp[v[0]]) for v in variants[k])) for k in r.keys]
            else:
                raw = []
                for k, j in zip(r.keys, where):
                    kt = variants[k][0]
                    vecs = scored[j][: len(kt)]  # after the suffix, then after kt[:i]
                    raw.append(float(np.exp(sum(v[tok] for v, tok in zip(vecs, kt)))))
            out.append(_choice_result(raw, [variants[k] for k in r.keys]))
        self.calls += len(requests)
        return out

    def generate(
        self, requests: Sequence[GenerateRequest], *, reuse_prefix: bool = True
    ) -> list[GenerateResult]:
        """Generate text; ``reuse_prefix=False`` clears the KV cache before each
        request (an honest baseline: llama-cpp-python otherwise reuses a
        matching prefix silently)."""
        out = []
        for r in requests:
            if not reuse_prefix:
                self.llm.reset()
                self._C.llama_memory_clear(self._C.llama_get_memory(self.llm._ctx.ctx), True)
            seed = (int(r.seed) * 1_000_003 + int(r.sample_index)) % (2**31 - 1)
            grammar = self._grammar(r.grammar)  # an invalid grammar stops the call (not a failure)
            prompt = self.tokens(r.messages)
            self.check_fits(r.messages, len(prompt))
            try:
                res = self.llm.create_completion(
                    prompt=prompt,
                    max_tokens=r.max_tokens,
                    temperature=r.temperature,
                    top_p=r.top_p,
                    seed=seed,
                    stop=list(r.stop) or None,
                    grammar=grammar,
                    repeat_penalty=r.repeat_penalty,
                )
                out.append(GenerateResult(text=res["choices"][0]["text"]))
            except (ValueError, RuntimeError) as exc:
                out.append(GenerateResult(error=f"generation failed: {exc}"))
        self.calls += len(requests)
        return out

    def _grammar(self, text: str | None):
        """The compiled GBNF grammar (compiled once per text), or None."""
        if text is None:
            return None
        cache = self.__dict__.setdefault("_grammars", {})
        if text not in cache:
            from llama_cpp import LlamaGrammar

            # llama.cpp only parses a grammar when it builds the sampler, and
            # llama-cpp-python then dereferences the NULL it returns for an
            # invalid one (a segfault): build one here and check it first
            vocab = self._C.llama_model_get_vocab(self.llm._model.model)
            probe = self._C.llama_sampler_init_grammar(vocab, text.encode("utf-8"), b"root")
            if not probe:
                raise PopulaceError(
                    "invalid GBNF grammar (llama.cpp could not parse it; see its log above)"
                )
            self._C.llama_sampler_free(probe)
            cache[text] = LlamaGrammar.from_string(text, verbose=False)
        return cache[text]

    def close(self) -> None:
        self._stack.close()
        try:
            self.llm.close()
        except Exception:  # pragma: no cover
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


__all__ = ["LlamaCppBackend", "MIN_N_CTX", "MAX_N_SEQ", "MAX_THREADS"]
