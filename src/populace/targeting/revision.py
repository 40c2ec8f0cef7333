"""The LLM revision of retrieved seeds into a target group (paper section 3.3, Eq. 15).

The paper revises a retrieved persona conditioned on the group query *and* the
retrieved seeds: p' = LLM(q, p_i, {p_j}). Here each revision prompt shows the
seed being revised, ``context_seeds`` other retrieved seeds as context (the
next ones in similarity order, each cut to ``context_words`` words) and the
query.

Templates (package files ``targeting/prompts/<file>.txt``, overridable with a
prompt folder like every targeting prompt):

===========  ===================  ==================================================
name         file                 what it asks for
===========  ===================  ==================================================
``youth``    revise_youth.txt     a young person of the group: age, school, grade,
                                  household, the habits, risks and attitudes common
                                  at that age
``region``   revise_region.txt    a resident of the country or region: origin,
                                  language, work, household, the everyday habits and
                                  social, political and moral attitudes common there
``generic``  revise_generic.txt   the group's typical circumstances, behaviours and
                                  attitudes
``minimal``  revise.txt           the earlier prompt: only the facts membership needs
                                  (age, place, school, job); no context seeds
===========  ===================  ==================================================

All but ``minimal`` keep the person's temperament, interests, values and voice.
``auto`` (default) picks ``youth`` for queries about students, school pupils,
teenagers or young people, else ``region`` for queries naming a country, a
region or its residents, else ``generic`` (:func:`choose_template`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from populace.errors import PopulaceError
from populace.llm.cache import CachedBackend, CallCache
from populace.targeting.calls import Task, run_tasks
from populace.targeting.parse import persona_line

#: template name -> prompt file (without .txt)
REVISE_TEMPLATES = {
    "youth": "revise_youth",
    "region": "revise_region",
    "generic": "revise_generic",
    "minimal": "revise",
}
TEMPLATE_CHOICES = ("auto", *REVISE_TEMPLATES)

_YOUTH = re.compile(
    r"\b(high[- ]?schools?|middle[- ]?schools?|secondary[- ]?schools?|schools?|pupils?|"
    r"students?|teen(ager)?s?|adolescen(ts?|ce)|youths?|young (people|persons?|adults?)|"
    r"kids|children|boys|girls|(fresh|sopho)m[ae]n|juniors|seniors in high school|"
    r"grade ?\d+|\d+(th|st|nd|rd) grad(e|ers?)|minors)\b",
    re.IGNORECASE,
)
_PLACE = re.compile(
    r"\b(residents?|citizens?|inhabitants?|nationals?|natives?|people (living |who live )?"
    r"(in|of|from)|living in|who live in|born in|country|countries|nation|region|"
    r"province|citizenry|population of|"
    r"europe(an)?s?|asia(n)?s?|africa(n)?s?|america(n)?s?|latin america|middle east|"
    r"oceania|scandinavia(n)?s?|nordic|east asia|south asia|north america)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _place_names() -> re.Pattern:
    """The country and region names of populace's region table, as one pattern."""
    from populace.reference.regions import regions

    names = set()
    for key, countries in regions().items():
        names.add(key.replace("_", " "))
        names.update(countries)
    alt = "|".join(sorted((re.escape(n) for n in names if n), key=len, reverse=True))
    return re.compile(rf"\b({alt})\b", re.IGNORECASE)


def choose_template(query: str) -> str:
    """``youth``, ``region`` or ``generic`` for a group query (the ``auto`` rule)."""
    if _YOUTH.search(query):
        return "youth"
    if _PLACE.search(query) or _place_names().search(query):
        return "region"
    return "generic"


def resolve_template(template: str, query: str) -> str:
    """The template name to use: ``template`` itself, or the ``auto`` choice."""
    if template not in TEMPLATE_CHOICES:
        raise PopulaceError(
            f"unknown revision template {template!r}; choose from {', '.join(TEMPLATE_CHOICES)}"
        )
    return choose_template(query) if template == "auto" else template


def context_text(texts: list[str], positions: list[int], i: int, count: int, words: int) -> str:
    """The context block of seed ``positions[i]``: the next ``count`` retrieved seeds
    in similarity order (wrapping round, never the seed itself), each cut to
    ``words`` words, one ``Person i:`` line each (not bullets: small models copy a
    bullet list's form into their reply); ``(none)`` when there is no other seed."""
    k = len(positions)
    others = [positions[(i + s) % k] for s in range(1, min(count, k - 1) + 1)]
    if not others:
        return "(none)"
    cut = []
    for j, p in enumerate(others, 1):
        w = texts[p].split()
        cut.append(f"Person {j}: " + " ".join(w[:words]) + (" ..." if len(w) > words else ""))
    return "\n".join(cut)


def revise_tasks(
    templates,
    template: str,
    texts: list[str],
    hits: list[tuple[int, float]],
    plan,
    query: str,
    *,
    max_words: int,
    variant_temperature: float,
    context_seeds: int = 2,
    context_words: int = 60,
) -> list[Task]:
    """One LLM task per planned (pool position, similarity, variant)."""
    name = REVISE_TEMPLATES[template]
    positions = [p for p, _ in hits]
    where = {p: i for i, p in enumerate(positions)}
    tasks = []
    for p, _, v in plan:
        fields = {"persona": texts[p], "query": query, "max_words": max_words}
        if template != "minimal":
            fields["context"] = context_text(
                texts, positions, where[p], context_seeds, context_words
            )
        tasks.append(
            Task(
                templates.messages(name, **fields),
                lambda t: persona_line(t, max_words=max(int(max_words * 1.5), 20)),
                max_tokens=int(max_words * 2) + 20,
                temperature=0.0 if v == 0 else variant_temperature,
                sample_index=v,
            )
        )
    return tasks


def run_revisions(
    cache_path,
    backend,
    tasks: list[Task],
    query: str,
    *,
    seed: int,
    max_attempts: int,
    batch_size: int,
    progress: bool,
):
    """The revisions through the run's call cache; (parsed replies in order, call counts)."""
    from populace.survey.progress import progress_bar

    cache = CallCache(cache_path)
    cb = CachedBackend(backend, cache)
    try:
        with progress_bar(len(tasks), f"revise for {query[:40]!r}", enabled=progress) as advance:
            outs = run_tasks(
                cb,
                tasks,
                seed=seed,
                max_attempts=max_attempts,
                batch_size=batch_size,
                advance=advance,
            )
    finally:
        cache.close()
    return outs, {"model_calls": cb.misses, "cache_hits": cb.hits}
