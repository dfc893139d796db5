"""Reading the catalogue into domain objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, select

from patrimoine.catalog.entries import require_id
from patrimoine.errors import NotFound
from patrimoine.model import Column, ColumnProfile, Dataset, Version
from patrimoine.store import as_utc
from patrimoine.store.tables import dataset_columns, dataset_versions, datasets


def _rows_of(conn: Connection, table: Table, dataset_id: int, order: Any) -> Sequence[RowMapping]:
    """A dataset's rows in one of its child tables (columns, versions), in order."""
    return conn.execute(select(table).where(table.c.dataset_id == dataset_id).order_by(order)).mappings().all()


def get_dataset(conn: Connection, namespace: str, name: str) -> Dataset:
    dataset_id = require_id(conn, namespace, name)
    row = conn.execute(select(datasets).where(datasets.c.id == dataset_id)).mappings().one()
    cols = _rows_of(conn, dataset_columns, dataset_id, dataset_columns.c.position)
    vers = _rows_of(conn, dataset_versions, dataset_id, dataset_versions.c.version)
    return _dataset(
        row,
        [
            Column(
                position=c["position"],
                name=c["name"],
                original_name=c["original_name"],
                type=c["type"],
                description=c["description"],
                profile=ColumnProfile(**c["profile"]) if c["profile"] else None,
            )
            for c in cols
        ],
        [
            Version(
                version=v["version"],
                snapshot_id=v["snapshot_id"],
                operation=v["operation"],
                committed_at=as_utc(v["committed_at"]),
                source_name=v["source_name"],
                source_sha256=v["source_sha256"],
                rows_added=v["rows_added"],
                total_rows=v["total_rows"],
            )
            for v in vers
        ],
    )


def _dataset(row: Any, columns: list[Column], versions: list[Version]) -> Dataset:
    return Dataset(
        namespace=row["namespace"],
        name=row["name"],
        title=row["title"],
        description=row["description"],
        owner=row["owner"],
        steward=row["steward"],
        department=row["department"],
        licence=row["licence"],
        frequency=row["frequency"],
        keywords=list(row["keywords"] or []),
        temporal_start=row["temporal_start"],
        temporal_end=row["temporal_end"],
        spatial=row["spatial"],
        source_name=row["source_name"],
        source_sha256=row["source_sha256"],
        created_at=as_utc(row["created_at"]),
        updated_at=as_utc(row["updated_at"]),
        row_count=row["row_count"],
        version=row["version"],
        columns=columns,
        versions=versions,
    )


def list_datasets(conn: Connection, department: str | None = None) -> list[Dataset]:
    query = select(datasets).order_by(datasets.c.namespace, datasets.c.name)
    if department:
        query = query.where(datasets.c.department == department)
    return [_dataset(r, [], []) for r in conn.execute(query).mappings()]


def snapshot_of_version(conn: Connection, namespace: str, name: str, version: int) -> int:
    dataset_id = require_id(conn, namespace, name)
    found = conn.execute(
        select(dataset_versions.c.snapshot_id).where(
            dataset_versions.c.dataset_id == dataset_id, dataset_versions.c.version == version
        )
    ).scalar_one_or_none()
    if found is None:
        last = conn.execute(select(datasets.c.version).where(datasets.c.id == dataset_id)).scalar()
        raise NotFound(f"{namespace}.{name} has no version {version} (versions 1 to {last})")
    return int(found)
