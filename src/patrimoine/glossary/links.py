"""Links between terms and columns: suggested by matching, accepted or rejected by a steward (who, when).

A decision is kept: a rejected link is never suggested again, an accepted one never downgraded.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select, update

from patrimoine import catalog
from patrimoine.errors import InputError, NotFound
from patrimoine.glossary.matching import Forms, first_match, load_forms
from patrimoine.glossary.model import TermLink
from patrimoine.glossary.terms import term_id
from patrimoine.search.analyzer import analyze
from patrimoine.store.tables import column_labels, dataset_columns, datasets, glossary_terms, term_links

_l, _c = term_links.c, dataset_columns.c


def _column(conn: Connection, table: str, column: str) -> tuple[int, str]:
    """The dataset id and the column's SQL name; the column may be given by its original name."""
    dataset_id = catalog.require_id(conn, *catalog.parse_table_name(table))
    rows = conn.execute(select(_c.name, _c.original_name).where(_c.dataset_id == dataset_id)).all()
    for name, original in rows:
        if column in (name, original):
            return dataset_id, name
    raise InputError(f"{table} has no column {column!r}")


def decide(
    conn: Connection, slug: str, table: str, column: str, *, accept: bool, by: str, reason: str | None
) -> TermLink:
    """A steward links a term to a column (accepting a suggestion if there was one) or rejects the link."""
    if not by.strip():
        raise InputError("a decision needs the name of who takes it")
    tid = term_id(conn, slug)
    dataset_id, name = _column(conn, table, column)
    where = (_l.term_id == tid, _l.dataset_id == dataset_id, _l.column_name == name)
    values = {
        "status": "accepted" if accept else "rejected",
        "decided_by": by.strip(),
        "decided_at": datetime.now(UTC),
    }
    if reason is not None:
        values["reason"] = reason
    if conn.execute(select(_l.id).where(*where)).first() is None:
        conn.execute(
            insert(term_links).values(term_id=tid, dataset_id=dataset_id, column_name=name, origin="steward", **values)
        )
    else:
        conn.execute(update(term_links).where(*where).values(**values))
    return next(link for link in links(conn, slug=slug, dataset_ids=[dataset_id]) if link.column == name)


def unlink(conn: Connection, slug: str, table: str, column: str) -> None:
    """Forget a link and its decision (a matching term may then be suggested again: reject to prevent it)."""
    tid = term_id(conn, slug)
    dataset_id, name = _column(conn, table, column)
    done = conn.execute(
        delete(term_links).where(_l.term_id == tid, _l.dataset_id == dataset_id, _l.column_name == name)
    )
    if done.rowcount == 0:
        raise NotFound(f"term {slug!r} is not linked to {table}.{name}")


def suggest(conn: Connection, table: str | None = None) -> list[TermLink]:
    """Match every term against the columns (names, original names, descriptions) of `table` (or of every
    dataset) and record new suggestions; returns the pending suggestions of those datasets."""
    if table is not None:
        ids = [catalog.require_id(conn, *catalog.parse_table_name(table))]
    else:
        ids = list(conn.execute(select(datasets.c.id).order_by(datasets.c.id)).scalars())
    forms = load_forms(conn)
    stmt_known = select(_l.term_id, _l.dataset_id, _l.column_name).where(_l.dataset_id.in_(ids))
    known = {(row.term_id, row.dataset_id, row.column_name) for row in conn.execute(stmt_known)}
    stmt = select(_c.dataset_id, _c.name, _c.original_name, _c.description).where(_c.dataset_id.in_(ids))
    new = []
    for dataset_id, name, original, description in conn.execute(stmt.order_by(_c.dataset_id, _c.position)):
        texts = [analyze(name), analyze(original), analyze(description or "")]
        for term in forms:
            found = first_match(texts, term) if (term.term_id, dataset_id, name) not in known else None
            if found is not None:
                reason = f"{found!r} found in the column's name or description"
                new.append(
                    {
                        "term_id": term.term_id,
                        "dataset_id": dataset_id,
                        "column_name": name,
                        "origin": "suggested",
                        "status": "suggested",
                        "reason": reason,
                    }
                )
    new += _from_labels(conn, ids, forms, known | {(n["term_id"], n["dataset_id"], n["column_name"]) for n in new})
    if new:
        conn.execute(insert(term_links), new)
    return links(conn, dataset_ids=ids, status="suggested")


# What a column label or a referential match says a column is, as a term of the starter glossary.
LABEL_TERMS = {
    "siren": "siren",
    "siret": "siret",
    "naf": "naf",
    "nc8": "nc8",
    "cog_commune": "code-commune-insee",
    "cog_departement": "departement",
    "cog_region": "region",
    "cpv": "cpv",
}


def _from_labels(
    conn: Connection, ids: list[int], forms: list[Forms], known: set[tuple[int, int, str]]
) -> list[dict[str, object]]:
    """Suggestions from what classification found in the values (labels not rejected by a steward)."""
    by_slug = {f.slug: f.term_id for f in forms}
    rows = conn.execute(
        select(column_labels.c.dataset_id, column_labels.c.column_name, column_labels.c.label).where(
            column_labels.c.dataset_id.in_(ids), column_labels.c.status != "rejected"
        )
    )
    new = []
    for dataset_id, column, label in rows:
        term_id = by_slug.get(LABEL_TERMS.get(label, ""))
        if term_id is not None and (term_id, dataset_id, column) not in known:
            known.add((term_id, dataset_id, column))
            reason = f"the column's values are labelled {label}"
            new.append(
                {
                    "term_id": term_id,
                    "dataset_id": dataset_id,
                    "column_name": column,
                    "origin": "suggested",
                    "status": "suggested",
                    "reason": reason,
                }
            )
    return new


def links(
    conn: Connection, *, slug: str | None = None, dataset_ids: list[int] | None = None, status: str | None = None
) -> list[TermLink]:
    stmt = (
        select(glossary_terms.c.slug, datasets.c.namespace, datasets.c.name, term_links)
        .join(glossary_terms, glossary_terms.c.id == _l.term_id)
        .join(datasets, datasets.c.id == _l.dataset_id)
        .order_by(glossary_terms.c.slug, datasets.c.namespace, datasets.c.name, _l.column_name)
    )
    if slug is not None:
        stmt = stmt.where(glossary_terms.c.slug == slug)
    if dataset_ids is not None:
        stmt = stmt.where(_l.dataset_id.in_(dataset_ids))
    if status is not None:
        stmt = stmt.where(_l.status == status)
    return [
        TermLink(
            term=row.slug,
            table=f"{row.namespace}.{row.name}",
            column=row.column_name,
            origin=row.origin,
            status=row.status,
            reason=row.reason,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
        )
        for row in conn.execute(stmt)
    ]
