"""The catalogue's search index: postings in the metadata store, BM25F ranking and facets computed in Python.

The index lives in `search_postings` / `search_documents` and is written with the caller's Connection, so a
dataset and its index entries commit or roll back together. Only portable SQLAlchemy Core is used: the same
code and the same results on SQLite and PostgreSQL.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, Text, cast, delete, func, insert, literal, select

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
_MAX_BOUND_IDS = 900  # SQLite before 3.32 (still common on servers) allows 999 bound parameters

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
    by title (score 0).

    Filters: `department` and `keyword` (one of the dataset's keywords) compare case- and accent-blind.
    Facets count the matching datasets with the *other* filter applied, so the department facet still shows
    what choosing another department would give; `keyword` holds the 50 most frequent keywords (and the
    chosen one). `total` counts the datasets matching the query and both filters.
    """
    if limit < 0 or offset < 0:
        raise InputError("limit and offset must not be negative")
    words = _parse(text)
    ranked, indexed = _rank(conn, words) if words else (None, 0)
    rows = _metadata(conn, ranked, indexed)
    kept, facets = _facets(rows, ranked, _norm(department), _norm(keyword))
    if ranked is None:  # browsing: by title, accent- and case-blind
        page = [i for _, i in heapq.nsmallest(offset + limit, ((_title_key(t), i) for t, i in kept))]
    else:
        page = [key[-1] for key in heapq.nsmallest(offset + limit, (_order(ranked[i], i) for _, i in kept))]
    page = page[offset:]
    hits = _hits(conn, page, ranked, words)
    return SearchResult(query=text, total=len(kept), hits=hits, facets=facets)


@dataclass
class _Word:
    term: str
    surfaces: list[str]
    prefix: str | None = None  # set on the last word: it also matches terms starting with this


_Meta = tuple[int, str, str, str | None]  # id, sort title, department, keywords JSON
_Ranked = dict[int, list[float]]  # dataset id → per query word, the best score of a term matching it


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


def _lookup(conn: Connection, words: Sequence[_Word]) -> dict[str, list[tuple[int, float]]]:
    """Each index term to look up → the (query word, factor) pairs it scores for."""
    roles: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, word in enumerate(words):
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


def _rank(conn: Connection, words: Sequence[_Word]) -> tuple[_Ranked, int]:
    """BM25F scores of the datasets matching the query (all its words, or else some), and the index size."""
    roles = _lookup(conn, words)
    stmt = (
        select(_postings.dataset_id, _postings.term, _postings.weight, _documents.length)
        .join(search_documents, _documents.dataset_id == _postings.dataset_id)
        .where(_postings.term.in_(sorted(roles)))
    )
    rows = conn.execute(stmt).tuples().all()
    count, avg_length = conn.execute(select(func.count(), func.avg(_documents.length))).one()
    df = Counter(term for _, term, _, _ in rows)
    # Per term: (query word, factor · (k1 + 1) · idf), so the loop below does one multiplication.
    scale = {
        term: [(i, f * (K1 + 1) * math.log(1 + (count - n + 0.5) / (n + 0.5))) for i, f in roles[term]]
        for term, n in df.items()
    }
    fixed, per_length = K1 * (1 - B), K1 * B / (float(avg_length or 0.0) or 1.0)
    n_words = len(words)
    best: _Ranked = {}
    for dataset_id, term, weight, length in rows:
        tf = weight / (weight + fixed + per_length * length)
        scores = best.get(dataset_id)
        if scores is None:
            scores = best[dataset_id] = [0.0] * n_words
        for i, factor in scale[term]:
            if tf * factor > scores[i]:
                scores[i] = tf * factor
    if n_words > 1:
        complete = {i: scores for i, scores in best.items() if 0.0 not in scores}
        best = complete or best
    return best, count


def _order(scores: list[float], dataset_id: int) -> tuple[int, float, int]:
    """Sort key of a hit: more query words matched, then higher score, then older dataset."""
    return scores.count(0.0), -sum(scores), dataset_id


