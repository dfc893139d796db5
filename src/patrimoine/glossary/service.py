"""`Platform.glossary`: the glossary's operations, each in one transaction of the platform's store."""

from __future__ import annotations

import builtins
from typing import Any

from patrimoine import audit, catalog
from patrimoine.config import actor
from patrimoine.glossary import links, starter, terms
from patrimoine.glossary.model import Term, TermLink
from patrimoine.store import Store


class Glossary:
    def __init__(self, store: Store) -> None:
        self._store = store

    def add(
        self,
        label: str,
        definition: str,
        *,
        slug: str | None = None,
        synonyms: list[str] | None = None,
        acronyms: list[str] | None = None,
        parent: str | None = None,
        owner: str | None = None,
    ) -> Term:
        """Add a draft term (slug made from the label unless given); every dataset is reindexed with it."""
        with self._store.begin() as conn:
            slug = terms.add_term(
                conn, label, definition, slug=slug, synonyms=synonyms, acronyms=acronyms, parent=parent, owner=owner
            )
            audit.append(conn, actor(), "glossary.add", slug)
        return self.get(slug)

    def update(self, slug: str, **changes: Any) -> Term:
        """Edit label, definition, synonyms, acronyms, parent ("" clears it), owner or status (all or nothing)."""
        with self._store.begin() as conn:
            terms.update_term(conn, slug, changes)
            audit.append(conn, actor(), "glossary.update", slug, details={"fields": sorted(changes)})
        return self.get(slug)

    def approve(self, slug: str, owner: str | None = None) -> Term:
        return self.update(slug, status="approved", **({"owner": owner} if owner else {}))

    def get(self, slug: str) -> Term:
        """A term with its children and its links (every status)."""
        with self._store.read() as conn:
            term = terms.get_term(conn, slug)
            return term.model_copy(update={"links": links.links(conn, slug=slug)})

    def list(self, status: str | None = None) -> builtins.list[Term]:
        with self._store.read() as conn:
            return terms.list_terms(conn, status)

    def link(self, slug: str, table: str, column: str, *, by: str | None = None, reason: str | None = None) -> TermLink:
        """Link a term to a column, or accept the suggestion of that link."""
        return self._decide(slug, table, column, True, by or actor(), reason)

    def reject(
        self, slug: str, table: str, column: str, *, by: str | None = None, reason: str | None = None
    ) -> TermLink:
        """Reject a (suggested) link: it will not be suggested again."""
        return self._decide(slug, table, column, False, by or actor(), reason)

    def _decide(self, slug: str, table: str, column: str, accept: bool, by: str, reason: str | None) -> TermLink:
        with self._store.begin() as conn:
            found = links.decide(conn, slug, table, column, accept=accept, by=by, reason=reason)
            action = "glossary.link" if accept else "glossary.reject"
            audit.append(
                conn, by, action, f"{table}.{column}", reasons=[reason] if reason else [], details={"term": slug}
            )
            return found

    def unlink(self, slug: str, table: str, column: str) -> None:
        with self._store.begin() as conn:
            links.unlink(conn, slug, table, column)
            audit.append(conn, actor(), "glossary.unlink", f"{table}.{column}", details={"term": slug})

    def suggest(self, table: str | None = None) -> builtins.list[TermLink]:
        """Record suggestions for `table` (or every dataset); returns the suggestions awaiting a decision."""
        with self._store.begin() as conn:
            return links.suggest(conn, table)

    def links(self, table: str | None = None, status: str | None = None) -> builtins.list[TermLink]:
        with self._store.read() as conn:
            ids = [catalog.require_id(conn, *catalog.parse_table_name(table))] if table else None
            return links.links(conn, dataset_ids=ids, status=status)

    def load_starter(self) -> builtins.list[str]:
        """Add the shipped starter terms the glossary lacks (as drafts); returns the slugs added."""
        with self._store.begin() as conn:
            added = starter.load_starter(conn)
            audit.append(conn, actor(), "glossary.load_starter", "glossary", details={"terms": len(added)})
            return added
