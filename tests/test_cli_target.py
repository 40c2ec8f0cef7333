"""`populace target` and `populace train-embedder` on the command line: outputs and
one-line errors (exit 2) before any model loads."""

import pandas as pd
import pytest

from populace.cli import main
from tests._target_helpers import make_run


def _run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    return e.value.code, capsys.readouterr().err


def test_target_retrieval_only_writes_the_seed_links(tmp_path, capsys):
    make_run(tmp_path / "run")
    code, err = _run(
        [
            "target",
            str(tmp_path / "run"),
            "residents of Hong Kong",
            "-n",
            "2",
            "--top-k",
            "1",
            "--no-revise",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    out = pd.read_parquet(tmp_path / "run" / "targets" / "residents-of-hong-kong.parquet")
    assert out["seed_persona_id"].tolist() == ["h05", "h05"]
    assert "2 personas" in err
    # the exact faiss index retrieves the same seed as numpy (where faiss-cpu is installed)
    pytest.importorskip("faiss", reason="faiss-cpu is not installed")
    code, err = _run(
        [
            "target",
            str(tmp_path / "run"),
            "residents of Hong Kong",
            "-n",
            "2",
            "--top-k",
            "1",
            "--no-revise",
            "--quiet",
            "--index",
            "faiss",
            "--out",
            str(tmp_path / "f.parquet"),
        ],
        capsys,
    )
    assert code == 0, err
    assert pd.read_parquet(tmp_path / "f.parquet")["seed_persona_id"].tolist() == ["h05", "h05"]


@pytest.mark.parametrize(
    "args,msg",
    [
        (["  ", "-n", "2"], "query is empty"),
        (["teens", "-n", "500", "--top-k", "2"], "more than 20 x top-k"),
        (["teens", "-n", "2", "--top-k", "50"], "larger than the pool"),
        (["teens", "-n", "2", "--no-revise", "--embedder", "nope"], "unknown embedder"),
        (["teens", "-n", "2", "--index", "annoy"], "unknown index backend"),
    ],
)
def test_target_errors(tmp_path, capsys, args, msg):
    make_run(tmp_path / "run")
    code, err = _run(["target", str(tmp_path / "run")] + args, capsys)
    assert code == 2 and err.startswith("error: ") and msg in err and "Traceback" not in err


def test_target_missing_run_and_personas(tmp_path, capsys):
    code, err = _run(["target", str(tmp_path / "nope"), "teens", "-n", "2"], capsys)
    assert code == 2 and "does not exist" in err
    (tmp_path / "empty").mkdir()
    code, err = _run(["target", str(tmp_path / "empty"), "teens", "-n", "2"], capsys)
    assert code == 2 and "personas.parquet does not exist" in err


def test_train_embedder_unknown_base(tmp_path, capsys):
    make_run(tmp_path / "run")
    code, err = _run(
        ["train-embedder", str(tmp_path / "run"), "--out", str(tmp_path / "m"), "--base", "nope"],
        capsys,
    )
    assert code == 2 and "unknown embedder" in err


def test_target_from_a_pool_file_and_its_errors(tmp_path, capsys):
    import json

    from tests._target_helpers import POOL

    hub = tmp_path / "hub.jsonl"
    hub.write_text("\n".join(json.dumps({"input persona": t}) for _, t in POOL))
    base = ["target", str(tmp_path / "new-run"), "residents of Hong Kong", "-n", "1"]
    code, err = _run(
        base + ["--no-revise", "--quiet", "--pool", str(hub), "--preset", "personahub"], capsys
    )
    assert code == 0, err
    assert "preset:personahub:hub.jsonl" in err
    out = pd.read_parquet(tmp_path / "new-run" / "targets" / "residents-of-hong-kong.parquet")
    assert "Hong Kong" in out["persona"].iloc[0]
    code, err = _run(base + ["--no-revise", "--pool", str(hub)], capsys)
    assert code == 2 and "no persona text column" in err and "Traceback" not in err
    code, err = _run(base + ["--no-revise", "--preset", "personahub"], capsys)
    assert code == 2 and "give --pool" in err
    code, err = _run(base + ["--template", "fancy"], capsys)
    assert code == 2 and "unknown revision template" in err