def _metadata(conn: Connection, ranked: _Ranked | None, indexed: int) -> list[_Meta]:
    """(id, title, department, keywords JSON) of the matching datasets (a superset), or of all when browsing."""
    title = datasets.c.title if ranked is None else literal("")  # titles only sort a browse
    stmt = select(datasets.c.id, title, datasets.c.department, cast(datasets.c.keywords, Text))
    if ranked is not None and not ranked:
        return []
    if ranked is None or len(ranked) > indexed // 2:  # one scan beats thousands of key lookups
        return list(conn.execute(stmt).tuples().all())
    ids = sorted(ranked)
    rows: list[_Meta] = []
    for start in range(0, len(ids), _MAX_BOUND_IDS):
        chunk = stmt.where(datasets.c.id.in_(ids[start : start + _MAX_BOUND_IDS]))
        rows.extend(conn.execute(chunk).tuples().all())
    return rows


def _facets(
    rows: Iterable[_Meta],
    ranked: _Ranked | None,
    department: str | None,
    keyword: str | None,
) -> tuple[list[tuple[str, int]], dict[str, dict[str, int]]]:
    """The datasets kept by both filters as (title, id), and the facets (each without its own filter)."""
    departments: Counter[str] = Counter()
    keyword_lists: Counter[str] = Counter()  # keywords JSON → datasets: many datasets share one list
    kept: list[tuple[str, int]] = []
    for dataset_id, title, dept, raw in rows:
        if ranked is not None and dataset_id not in ranked:
            continue
        raw = raw or "[]"
        in_department = department is None or _title_key(dept) == department
        in_keyword = keyword is None or keyword in _keyword_keys(raw)
        if in_keyword:
            departments[dept] += 1
        if in_department:
            keyword_lists[raw] += 1
            if in_keyword:
                kept.append((title, dataset_id))
    spellings: Counter[tuple[str, str]] = Counter()  # (keyword key, spelling) → datasets
    for raw, n in keyword_lists.items():
        for pair in _keywords(raw):
            spellings[pair] += n
    return kept, {"department": _by_count(departments), "keyword": _keyword_facet(spellings, keyword)}


def _keyword_facet(spellings: Counter[tuple[str, str]], chosen: str | None) -> dict[str, int]:
    counts: Counter[str] = Counter()
    label: dict[str, tuple[int, str]] = {}  # the most used spelling of each keyword shows
    for (key, spelling), n in spellings.items():
        counts[key] += n
        label[key] = min(label.get(key, (0, spelling)), (-n, spelling))
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:KEYWORD_FACET_SIZE]
    if chosen is not None and chosen in counts and all(key != chosen for key, _ in top):
        top.append((chosen, counts[chosen]))
    return {label[key][1]: n for key, n in top}


def _by_count(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _hits(conn: Connection, page: list[int], ranked: _Ranked | None, words: Sequence[_Word]) -> list[SearchHit]:
    if not page:
        return []
    columns = datasets.c.id, datasets.c.namespace, datasets.c.name, datasets.c.title, datasets.c.description
    details = {
        row.id: row for row in conn.execute(select(*columns, datasets.c.department).where(datasets.c.id.in_(page)))
    }
    hits = []
    for dataset_id in page:
        row = details[dataset_id]
        best = ranked[dataset_id] if ranked is not None else []
        hits.append(
            SearchHit(
                table=f"{row.namespace}.{row.name}",
                title=row.title,
                department=row.department,
                description=row.description,
                score=round(sum(best), 4),
                matched=[s for w, b in zip(words, best, strict=False) if b > 0 for s in w.surfaces],
            )
        )
    return hits


def _norm(value: str | None) -> str | None:
    return None if value is None else _title_key(value)


@lru_cache(maxsize=100_000)
def _title_key(text: str) -> str:
    """Accent- and case-blind form used to sort titles and compare filter values."""
    return " ".join(fold(text).split())


@lru_cache(maxsize=100_000)
def _keyword_keys(raw: str) -> frozenset[str]:
    return frozenset(key for key, _ in _keywords(raw))


@lru_cache(maxsize=100_000)
def _keywords(raw: str) -> tuple[tuple[str, str], ...]:
    """A dataset's keywords as (comparison key, spelling), each key once."""
    try:
        values = json.loads(raw)
    except ValueError:
        return ()
    seen: dict[str, str] = {}
    for value in values if isinstance(values, list) else []:
        if isinstance(value, str) and value.strip():
            seen.setdefault(_title_key(value), value.strip())
    return tuple(seen.items())
