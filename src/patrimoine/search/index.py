"""The catalogue's search index: postings in the metadata store, BM25F ranking, facets.

The index lives in `search_postings` / `search_documents` and is written with the caller's Connection, so a
dataset and its index entries commit or roll back together. Only portable SQLAlchemy Core is used, so the
same code gives the same results on SQLite and PostgreSQL. The database scores and sorts the matching
datasets (one aggregate query); Python only counts facets over the rows it gets back.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any
from typing import cast as cast_type

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Integer,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)

from patrimoine.errors import InputError, NotFound
from patrimoine.model import SearchHit, SearchResult
from patrimoine.search.analyzer import analyze, fold, tokens
from patrimoine.search.facets import Row, count_facets, norm, title_key
from patrimoine.store.tables import datasets, search_documents, search_postings

# Field weights (BM25F): a word of the title says more about a dataset than a word of a column's description.
TITLE, KEYWORDS, NAME, DEPARTMENT, COLUMN, DESCRIPTION, COLUMN_DESCRIPTION = 3.0, 2.5, 1.5, 1.0, 1.0, 1.0, 0.8
GLOSSARY = 0.5  # synonyms and acronyms the glossary adds: they find a table, but rank below its own words
K1, B = 1.2, 0.75
PREFIX_FACTOR = 0.5  # a completion of the word being typed counts half as much as the word itself
MIN_PREFIX = 3  # "co" would complete to most of the catalogue: completions start at the third letter
MAX_EXPANSIONS = 32  # completions of the last word scored (most frequent first): bounds the cost of "co"
MAX_QUERY_TERMS = 16
MAX_QUERY_LENGTH = 500  # characters analysed: a pasted document is not a query

_postings, _documents = search_postings.c, search_documents.c
_Roles = dict[str, list[tuple[int, float]]]  # index term → (query word, factor · (k1 + 1) · idf) it scores for


def index_dataset(
    conn: Connection,
    dataset_id: int,
    *,
    title: str,
    description: str | None,
    keywords: list[str],
    columns: list[tuple[str, str | None]],
    department: str,
    glossary: Sequence[str] = (),
) -> None:
    """(Re)index one dataset inside the caller's transaction; `columns` are (name, description) pairs.
    `glossary` holds extra words (the forms of the glossary terms found in the dataset's text).

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
        (GLOSSARY, glossary),
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
    hidden: frozenset[int] = frozenset(),
) -> SearchResult:
    """Ranked, faceted search of the catalogue.

    Matching: every word of the query must match (after folding, stop words and stemming). The last word,
    from its third letter, also matches as a prefix (search as you type; a completion scores half) unless
    the query ends with a space. When no dataset matches every word, datasets matching some are returned,
    those matching more words first. `matched` lists the query's words found in each hit. A query without
    a searchable word browses every dataset by title (score 0). Scores are BM25F over the fields title,
    keywords, table name, department, column names, description and column descriptions.

    Filters: `department` and `keyword` (one of the dataset's keywords) compare case- and accent-blind.
    Facets count the matching datasets with the *other* filter applied, so the department facet still shows
    what choosing another department would give; `keyword` holds the 50 most frequent keywords (and the
    chosen one). `total` counts the datasets matching the query and both filters. Datasets in `hidden` (ids the
    reader may not discover) are left out before anything is counted.
    """
    if limit < 0 or offset < 0:
        raise InputError("limit and offset must not be negative")
    words = _parse(text)
    roles: _Roles = {}
    if words:
        count, avg_length = conn.execute(select(func.count(), func.avg(_documents.length))).one()
        roles, df = _roles(conn, words, count)
        rows = _ranked(conn, roles, df, len(words), float(avg_length or 1.0)) if roles else []
    else:
        rows = _browse(conn)
    if hidden:
        rows = [row for row in rows if row[0] not in hidden]
    kept, facets = count_facets(rows, norm(department), norm(keyword))
    if words:
        page = kept[offset : offset + limit]
    else:  # titles sorted accent- and case-blind in Python: the same order on every database
        page = heapq.nsmallest(offset + limit, kept, key=lambda row: (title_key(str(row[1])), row[0]))[offset:]
    return SearchResult(query=text, total=len(kept), hits=_hits(conn, page, words, roles), facets=facets)


