"""Facets of a search: counts per department and per keyword, each with the other filter applied."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

from patrimoine.search.analyzer import fold

KEYWORD_FACET_SIZE = 50
_US = "\x1f"  # joins a keyword's key and spelling; str.split() treats it as blank, so neither holds it

Row = tuple[int, Any, str, str | None]  # dataset id, score (or title when browsing), department, keywords JSON
Facets = dict[str, dict[str, int]]


def count_facets(rows: list[Row], department: str | None, keyword: str | None) -> tuple[list[Row], Facets]:
    """The rows kept by both filters, and the facets (each counted without its own filter).

    Written as comprehensions and C-level counting over cached per-value results: this runs over every
    matching dataset, so it must cost well under a microsecond a row.
    """
    in_department = rows if department is None else [r for r in rows if title_key(r[2]) == department]
    in_keyword = rows if keyword is None else [r for r in rows if keyword in _keyword_keys(r[3])]
    kept = in_department if keyword is None else [r for r in in_department if keyword in _keyword_keys(r[3])]
    departments = Counter(map(itemgetter(2), in_keyword))
    spellings = Counter(chain.from_iterable(map(_keywords, map(itemgetter(3), in_department))))
    return kept, _facet_dicts(departments, spellings, keyword)


def _facet_dicts(departments: Counter[str], spellings: Counter[str], chosen: str | None) -> Facets:
    """Facets from the datasets counted per department and per "key<US>spelling" of their keywords."""
    counts: Counter[str] = Counter()
    by_key: dict[str, Counter[str]] = defaultdict(Counter)  # the most used spelling of a keyword shows
    for entry, n in spellings.items():
        key, spelling = entry.split(_US)
        counts[key] += n
        by_key[key][spelling] += n
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:KEYWORD_FACET_SIZE]
    if chosen is not None and chosen in counts and all(key != chosen for key, _ in top):
        top.append((chosen, counts[chosen]))
    label = {key: min(by_key[key].items(), key=lambda kv: (-kv[1], kv[0]))[0] for key, _ in top}
    return {
        "department": dict(sorted(departments.items(), key=lambda kv: (-kv[1], kv[0]))),
        "keyword": {label[key]: n for key, n in top},
    }


def norm(value: str | None) -> str | None:
    return None if value is None else title_key(value)


@lru_cache(maxsize=100_000)
def title_key(text: str) -> str:
    """Accent- and case-blind form used to sort titles and compare filter values."""
    return " ".join(fold(text).split())


@lru_cache(maxsize=100_000)
def _keyword_keys(raw: str | None) -> frozenset[str]:
    return frozenset(entry.split(_US)[0] for entry in _keywords(raw))


@lru_cache(maxsize=100_000)
def _keywords(raw: str | None) -> tuple[str, ...]:
    """A dataset's keywords (JSON list) as "key<US>spelling" strings, each key once.

    One string rather than a pair: the same cached objects come back for each dataset, and counting
    strings whose hash is cached is what makes facets cheap.
    """
    try:
        values = json.loads(raw or "[]")
    except ValueError:
        return ()
    seen: dict[str, str] = {}
    for value in values if isinstance(values, list) else []:
        if isinstance(value, str) and value.strip():
            seen.setdefault(title_key(value), " ".join(value.split()))
    return tuple(key + _US + spelling for key, spelling in seen.items())
