"""Glossary terms: checked whole, written with the search index in the same transaction."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from patrimoine import catalog
from patrimoine.errors import Conflict, InputError, NotFound
from patrimoine.glossary.model import STATUSES, Term
from patrimoine.search.analyzer import fold
from patrimoine.store.tables import datasets, glossary_terms

_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
EDITABLE = ("label", "definition", "synonyms", "acronyms", "parent", "owner", "status")
_t = glossary_terms.c


def slugify(label: str) -> str:
    """ "Taxe sur la valeur ajoutée" → "taxe-sur-la-valeur-ajoutee"."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(label)))[:128].strip("-")


def _forms(values: list[str] | None) -> list[str]:
    seen: dict[str, str] = {}
    for value in values or []:
        value = " ".join(value.split())
        if value:
            seen.setdefault(fold(value), value)  # case- and accent-blind duplicates kept once
    return list(seen.values())


def _text(field: str, value: str | None) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise InputError(f"a term's {field} cannot be empty")
    return value


def term_id(conn: Connection, slug: str) -> int:
    found = conn.execute(select(_t.id).where(_t.slug == slug)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no term {slug!r} in the glossary")
    return int(found)


def _parent_id(conn: Connection, parent: str | None, own_id: int | None) -> int | None:
    if not parent:
        return None
    pid: int | None = term_id(conn, parent)
    walk = pid
    while walk is not None:  # the new parent must not be the term itself or one of its descendants
        if walk == own_id:
            raise InputError(f"term {parent!r} cannot be the parent: it would make a cycle")
        walk = conn.execute(select(_t.parent_id).where(_t.id == walk)).scalar_one_or_none()
    return pid


def add_term(
    conn: Connection,
    label: str,
    definition: str,
    *,
    slug: str | None = None,
    synonyms: list[str] | None = None,
    acronyms: list[str] | None = None,
    parent: str | None = None,
    owner: str | None = None,
    reindex: bool = True,
) -> str:
    """Add a draft term; returns its slug (given, or made from the label)."""
    label = _text("label", label)
    slug = slug.strip() if slug is not None else slugify(label)
    if not _SLUG.fullmatch(slug):
        raise InputError(f"slug {slug!r} must be lowercase letters and digits separated by single hyphens")
    if conn.execute(select(_t.id).where(_t.slug == slug)).first() is not None:
        raise Conflict(f"the glossary already has a term {slug!r}")
    now = datetime.now(UTC)
    conn.execute(
        insert(glossary_terms).values(
            slug=slug,
            label=label,
            definition=_text("definition", definition),
            synonyms=_forms(synonyms),
            acronyms=_forms(acronyms),
            parent_id=_parent_id(conn, parent, None),
            owner=owner or None,
            status="draft",
            created_at=now,
            updated_at=now,
        )
    )
    if reindex:
        reindex_all(conn)
    return slug


def update_term(conn: Connection, slug: str, changes: dict[str, Any]) -> None:
    """Edit a term. Status goes draft → approved (an owner is required) or back to draft."""
    own_id = term_id(conn, slug)
    row = conn.execute(select(glossary_terms).where(_t.id == own_id)).mappings().one()
    values: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in EDITABLE:
            raise InputError(f"unknown field {field!r}; editable fields: {', '.join(EDITABLE)}")
        if field in ("label", "definition"):
            values[field] = _text(field, value)
        elif field in ("synonyms", "acronyms"):
            values[field] = _forms(value)
        elif field == "parent":
            values["parent_id"] = _parent_id(conn, value, own_id)
        elif field == "owner":
            values["owner"] = (value or "").strip() or None
        else:
            values["status"] = _status(slug, row["status"], value)
    if values.get("status", row["status"]) == "approved" and not values.get("owner", row["owner"]):
        raise InputError(f"term {slug!r} needs an owner before it is approved (--owner)")
    if values:
        values["updated_at"] = datetime.now(UTC)
        conn.execute(update(glossary_terms).where(_t.id == own_id).values(**values))
        if {"label", "synonyms", "acronyms"} & values.keys():
            reindex_all(conn)


def _status(slug: str, current: str, new: str) -> str:
    if new not in STATUSES:
        raise InputError(f"status {new!r} is not one of: {', '.join(STATUSES)}")
    if new == current:
        raise Conflict(f"term {slug!r} is already {current}")
    return new


def reindex_all(conn: Connection) -> None:
    """Reindex every dataset: a term's forms decide which tables its synonyms are indexed with."""
    for dataset_id in conn.execute(select(datasets.c.id).order_by(datasets.c.id)).scalars().all():
        catalog.reindex(conn, dataset_id)


def get_term(conn: Connection, slug: str) -> Term:
    own_id = term_id(conn, slug)
    terms = _terms(conn, None)
    term = next(t for i, t in terms if i == own_id)
    children = sorted(t.slug for t in (t for _, t in terms) if t.parent == slug)
    return term.model_copy(update={"children": children})


def list_terms(conn: Connection, status: str | None = None) -> list[Term]:
    if status is not None and status not in STATUSES:
        raise InputError(f"status {status!r} is not one of: {', '.join(STATUSES)}")
    return [t for _, t in _terms(conn, status)]


def _terms(conn: Connection, status: str | None) -> list[tuple[int, Term]]:
    stmt = select(glossary_terms).order_by(_t.slug)
    rows = conn.execute(stmt if status is None else stmt.where(_t.status == status)).mappings().all()
    slugs: dict[int, str] = {row.id: row.slug for row in conn.execute(select(_t.id, _t.slug))}
    return [
        (
            row["id"],
            Term(
                slug=row["slug"],
                label=row["label"],
                definition=row["definition"],
                synonyms=row["synonyms"] or [],
                acronyms=row["acronyms"] or [],
                parent=slugs.get(row["parent_id"]),
                owner=row["owner"],
                status=row["status"],
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            ),
        )
        for row in rows
    ]