@dataclass
class _Word:
    term: str
    surfaces: list[str]
    prefix: str | None = None  # set on the last word: it also matches terms starting with this


def _parse(text: str) -> list[_Word]:
    text = text[:MAX_QUERY_LENGTH]
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


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _roles(conn: Connection, words: Sequence[_Word], count: int) -> tuple[_Roles, dict[str, int]]:
    """The index terms to look up, each with the query words it scores for and its weight (idf included),
    and the number of datasets holding each."""
    pairs: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
    typed: tuple[int, str] | None = None
    for i, word in enumerate(words):
        pairs[word.term].append((i, 1.0))
        if word.prefix is None or len(word.prefix) < MIN_PREFIX:
            continue
        typed = i, word.prefix
        folded = fold(word.surfaces[-1])
        if folded.isalpha():  # a word cut while typing may be longer than its stem: mutatio → mutat
            for k in range(max(3, len(folded) - 4), len(folded)):
                pairs[folded[:k]].append((i, PREFIX_FACTOR))
    df = _document_frequencies(conn, list(pairs), typed[1] if typed else None)
    if typed is not None:
        completions = sorted((t for t in df if t.startswith(typed[1])), key=lambda t: (-df[t], t))
        for term in completions[:MAX_EXPANSIONS]:
            pairs[term].append((typed[0], PREFIX_FACTOR))
    roles: _Roles = {}
    for term, found in pairs.items():
        if term in df:
            idf = math.log(1 + (count - df[term] + 0.5) / (df[term] + 0.5))
            best = {i: max(f for j, f in found if j == i) for i, _ in found}  # exact beats completion
            roles[term] = [(i, f * (K1 + 1) * idf) for i, f in sorted(best.items())]
    return roles, df


def _document_frequencies(conn: Connection, terms: list[str], prefix: str | None) -> dict[str, int]:
    """Datasets per term, for `terms` and for every term starting with `prefix` (an index-only scan)."""
    condition: ColumnElement[bool] = _postings.term.in_(terms)
    if prefix is not None:
        bounds = [_postings.term >= prefix, _postings.term.startswith(prefix)]
        if prefix[-1] not in "z9":  # an upper bound lets both databases read only the prefix's index range
            bounds.append(_postings.term < prefix[:-1] + chr(ord(prefix[-1]) + 1))
        condition = or_(condition, and_(*bounds))
    stmt = select(_postings.term, func.count()).where(condition).group_by(_postings.term)
    return {term: n for term, n in conn.execute(stmt)}


def _ranked(conn: Connection, roles: _Roles, df: dict[str, int], n_words: int, avg_length: float) -> list[Row]:
    """The matching datasets, best first, BM25F scored and sorted by the database."""
    by_word = [[(t, f) for t, found in roles.items() for w, f in found if w == i] for i in range(n_words)]
    norm = K1 * (1 - B) + K1 * B / avg_length * _documents.length
    if all(by_word):
        rows = conn.execute(_every_word(by_word, df, norm)).all()
        if rows or n_words == 1:
            return cast_type(list[Row], rows)  # Rows are tuples
    # Nothing matches every word: rank what matches some, most words first.
    return cast_type(list[Row], conn.execute(_some_words(roles, norm)).all())


def _every_word(by_word: list[list[tuple[str, float]]], df: dict[str, int], norm: Any) -> Select[Any]:
    """Datasets matching every word: the rarest word's postings, each other word probed by primary key."""
    order = sorted(range(len(by_word)), key=lambda i: sum(df[t] for t, _ in by_word[i]))
    alias = {i: search_postings.alias(f"p{i}") for i in order}
    lead = alias[order[0]]
    joined: Any = lead
    for i in order[1:]:
        joined = joined.join(alias[i], and_(alias[i].c.dataset_id == lead.c.dataset_id, _has(alias[i], by_word[i])))
    joined = joined.join(search_documents, _documents.dataset_id == lead.c.dataset_id)
    joined = joined.join(datasets, datasets.c.id == lead.c.dataset_id)
    parts = [_factor(alias[i], by_word[i]) * alias[i].c.weight / (alias[i].c.weight + norm) for i in order]
    score = reduce(operator.add, parts)
    # Only the word being typed has several terms; a dataset holding two of its completions counts the best.
    several = any(len(terms) > 1 for terms in by_word)
    scored = (func.max(score) if several else score).label("score")
    stmt = select(datasets.c.id, scored, datasets.c.department, cast(datasets.c.keywords, Text))
    stmt = stmt.select_from(joined).where(_has(lead, by_word[order[0]]))
    return (stmt.group_by(datasets.c.id) if several else stmt).order_by(scored.desc(), datasets.c.id)


