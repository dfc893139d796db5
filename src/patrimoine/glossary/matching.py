"""Finding a term in text: its forms (label, synonyms, acronyms) as phrases of analysed terms.

Matching uses the search analyzer, so it is accent-, case- and plural-blind exactly like search:
"Valeurs foncières", "valeur_fonciere" and "VALEUR FONCIERE" all hold the form "valeur foncière".
This module reads the store only: the catalogue calls it while reindexing, the glossary while suggesting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from patrimoine.search.analyzer import analyze
from patrimoine.store.tables import glossary_terms

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Forms:
    term_id: int
    slug: str
    written: list[str]  # as the steward wrote them: what a matching dataset gets indexed with
    phrases: list[tuple[str, Phrase]]  # (written form, its analysed terms); forms made only of stop words dropped


def load_forms(conn: Connection) -> list[Forms]:
    rows = conn.execute(
        select(
            glossary_terms.c.id,
            glossary_terms.c.slug,
            glossary_terms.c.label,
            glossary_terms.c.synonyms,
            glossary_terms.c.acronyms,
        ).order_by(glossary_terms.c.slug)
    ).all()
    found = []
    for row in rows:
        written = [row.label, *(row.synonyms or []), *(row.acronyms or [])]
        phrases = [(form, tuple(analyze(form))) for form in written]
        found.append(Forms(row.id, row.slug, written, [(f, p) for f, p in phrases if p]))
    return found


def contains(terms: Sequence[str], phrase: Phrase) -> bool:
    """True when `phrase` occurs in `terms` as consecutive terms."""
    n = len(phrase)
    return any(tuple(terms[i : i + n]) == phrase for i in range(len(terms) - n + 1))


def first_match(texts: Sequence[Sequence[str]], forms: Forms) -> str | None:
    """The first written form of the term found in one of the analysed `texts` (phrases never span two texts)."""
    for written, phrase in forms.phrases:
        if any(contains(text, phrase) for text in texts):
            return written
    return None


def expansions(conn: Connection, texts: Iterable[str | None]) -> list[str]:
    """Every form of every glossary term found in `texts`: the extra words a dataset is indexed with.

    Draft terms count too: a synonym only helps a search find a table, it asserts nothing about it.
    """
    analysed = [analyze(text) for text in texts if text]
    words: list[str] = []
    for forms in load_forms(conn):
        if first_match(analysed, forms) is not None:
            words.extend(forms.written)
    return words
