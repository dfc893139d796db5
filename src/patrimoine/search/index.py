"""The catalogue's search index: postings in the metadata store, BM25F ranking and facets computed in Python.

The index lives in `search_postings` / `search_documents` and is written with the caller's Connection, so a
dataset and its index entries commit or roll back together. Only portable SQLAlchemy Core is used: the same
code and the same results on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, Text, cast, delete, func, insert, select

from patrimoine.errors import InputError, NotFound
from patrimoine.model import SearchHit, SearchResult
from patrimoine.search.analyzer import analyze, fold, tokens
from patrimoine.store.tables import datasets, search_documents, search_postings

# Field weights (BM25F): a word of the title says more about a dataset than a word of a column's description.
TITLE, KEYWORDS, NAME, DEPARTMENT, COLUMN, DESCRIPTION, COLUMN_DESCRIPTION = 3.0, 2.5, 1.5, 1.0, 1.0, 1.0, 0.8
K1, B = 1.2, 0.75
PREFIX_FACTOR = 0.5  # a completion of the word being typed counts half as much as the word itself
MAX_EXPANSIONS = 32  # completions of the last word kept (most frequent first): bounds the cost of "co"
MAX_QUERY_TERMS = 16
KEYWORD_FACET_SIZE = 50
_IDS_IN_LIST = 2000  # above this, fetch candidates' metadata through a subquery rather than bound ids

_postings, _documents = search_postings.c, search_documents.c


def index_dataset(
    conn: Connection,
    dataset_id: int,
    *,
    title: str,
    description: str | None,
    keywords: list[str],
    columns: list[tuple[str, str | None]],
    department: str,
) -> None:
    """(Re)index one dataset inside the caller's transaction; `columns` are (name, description) pairs.

    The table's own `namespace.name` (read from `datasets`, whose row must exist) is indexed too, so a
    technical name such as dvf_mutations finds its table.
    """
    where = datasets.c.id == dataset_id
    row = conn.execute(select(datasets.c.namespace, datasets.c.name).where(where)).first()
    if row is None:
        raise NotFound(f"dataset {dataset_id} does not exist: insert it before indexing it")
    fields: list[tuple[float, Iterable[str | None]]] = [
        (TITLE, [title]),
        (KEYWORDS, keywords),
        (NAME, [row.namespace, row.name]),
        (DEPARTMENT, [department]),
        (COLUMN, (name for name, _ in columns)),
        (DESCRIPTION, [description]),
        (COLUMN_DESCRIPTION, (text for _, text in columns)),
    ]
    weights: defaultdict[str, float] = defaultdict(float)
    length = 0.0
    for field_weight, texts in fields:
        for text in texts:
            for term in analyze(text or ""):
                weights[term] += field_weight
                length += field_weight
    remove_dataset(conn, dataset_id)
    conn.execute(insert(search_documents), {"dataset_id": dataset_id, "length": length})
    if weights:
        rows = [{"dataset_id": dataset_id, "term": term, "weight": w} for term, w in weights.items()]
        conn.execute(insert(search_postings), rows)  # one executemany


def remove_dataset(conn: Connection, dataset_id: int) -> None:
    """Drop a dataset's index entries (deleting the dataset row also does it, by cascade)."""
    conn.execute(delete(search_postings).where(_postings.dataset_id == dataset_id))
    conn.execute(delete(search_documents).where(_documents.dataset_id == dataset_id))


