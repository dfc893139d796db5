"""The glossary's domain objects (frozen, like every model exchanged between services and interfaces)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from patrimoine.model import Frozen

STATUSES = ("draft", "approved")
LINK_STATUSES = ("suggested", "accepted", "rejected")


class TermLink(Frozen):
    """A term attached to one column; `origin` suggested (matched automatically) or steward (set by hand)."""

    term: str  # the term's slug
    table: str  # namespace.name
    column: str
    origin: str
    status: str  # suggested | accepted | rejected
    reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


class Term(Frozen):
    slug: str
    label: str
    definition: str
    synonyms: list[str] = Field(default_factory=list)
    acronyms: list[str] = Field(default_factory=list)
    parent: str | None = None  # the parent term's slug
    owner: str | None = None
    status: str = "draft"
    created_at: datetime
    updated_at: datetime
    children: list[str] = Field(default_factory=list)  # slugs, filled by `show`
    links: list[TermLink] = Field(default_factory=list)  # filled by `show`

    @property
    def forms(self) -> list[str]:
        """Every way of writing the term: label, synonyms, acronyms."""
        return [self.label, *self.synonyms, *self.acronyms]