def _has(postings: Any, terms: list[tuple[str, float]]) -> ColumnElement[bool]:
    column: ColumnElement[str] = postings.c.term
    return column == terms[0][0] if len(terms) == 1 else column.in_([t for t, _ in terms])


def _factor(postings: Any, terms: list[tuple[str, float]]) -> ColumnElement[float]:
    if len(terms) == 1:
        return literal(terms[0][1], Float)
    return case({t: literal(f, Float) for t, f in terms}, value=postings.c.term)


def _some_words(roles: _Roles, norm: Any) -> Select[Any]:
    """Datasets matching some words: every posting of every term, grouped per dataset and word."""
    mapping = [
        select(literal(t, String).label("term"), literal(i, Integer).label("word"), literal(f, Float).label("f"))
        for t, found in roles.items()
        for i, f in found
    ]
    role = (union_all(*mapping) if len(mapping) > 1 else mapping[0]).subquery("role")
    per_word = (
        select(_postings.dataset_id, func.max(role.c.f * _postings.weight / (_postings.weight + norm)).label("s"))
        .select_from(search_postings)
        .join(search_documents, _documents.dataset_id == _postings.dataset_id)
        .join(role, role.c.term == _postings.term)
        .where(_postings.term.in_(list(roles)))
        .group_by(_postings.dataset_id, role.c.word)
        .subquery("per_word")
    )
    per_dataset = (
        select(per_word.c.dataset_id, func.count().label("words"), func.sum(per_word.c.s).label("score"))
        .group_by(per_word.c.dataset_id)
        .subquery("scored")
    )
    return (
        select(per_dataset.c.dataset_id, per_dataset.c.score, datasets.c.department, cast(datasets.c.keywords, Text))
        .join(datasets, datasets.c.id == per_dataset.c.dataset_id)
        .order_by(per_dataset.c.words.desc(), per_dataset.c.score.desc(), per_dataset.c.dataset_id)
    )


def _browse(conn: Connection) -> list[Row]:
    stmt = select(datasets.c.id, datasets.c.title, datasets.c.department, cast(datasets.c.keywords, Text))
    return cast_type(list[Row], conn.execute(stmt).all())


def _hits(conn: Connection, page: list[Row], words: Sequence[_Word], roles: _Roles) -> list[SearchHit]:
    ids = [row[0] for row in page]
    if not ids:
        return []
    columns = datasets.c.id, datasets.c.namespace, datasets.c.name, datasets.c.title, datasets.c.description
    details = {row.id: row for row in conn.execute(select(*columns).where(datasets.c.id.in_(ids)))}
    matched: defaultdict[int, set[int]] = defaultdict(set)  # dataset → query words it matched
    if roles:
        stmt = select(_postings.dataset_id, _postings.term).where(
            _postings.dataset_id.in_(ids), _postings.term.in_(list(roles))
        )
        for dataset_id, term in conn.execute(stmt):
            matched[dataset_id].update(i for i, _ in roles[term])
    return [
        SearchHit(
            table=f"{details[i].namespace}.{details[i].name}",
            title=details[i].title,
            department=department,
            description=details[i].description,
            score=round(score, 4) if words else 0.0,
            matched=[s for w, word in enumerate(words) if w in matched[i] for s in word.surfaces],
        )
        for i, score, department, _ in page
        if i in details  # PostgreSQL reads committed: a dataset may go between two statements
    ]
