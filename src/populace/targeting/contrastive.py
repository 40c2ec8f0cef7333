"""Contrastive fine-tuning of a sentence-transformers model (paper Appendix B.6).

For a query q with positive persona d+ and its filtered negatives d-_1..d-_m
the loss is the InfoNCE / cross-entropy of the positive among them:

    L = -log( exp(cos(q, d+)/T) / (exp(cos(q, d+)/T) + sum_j exp(cos(q, d-_j)/T)) )

(van den Oord et al. 2018; the shape of sentence-transformers'
MultipleNegativesRankingLoss with explicit hard negatives, but with *only* the
query's own filtered negatives in the denominator: other queries' positives in
the batch are not used, because they were never checked for being false
negatives). Temperature ``T`` = 0.05 by default (scale 20, the
sentence-transformers default). AdamW, linear warm-up over the first 10 % of
optimiser steps, one epoch by default, CPU; a small torch loop so the number of
negatives may differ per query.

Gradient accumulation (``grad_accum`` = a): an optimiser step sees the
gradient of ``batch_size * a`` queries, computed in ``a`` micro-batches of
``batch_size`` (each micro-batch's summed loss divided by the size of the whole
step before ``backward``), so the step equals one of a single batch of
``batch_size * a`` queries while memory holds one micro-batch. The paper's
Table 8 (effective batch 32) is batch 8 x 4 on CPU.
"""

from __future__ import annotations

import math
import random as _random
from dataclasses import dataclass


@dataclass
class Example:
    query: str
    positive: str
    negatives: list[str]


def train_contrastive(
    model,
    examples: list[Example],
    *,
    epochs: int = 1,
    batch_size: int = 8,
    lr: float = 2e-5,
    temperature: float = 0.05,
    seed: int = 0,
    grad_accum: int = 1,
    advance=lambda n: None,
    on_epoch=lambda epoch: None,
) -> list[float]:
    """Fine-tune ``model`` (a SentenceTransformer) in place; returns the mean loss per epoch.
    ``batch_size`` queries per micro-batch, ``grad_accum`` micro-batches per optimiser
    step. ``on_epoch(e)`` is called (model in eval mode) after epoch e = 1, 2, ..."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = _random.Random(seed)
    device = next(model.parameters()).device
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    if grad_accum < 1:
        raise ValueError("grad_accum must be at least 1")
    step_size = batch_size * grad_accum
    steps = max(1, epochs * math.ceil(len(examples) / step_size))
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm))
    )

    def embed(texts):
        prep = getattr(model, "preprocess", None) or model.tokenize
        feats = {k: (v.to(device) if hasattr(v, "to") else v) for k, v in prep(texts).items()}
        return F.normalize(model(feats)["sentence_embedding"], dim=-1)

    losses = []
    model.train()
    for _ in range(epochs):
        order = list(range(len(examples)))
        rng.shuffle(order)
        total, count = 0.0, 0
        for step_start in range(0, len(order), step_size):
            window = order[step_start : step_start + step_size]
            opt.zero_grad()
            for start in range(0, len(window), batch_size):
                batch = [examples[i] for i in window[start : start + batch_size]]
                loss = _batch_loss(embed, batch, temperature, device) / len(window)
                loss.backward()
                total += float(loss.detach()) * len(window)
                count += len(batch)
                advance(len(batch))
            opt.step()
            sched.step()
        losses.append(total / max(1, count))
        model.eval()
        on_epoch(len(losses))
        model.train()
    model.eval()
    return losses


def _batch_loss(embed, batch: list[Example], temperature: float, device):
    """The summed InfoNCE loss of a micro-batch (each query against its own positive
    and negatives only)."""
    import torch
    import torch.nn.functional as F

    q = embed([e.query for e in batch])
    docs, spans = [], []
    for e in batch:
        spans.append((len(docs), 1 + len(e.negatives)))
        docs.extend([e.positive] + list(e.negatives))
    d = embed(docs)
    loss = 0.0
    for i, (s0, n) in enumerate(spans):
        logits = (d[s0 : s0 + n] @ q[i]) / temperature
        loss = loss + F.cross_entropy(
            logits[None, :], torch.zeros(1, dtype=torch.long, device=device)
        )
    return loss
