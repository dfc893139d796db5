"""Recording committed snapshots: versions, columns and profiles of each ingest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from patrimoine.catalog.entries import dataset_id as _dataset_id
from patrimoine.catalog.entries import reindex
from patrimoine.model import ColumnProfile
from patrimoine.store.tables import dataset_columns, dataset_versions, datasets


@dataclass(frozen=True)
class ColumnRecord:
    name: str
    original: str
    type: str


@dataclass(frozen=True)
class IngestRecord:
    namespace: str
    name: str
    columns: list[ColumnRecord]
    profiles: dict[str, ColumnProfile]
    snapshot_id: int
    committed_at: datetime
    operation: str
    source_name: str | None
    source_sha256: str | None
    rows_added: int
    total_rows: int
    metadata_location: str
    title: str | None = None
    description: str | None = None
    owner: str | None = None


def has_source(conn: Connection, namespace: str, name: str, sha256: str, overwrite: bool) -> bool:
    """Was this exact file already ingested? (the current version only, for an overwrite)."""
    dataset_id = _dataset_id(conn, namespace, name)
    if dataset_id is None:
        return False
    if overwrite:
        current = conn.execute(select(datasets.c.source_sha256).where(datasets.c.id == dataset_id)).scalar()
        return bool(current == sha256)
    query = select(func.count()).where(
        dataset_versions.c.dataset_id == dataset_id, dataset_versions.c.source_sha256 == sha256
    )
    return bool(conn.execute(query).scalar())


def has_source_name(conn: Connection, namespace: str, name: str, source_name: str) -> bool:
    dataset_id = _dataset_id(conn, namespace, name)
    if dataset_id is None:
        return False
    query = select(func.count()).where(
        dataset_versions.c.dataset_id == dataset_id, dataset_versions.c.source_name == source_name
    )
    return bool(conn.execute(query).scalar())


def recorded_snapshots(conn: Connection, namespace: str, name: str) -> set[int]:
    dataset_id = _dataset_id(conn, namespace, name)
    if dataset_id is None:
        return set()
    rows = conn.execute(select(dataset_versions.c.snapshot_id).where(dataset_versions.c.dataset_id == dataset_id))
    return {int(r[0]) for r in rows}


def metadata_locations(conn: Connection) -> dict[tuple[str, str], str | None]:
    rows = conn.execute(select(datasets.c.namespace, datasets.c.name, datasets.c.metadata_location))
    return {(r[0], r[1]): r[2] for r in rows}


def record_ingest(conn: Connection, record: IngestRecord) -> int:
    """Write a committed snapshot into the catalogue; returns the new version number. Idempotent per snapshot."""
    now = datetime.now(UTC)
    dataset_id = _dataset_id(conn, record.namespace, record.name)
    if dataset_id is not None and record.snapshot_id in recorded_snapshots(conn, record.namespace, record.name):
        return int(
            conn.execute(
                select(dataset_versions.c.version).where(
                    dataset_versions.c.dataset_id == dataset_id, dataset_versions.c.snapshot_id == record.snapshot_id
                )
            ).scalar_one()
        )
    common: dict[str, Any] = {
        "source_name": record.source_name,
        "source_sha256": record.source_sha256,
        "row_count": record.total_rows,
        "updated_at": now,
        "metadata_location": record.metadata_location,
    }
    given = {
        k: v for k, v in (("title", record.title), ("description", record.description), ("owner", record.owner)) if v
    }
    if dataset_id is None:
        dataset_id = conn.execute(  # type: ignore[index]
            insert(datasets).values(
                namespace=record.namespace,
                name=record.name,
                department=record.namespace,
                title=given.pop("title", None) or record.name.replace("_", " ").capitalize(),
                keywords=[],
                created_at=now,
                version=0,
                **given,
                **common,
            )
        ).inserted_primary_key[0]
    else:
        conn.execute(update(datasets).where(datasets.c.id == dataset_id).values(**given, **common))
    version = 1 + int(
        conn.execute(
            select(func.coalesce(func.max(dataset_versions.c.version), 0)).where(
                dataset_versions.c.dataset_id == dataset_id
            )
        ).scalar_one()
    )
    conn.execute(
        insert(dataset_versions).values(
            dataset_id=dataset_id,
            version=version,
            snapshot_id=record.snapshot_id,
            operation=record.operation,
            committed_at=record.committed_at,
            source_name=record.source_name,
            source_sha256=record.source_sha256,
            rows_added=record.rows_added,
            total_rows=record.total_rows,
        )
    )
    conn.execute(update(datasets).where(datasets.c.id == dataset_id).values(version=version))
    _write_columns(conn, dataset_id, record)
    reindex(conn, dataset_id)
    return version


def _write_columns(conn: Connection, dataset_id: int, record: IngestRecord) -> None:
    """Replace columns, keeping the descriptions people wrote for columns that still exist."""
    kept = dict(
        conn.execute(
            select(dataset_columns.c.name, dataset_columns.c.description).where(
                dataset_columns.c.dataset_id == dataset_id
            )
        ).all()
    )
    conn.execute(delete(dataset_columns).where(dataset_columns.c.dataset_id == dataset_id))
    rows = [
        {
            "dataset_id": dataset_id,
            "position": i,
            "name": c.name,
            "original_name": c.original,
            "type": c.type,
            "description": kept.get(c.name),
            "profile": record.profiles[c.name].model_dump(mode="json") if c.name in record.profiles else None,
        }
        for i, c in enumerate(record.columns, start=1)
    ]
    if rows:
        conn.execute(insert(dataset_columns), rows)