def search(
    conn: Connection,
    text: str,
    *,
    department: str | None = None,
    keyword: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Ranked, faceted search of the catalogue.

    Matching: every word of the query must match (after folding, stop words and stemming); the last word
    also matches as a prefix (search as you type) unless the query ends with a space. When no dataset
    matches every word, datasets matching some are returned, those matching more words first. `matched`
    lists the query's words found in each hit. A query without a searchable word browses every dataset
    by title.

    Filters: `department` and `keyword` (one of the dataset's keywords) compare case- and accent-blind.
    Facets count the matching datasets with the *other* filter applied, so the department facet still shows
    what choosing another department would give; `keyword` lists the 50 most frequent keywords.
    `total` counts the datasets matching the query and both filters.
    """
    if limit < 0 or offset < 0:
        raise InputError("limit and offset must not be negative")
    query = _parse(text)
    if query:
        ranked = _rank(conn, query)
        candidates = _candidates(conn, ranked)
    else:
        ranked = {}
        candidates = _candidates(conn, None)
    hits, total, facets = _filter_and_count(candidates, _norm(department), _norm(keyword))
    hits.sort(key=lambda c: _order(c, ranked.get(c.id)))
    page = hits[offset : offset + limit]
    return SearchResult(query=text, total=total, hits=_hits(conn, page, ranked, query), facets=facets)


@dataclass
class _Word:
    term: str
    surfaces: list[str]
    prefix: str | None = None  # set on the last word: it also matches terms starting with this


@dataclass
class _Score:
    best: list[float]  # per query word, the best score of the terms that matched it (0: unmatched)
    score: float = 0.0
    words: int = 0


@dataclass(frozen=True)
class _Candidate:
    id: int
    title: str
    department: str
    keywords: str  # the JSON text, parsed only when counted


def _parse(text: str) -> list[_Word]:
    found = tokens(text)
    words: dict[str, _Word] = {}
    for token in found[:MAX_QUERY_TERMS]:
        word = words.setdefault(token.term, _Word(token.term, []))
        if token.surface not in word.surfaces:
            word.surfaces.append(token.surface)
    if found and len(found) <= MAX_QUERY_TERMS and not text[-1].isspace():
        last = found[-1]
        folded = fold(last.surface)
        words[last.term].prefix = _common_prefix(last.term, folded) if folded.isalpha() else last.term
    return list(words.values())


def _lookup(conn: Connection, query: Sequence[_Word]) -> dict[str, list[tuple[int, float]]]:
    """Each index term to look up → the (query word, factor) pairs it scores for."""
    roles: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, word in enumerate(query):
        roles[word.term].append((i, 1.0))
        if word.prefix is None or len(word.prefix) < 2:
            continue
        completions = set(_expansions(conn, word.prefix))
        folded = fold(word.surfaces[-1])
        if folded.isalpha():  # a word cut while typing may be longer than its stem: mutatio → mutat
            completions.update(folded[:k] for k in range(max(3, len(folded) - 4), len(folded) + 1))
        for term in completions - {word.term}:
            roles[term].append((i, PREFIX_FACTOR))
    return roles


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _expansions(conn: Connection, prefix: str) -> list[str]:
    df = func.count().label("df")
    stmt = select(_postings.term, df).where(_postings.term >= prefix, _postings.term.startswith(prefix))
    last = prefix[-1]
    if last not in "z9":  # an upper bound lets both databases scan only the prefix's range of the index
        stmt = stmt.where(_postings.term < prefix[:-1] + chr(ord(last) + 1))
    stmt = stmt.group_by(_postings.term).order_by(df.desc(), _postings.term).limit(MAX_EXPANSIONS)
    return [term for term, _ in conn.execute(stmt)]


def _rank(conn: Connection, query: Sequence[_Word]) -> dict[int, _Score]:
    """BM25F score of every dataset matching the query (all words, or else the most words)."""
    roles = _lookup(conn, query)
    stmt = (
        select(_postings.dataset_id, _postings.term, _postings.weight, _documents.length)
        .join(search_documents, _documents.dataset_id == _postings.dataset_id)
        .where(_postings.term.in_(sorted(roles)))
    )
    rows = conn.execute(stmt).all()
    count, avg_length = conn.execute(select(func.count(), func.avg(_documents.length))).one()
    df = Counter(term for _, term, _, _ in rows)
    idf = {term: math.log(1 + (count - n + 0.5) / (n + 0.5)) for term, n in df.items()}
    avg = float(avg_length or 0.0) or 1.0
    scores: dict[int, _Score] = {}
    for dataset_id, term, weight, length in rows:
        s = idf[term] * weight * (K1 + 1) / (weight + K1 * (1 - B + B * length / avg))
        entry = scores.get(dataset_id)
        if entry is None:
            entry = scores[dataset_id] = _Score([0.0] * len(query))
        for i, factor in roles[term]:
            entry.best[i] = max(entry.best[i], s * factor)
    for entry in scores.values():
        entry.score = sum(entry.best)
        entry.words = sum(1 for s in entry.best if s > 0)
    if any(entry.words == len(query) for entry in scores.values()):
        return {i: e for i, e in scores.items() if e.words == len(query)}
    return scores


def _candidates(conn: Connection, ranked: dict[int, _Score] | None) -> list[_Candidate]:
    """Title, department and keywords of the matching datasets (of all datasets when browsing)."""
    stmt = select(datasets.c.id, datasets.c.title, datasets.c.department, cast(datasets.c.keywords, Text))
    if ranked is not None:
        if not ranked:
            return []
        if len(ranked) <= _IDS_IN_LIST:
            stmt = stmt.where(datasets.c.id.in_(sorted(ranked)))
        else:  # a superset is cheaper than thousands of bound parameters; filtered just below
            stmt = stmt.where(datasets.c.id.in_(select(_documents.dataset_id)))
    rows = conn.execute(stmt).all()
    return [_Candidate(i, t, d, k or "[]") for i, t, d, k in rows if ranked is None or i in ranked]


def _filter_and_count(
    candidates: list[_Candidate], department: str | None, keyword: str | None
) -> tuple[list[_Candidate], int, dict[str, dict[str, int]]]:
    departments: Counter[str] = Counter()
    keywords: Counter[str] = Counter()
    labels: dict[str, str] = {}
    kept: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: c.id):  # first spelling of a keyword in id order
        in_department = department is None or _norm(candidate.department) == department
        own = _keywords(candidate.keywords)
        in_keyword = keyword is None or any(key == keyword for key, _ in own)
        if in_keyword:
            departments[candidate.department] += 1
        if in_department:
            for key, label in own:
                keywords[key] += 1
                labels.setdefault(key, label)
        if in_department and in_keyword:
            kept.append(candidate)
    top = sorted(keywords.items(), key=lambda kv: (-kv[1], kv[0]))[:KEYWORD_FACET_SIZE]
    if keyword is not None and keyword in keywords and all(key != keyword for key, _ in top):
        top.append((keyword, keywords[keyword]))  # the chosen keyword always shows
    facets = {
        "department": dict(sorted(departments.items(), key=lambda kv: (-kv[1], kv[0]))),
        "keyword": {labels[key]: n for key, n in top},
    }
    return kept, len(kept), facets


def _hits(
    conn: Connection, page: list[_Candidate], ranked: dict[int, _Score], query: Sequence[_Word]
) -> list[SearchHit]:
    if not page:
        return []
    columns = datasets.c.id, datasets.c.namespace, datasets.c.name, datasets.c.description
    rows = conn.execute(select(*columns).where(datasets.c.id.in_([c.id for c in page])))
    details = {row.id: row for row in rows}
    hits = []
    for candidate in page:
        row, score = details[candidate.id], ranked.get(candidate.id)
        matched = [s for i, w in enumerate(query) if score and score.best[i] > 0 for s in w.surfaces]
        hits.append(
            SearchHit(
                table=f"{row.namespace}.{row.name}",
                title=candidate.title,
                department=candidate.department,
                description=row.description,
                score=round(score.score, 4) if score else 0.0,
                matched=matched,
            )
        )
    return hits


def _order(candidate: _Candidate, score: _Score | None) -> tuple[int, float, str, int]:
    """More query words matched first, then higher score, then title (alone when browsing)."""
    words, value = (score.words, score.score) if score else (0, 0.0)
    return -words, -value, _title_key(candidate.title), candidate.id


def _norm(value: str | None) -> str | None:
    return None if value is None else _title_key(value)


@lru_cache(maxsize=100_000)
def _title_key(text: str) -> str:
    """Accent- and case-blind form used to sort titles and compare filter values."""
    return " ".join(fold(text).split())


@lru_cache(maxsize=100_000)
def _keywords(raw: str) -> tuple[tuple[str, str], ...]:
    """A dataset's keywords as (comparison key, label), each key once."""
    try:
        values = json.loads(raw)
    except ValueError:
        return ()
    seen: dict[str, str] = {}
    for value in values if isinstance(values, list) else []:
        if isinstance(value, str) and value.strip():
            seen.setdefault(_title_key(value), value.strip())
    return tuple(seen.items())
