"""Domain objects: frozen pydantic models exchanged between services and interfaces."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ColumnProfile(Frozen):
    """Statistics computed at each ingest over the table's current version."""

    rows: int
    null_share: float
    distinct_count: int
    min: Any = None
    max: Any = None
    top_values: list[tuple[Any, int]] = Field(default_factory=list)
    histogram: list[tuple[float, float, int]] = Field(default_factory=list)  # (low, high, count)
    min_length: int | None = None
    max_length: int | None = None
    dominant_pattern: str | None = None
    pattern_share: float | None = None


class Column(Frozen):
    position: int
    name: str  # safe SQL identifier, the name in the lake
    original_name: str  # as given in the source file
    type: str
    description: str | None = None
    profile: ColumnProfile | None = None


class Version(Frozen):
    version: int
    snapshot_id: int
    operation: str  # append | overwrite
    committed_at: datetime
    source_name: str | None
    source_sha256: str | None
    rows_added: int
    total_rows: int


class Dataset(Frozen):
    namespace: str
    name: str
    title: str
    description: str | None = None
    owner: str | None = None
    steward: str | None = None
    department: str
    licence: str | None = None
    frequency: str | None = None
    keywords: list[str] = Field(default_factory=list)
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial: str | None = None
    source_name: str | None = None
    source_sha256: str | None = None
    created_at: datetime
    updated_at: datetime
    row_count: int
    version: int
    columns: list[Column] = Field(default_factory=list)
    versions: list[Version] = Field(default_factory=list)

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}.{self.name}"


class IngestResult(Frozen):
    table: str
    status: str  # created | appended | overwritten | unchanged
    version: int
    snapshot_id: int
    rows: int
    total_rows: int
    columns: int
    source_sha256: str
    seconds: float
    message: str


class SearchHit(Frozen):
    table: str
    title: str
    department: str
    score: float
    description: str | None = None
    matched: list[str] = Field(default_factory=list)


class SearchResult(Frozen):
    query: str
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]


class QueryResult(Frozen):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    seconds: float
    notes: list[str] = Field(default_factory=list)  # what the reader's policy did: masked columns, filtered rows


class Label(Frozen):
    """A label on a column: what it holds (nir, siren, email...), with its evidence and the steward's decision."""

    column: str
    label: str
    confidence: float
    evidence: str
    examples: list[str] = Field(default_factory=list)
    origin: str  # detected | steward
    status: str  # suggested | confirmed | rejected
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None


class ColumnSensitivity(Frozen):
    column: str
    level: str
    reasons: list[str]
    labels: list[Label] = Field(default_factory=list)
    turned_down: list[str] = Field(default_factory=list)  # labels considered and refused, with why (classify)


class TableSensitivity(Frozen):
    table: str
    level: str
    reasons: list[str]
    regimes: list[str] = Field(default_factory=list)
    columns: list[ColumnSensitivity] = Field(default_factory=list)


class AuditRecord(Frozen):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    decision: str
    reasons: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    hash: str


class User(Frozen):
    email: str
    name: str | None = None
    department: str | None = None
    clearance: str
    roles: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    attributes: dict[str, list[str]] = Field(default_factory=dict)  # for row filters: departements = [75, 92]

    @property
    def anonymous(self) -> bool:
        return "anonymous" in self.roles


class Grant(Frozen):
    """A right to read a table (or some of its columns) in clear, for a purpose, on a legal basis, until a date."""

    id: int
    subject_kind: str  # user | group
    subject: str
    table: str
    columns: list[str] | None = None  # None: the whole table
    purpose: str
    legal_basis: str
    expires_at: datetime
    granted_by: str
    granted_at: datetime
    revoked_by: str | None = None
    revoked_at: datetime | None = None
    request_id: int | None = None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now

    def covers(self, column: str) -> bool:
        return self.columns is None or column in self.columns

    def describe(self) -> str:
        what = "the table" if self.columns is None else "columns " + ", ".join(self.columns)
        return (
            f"grant #{self.id} to {self.subject_kind} {self.subject} on {what} "
            f"(purpose: {self.purpose}; basis: {self.legal_basis}; until {self.expires_at:%Y-%m-%d})"
        )


class AccessRequest(Frozen):
    id: int
    requester: str
    table: str
    columns: list[str] | None = None
    purpose: str
    legal_basis: str
    days: int
    status: str  # pending | approved | refused | withdrawn
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None
    grant_id: int | None = None


class Notification(Frozen):
    id: int
    recipient: str
    created_at: datetime
    subject: str
    body: str
    read_at: datetime | None = None


class ColumnDecision(Frozen):
    column: str
    level: str
    mask: str | None = None  # None: in clear; else redact | pseudonymise | month | departement | bracket
    reasons: list[str] = Field(default_factory=list)


class RowFilter(Frozen):
    column: str
    values: list[str]  # the reader sees rows whose column is one of these (none: no rows)
    reason: str


class Decision(Frozen):
    """What one user gets of one table, and why: the single answer every read path applies."""

    user: str
    table: str
    discover: bool
    read: bool
    reasons: list[str]
    columns: list[ColumnDecision] = Field(default_factory=list)
    row_filters: list[RowFilter] = Field(default_factory=list)
    policy_version: int = 0

    def column(self, name: str) -> ColumnDecision | None:
        return next((c for c in self.columns if c.column == name), None)

    @property
    def masked(self) -> dict[str, str]:
        return {c.column: c.mask for c in self.columns if c.mask is not None}
