"""Loading referentials into the lake and keeping their registry (store table `referentials`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select, update

from patrimoine.errors import NotFound
from patrimoine.model import Frozen
from patrimoine.referentials import passage
from patrimoine.referentials.registry import DATA, SPECS, Spec, spec
from patrimoine.store.tables import referentials

if TYPE_CHECKING:
    from patrimoine.platform import Platform


class Referential(Frozen):
    """One loaded version of a referential, as recorded in the registry."""

    name: str
    version: str
    kind: str
    table_name: str
    code_column: str
    label_column: str | None
    title: str
    source: str | None
    licence: str | None
    loaded_at: datetime


class LoadResult(Frozen):
    name: str
    table: str
    status: str  # created | overwritten | unchanged
    rows: int
    seconds: float
    message: str


def _row(row: object) -> Referential:
    return Referential.model_validate(row, from_attributes=True)


def list_referentials(platform: Platform, kind: str | None = None) -> list[Referential]:
    query = select(referentials).order_by(referentials.c.kind, referentials.c.name, referentials.c.version)
    if kind is not None:
        query = query.where(referentials.c.kind == kind)
    with platform.store.read() as conn:
        return [_row(r) for r in conn.execute(query)]


def get_referential(platform: Platform, name: str) -> Referential:
    """The latest loaded version of `name` (a shipped referential not loaded yet is NotFound, with the fix)."""
    spec(name)  # an unknown name fails here, listing the known ones
    found = [r for r in list_referentials(platform) if r.name == name]
    if not found:
        raise NotFound(f"referential {name} is not loaded yet: run `patrimoine referentiel load {name}`")
    return max(found, key=lambda r: r.loaded_at)


def load(platform: Platform, names: list[str] | None = None) -> list[LoadResult]:
    """Load the given referentials (all by default); a file already loaded is left unchanged."""
    specs = [spec(n) for n in names] if names else list(SPECS)  # every name checked before any load
    return [_load_one(platform, s) for s in specs]


def _source_file(platform: Platform, s: Spec) -> str:
    if s.file:
        return str(DATA / s.file)
    # The only derived table: written under home/tmp with a stable name and content.
    out = platform.settings.home / "tmp" / "referentiels" / f"{s.name}.csv"
    return str(passage.build(DATA / "cog2026_communes.csv", DATA / "cog2026_mouvements-communes.csv", out))


def _load_one(platform: Platform, s: Spec) -> LoadResult:
    started = time.perf_counter()
    result = platform.ingest(
        _source_file(platform, s), s.table, mode="overwrite", title=s.title, description=s.description
    )
    if result.status != "unchanged":
        platform.describe(s.table, licence=s.licence, keywords=["référentiel", s.kind, s.version])
    with platform.store.begin() as conn:
        _record(conn, s, result.status != "unchanged")
    return LoadResult(
        name=s.name,
        table=s.table,
        status=result.status,
        rows=result.total_rows,
        seconds=time.perf_counter() - started,
        message=f"{s.name} {s.version}: {result.message}",
    )


def _record(conn: Connection, s: Spec, changed: bool) -> None:
    values = {
        "kind": s.kind,
        "table_name": s.table,
        "code_column": s.code_column,
        "label_column": s.label_column,
        "title": s.title,
        "source": s.source,
        "licence": s.licence,
    }
    key = (referentials.c.name == s.name) & (referentials.c.version == s.version)
    exists = conn.execute(select(referentials.c.id).where(key)).scalar()
    now = datetime.now(UTC)
    if exists is None:
        conn.execute(insert(referentials).values(name=s.name, version=s.version, loaded_at=now, **values))
    elif changed:
        conn.execute(update(referentials).where(key).values(loaded_at=now, **values))
