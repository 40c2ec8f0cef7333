"""GBNF grammars that hold a mining stage's reply to its format (``grammar=True``,
the default).

With a backend that enforces them (llama.cpp in process, llama.cpp servers
through ``--backend openai``), a reply cannot run on past its format, echo a
``<placeholder>``, wrap JSON in a code fence or leave a score out: small
models did all of these (tests/fixtures/mining_model_outputs.json). The
grammar fixes only the *shape*; every reply is still parsed strictly, and a
backend that ignores grammars costs retries, not wrong values.

``persona``  ``PERSONA: NULL`` or ``PERSONA: <one line of at most
             7 x max_words characters, no < or >>`` then ``EVIDENCE:`` and one to
             three ``- "quote"`` lines of at most 100 characters. The character
             cap only stops a runaway paragraph; the word limit is the
             parser's (``parse.parse_persona``), which cuts an over-long
             paragraph at its last full sentence within ``max_words``.
``critic``   the JSON object of five integer scores 1-10, in the prompt's order.
``qc``       {"quality": "high"|"medium"|"low", "harmful": "yes"|"no"}.
``pii``      {"full_names": [...]}: at most 5 names, each two to four capitalised
             words (a full name; a first name alone is not PII here), so a
             reply cannot run past its token limit listing junk.
"""

from __future__ import annotations

from populace.mining.parse import CRITIC_KEYS

PERSONA_CHARS_PER_WORD = 7
QUOTE_CHARS = 100


def persona(max_words: int) -> str:
    cap = max(40, PERSONA_CHARS_PER_WORD * int(max_words))
    return (
        "\n".join(
            [
                'root ::= "PERSONA: " ( "NULL" | para "\\nEVIDENCE:\\n" quote quote? quote? )',
                f"para ::= [^\\n<>] [^\\n<>]{{19,{cap - 1}}}",
                f'quote ::= "- \\"" [^"\\n<>]{{3,{QUOTE_CHARS}}} "\\"\\n"',
            ]
        )
        + "\n"
    )


def _num() -> str:
    return 'n ::= [1-9] | "10"'


CRITIC = (
    'root ::= "{" '
    + ' ", " '.join(f'"\\"{k}\\": " n' for k in CRITIC_KEYS)
    + ' "}"\n'
    + _num()
    + "\n"
)

QC = (
    'root ::= "{\\"quality\\": \\"" ("high" | "medium" | "low") '
    '"\\", \\"harmful\\": \\"" ("yes" | "no") "\\"}"\n'
)

PII = (
    'root ::= "{\\"full_names\\": [" ( name ( ", " name ){0,4} )? "]}"\n'
    'name ::= "\\"" word ( " " word ){1,3} "\\""\n'
    "word ::= [A-Z] [a-zA-Z'.-]{1,20}\n"
)
