"""The starter glossary shipped with patrimoine (starter.toml): terms of the ministry's domains, as drafts."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from patrimoine.errors import InputError
from patrimoine.glossary.terms import add_term, reindex_all, term_id
from patrimoine.store.tables import glossary_terms

STARTER = Path(__file__).with_name("starter.toml")


def read_starter(path: Path = STARTER) -> list[dict[str, Any]]:
    try:
        terms: list[dict[str, Any]] = tomllib.loads(path.read_text(encoding="utf-8"))["term"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read the glossary {path}: {exc}") from None
    return terms


def load_starter(conn: Connection, path: Path = STARTER) -> list[str]:
    """Add the starter terms the glossary lacks (by slug; existing terms are left as the stewards made them).
    Returns the slugs added. Idempotent: a second run adds nothing."""
    terms = read_starter(path)
    existing = set(conn.execute(select(glossary_terms.c.slug)).scalars())
    added = []
    for t in terms:
        if t["slug"] not in existing:
            added.append(
                add_term(
                    conn,
                    t["label"],
                    t["definition"],
                    slug=t["slug"],
                    synonyms=t.get("synonyms"),
                    acronyms=t.get("acronyms"),
                    owner=t.get("owner"),
                    reindex=False,
                )
            )
    for t in terms:  # parents once every term exists, whatever the file's order
        if t["slug"] in added and t.get("parent"):
            parent = term_id(conn, t["parent"])
            conn.execute(update(glossary_terms).where(glossary_terms.c.slug == t["slug"]).values(parent_id=parent))
    if added:
        reindex_all(conn)
    return added
