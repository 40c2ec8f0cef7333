"""Stage 3, raw QC: the LLM rates each cleaned post's quality (high/medium/low)
and harmlessness (yes/no) as a JSON object (prompt ``qc.txt``). Kept: quality
in ``qc_keep_quality`` (default: high only) and, with ``qc_require_harmless``
(default), harmless = yes. A reply that does not parse is retried once and
then recorded as ``failed`` (the post is dropped, never given a default label).
"""

from __future__ import annotations

import pandas as pd

from populace.mining.config import MiningConfig
from populace.mining.llm import Item, StageCaller
from populace.mining.parse import parse_qc
from populace.mining.prompts import Templates, fence


def qc(cleaned: pd.DataFrame, caller: StageCaller, templates: Templates, cfg: MiningConfig,
       advance=lambda n: None) -> pd.DataFrame:
    posts = cleaned[cleaned["keep"].astype(bool)].reset_index(drop=True)
    items = [Item(templates.messages("qc", post=fence(t)), parse_qc, cfg.qc_max_tokens)
             for t in posts["text"]]
    res = caller.run(items, advance)
    out = posts[["post_id", "author_id"]].copy()
    out["quality"] = [o.value["quality"] if o.status == "ok" else None for o in res]
    out["harmless"] = [o.value["harmless"] if o.status == "ok" else None for o in res]
    out["status"] = [o.status for o in res]
    out["error"] = [o.error for o in res]
    out["attempts"] = [o.attempts for o in res]
    out["raw"] = [o.raw for o in res]
    keep = (out["status"] == "ok") & out["quality"].isin(list(cfg.qc_keep_quality))
    if cfg.qc_require_harmless:
        keep &= out["harmless"] == "yes"
    out["keep"] = keep
    out["reason"] = ""
    out.loc[out["status"] != "ok", "reason"] = "qc_failed"
    out.loc[(out["status"] == "ok") & ~keep, "reason"] = "qc_rejected"
    return out
