"""The stage functions of the top-level API that need more than a re-export.

``populace.mine`` and ``populace.survey`` open a model by name when no backend
is given (as the CLI does); ``populace.run`` takes a config file, a dict or a
:class:`~populace.config.RunConfig`.  The stage modules themselves
(``populace.mining``, ``populace.survey``, ``populace.pipeline``) take
backends and configs only.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["mine", "survey", "run"]


def _backend(model: str | None, backend):
    if backend is not None:
        return backend, None
    from populace.llm import load_backend

    return load_backend(model)


def mine(corpus, out, *, model: str | None = None, backend=None, **kwargs):
    """Mine narrative personas from a long-term first-person corpus.

    Runs the mining stages of Hu et al. (2025, section 3.1) in the run
    directory ``out``: read -> preprocess (rules) -> clean -> quality and
    harm check -> group by author -> persona -> critic -> PII rewrite.  Every
    stage is resumable and every LLM call is cached in ``out/cache.sqlite``.

    Parameters
    ----------
    corpus : str or Path
        A Blog Authorship Corpus folder, ``blogtext.csv``, or any
        CSV/TSV/JSONL/Parquet table of posts (see :func:`populace.corpus.read_corpus`).
    out : str or Path
        The run directory (created if missing).
    model : str, optional
        A model name (``smollm2-135m``, ``qwen2.5-1.5b``, a ``.gguf`` path or a
        Hugging Face id) opened in process with llama.cpp when ``backend`` is
        not given; None takes the default model (``populace models``), or
        none when ``stages`` holds only rule stages (``read``, ``preprocess``,
        ``group``).
    backend : populace.llm.Backend, optional
        An open backend (llama.cpp or an OpenAI-compatible server).
    **kwargs
        Passed to :func:`populace.mining.mine`: ``config``
        (:class:`~populace.mining.MiningConfig`), ``limit_authors``,
        ``stages``, ``corpus_format``, ``author_column``, ``text_column``,
        ``prompt_dir``, ``critic_backend``, ``progress``.

    Returns
    -------
    MineResult
        ``personas`` (one row per kept persona: ``persona_id``, ``persona``,
        critic scores, author metadata), ``summary`` (rows in and out per
        stage) and ``run`` (the run directory).

    References
    ----------
    Hu et al. (2025). Population-Aligned Persona Generation for LLM-based
    Social Simulation. arXiv:2509.10127.
    Schler, Koppel, Argamon & Pennebaker (2006). Effects of age and gender on
    blogging. AAAI Spring Symposium on Computational Approaches to Analyzing
    Weblogs (the Blog Authorship Corpus).
    """
    from populace.mining import mine as _mine
    from populace.mining.pipeline import LLM_STAGES

    stages = kwargs.get("stages")
    if backend is None and model is None and stages and not set(stages) & set(LLM_STAGES):
        b, info = None, None  # rule stages only: no model to open
    else:
        b, info = _backend(model, backend)
    kwargs.setdefault("model_info", info)
    return _mine(corpus, out, backend=b, **kwargs)


def survey(personas, instrument, *, model: str | None = None, backend=None, **kwargs):
    """Administer an instrument to personas through an LLM.

    Each persona's description is put in the user message and every item is
    answered from the model's next-token distribution over the option labels
    (modes ``sample``, ``expected``, ``argmax``), or from generated text
    (``generate``, for servers without log-probabilities).  The persona
    prefix is evaluated once per persona; calls are cached and resumable.

    Parameters
    ----------
    personas : str, Path or DataFrame
        A table with ``persona_id`` and ``persona`` columns (or a run
        directory's ``personas.parquet``); None with ``no_persona=True``.
    instrument : str or Instrument
        A built-in id (``ipip50``, ``bfi25``, ...) or a YAML file.
    model : str, optional
        A model name opened with llama.cpp when ``backend`` is not given.
    backend : populace.llm.Backend, optional
        An open backend.
    **kwargs
        Passed to :func:`populace.survey.survey`: ``mode`` (default
        ``sample``), ``seed``, ``temperature``, ``out`` (writes the wide and
        long answer tables), ``cache``, ``no_persona``, ``n``, ``progress``.

    Returns
    -------
    SurveyResult
        ``wide`` (``persona_id`` + one column per item), ``long`` (one row
        per persona and item with the option probabilities and status) and
        ``meta``.

    References
    ----------
    Hu et al. (2025). arXiv:2509.10127, section 3.2 (persona-conditioned
    questionnaire answers).
    """
    from populace.survey import survey as _survey

    b, info = _backend(model, backend)
    kwargs.setdefault("model_info", info)
    return _survey(personas, instrument, backend=b, **kwargs)


def run(config, *, progress: bool = True):
    """Run (or resume) the whole pipeline from one config.

    Stages: mine -> survey -> align -> (targets) -> evaluate -> report ->
    export, in the run directory the config names.  A stage whose settings
    and inputs are unchanged since it last finished is skipped, so calling
    this again after an interruption continues where it stopped.

    Parameters
    ----------
    config : str, Path, dict or RunConfig
        A TOML file (see ``examples/populace.toml`` and docs/pipeline.md), the
        same content as a dict (relative paths resolve against the current
        directory), or a validated :class:`populace.config.RunConfig`.
    progress : bool, default True
        Show progress bars.  Stage messages go to the ``populace.pipeline``
        logger.

    Returns
    -------
    RunResult
        ``summary`` (one record per stage: rows in and out, seconds, whether
        it was resumed; also ``to_frame()``), ``report`` (path of the HTML
        report) and ``run`` (the run directory).

    References
    ----------
    Hu et al. (2025). arXiv:2509.10127.
    """
    from populace.config import RunConfig, load_config, parse_config
    from populace.pipeline import run_pipeline

    if isinstance(config, RunConfig):
        cfg = config
    elif isinstance(config, dict):
        cfg = parse_config(config, origin="<dict>", base=Path.cwd())
    else:
        cfg = load_config(config)
    return run_pipeline(cfg, progress=progress)
