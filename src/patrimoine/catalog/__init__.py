"""The catalogue: datasets, their columns, versions and profiles, kept in the metadata store.

Every write here also updates the search index in the same transaction, so they never drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from patrimoine.catalog.frequencies import FREQUENCIES
from patrimoine.errors import InputError, NotFound
from patrimoine.model import Column, ColumnProfile, Dataset, Version
from patrimoine.search import index_dataset
from patrimoine.store.tables import dataset_columns, dataset_versions, datasets

NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
EDITABLE = (
    "title",
    "description",
    "owner",
    "steward",
    "licence",
    "frequency",
    "keywords",
    "temporal_start",
    "temporal_end",
    "spatial",
)


def parse_table_name(qualified: str) -> tuple[str, str]:
    """`dgfip.dvf_2021` -> ("dgfip", "dvf_2021"), refusing anything that is not two safe identifiers."""
    parts = qualified.split(".")
    if len(parts) != 2 or not all(NAME.fullmatch(p) for p in parts):
        raise InputError(
            f"table name {qualified!r} must be NAMESPACE.NAME in lower case letters, digits and _ (e.g. dgfip.dvf_2021)"
        )
    return parts[0], parts[1]


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


def _dataset_id(conn: Connection, namespace: str, name: str) -> int | None:
    return conn.execute(
        select(datasets.c.id).where(datasets.c.namespace == namespace, datasets.c.name == name)
    ).scalar_one_or_none()


def exists(conn: Connection, namespace: str, name: str) -> bool:
    return _dataset_id(conn, namespace, name) is not None


def require_id(conn: Connection, namespace: str, name: str) -> int:
    found = _dataset_id(conn, namespace, name)
    if found is None:
        raise NotFound(f"no dataset {namespace}.{name} in the catalogue")
    return found


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


def reindex(conn: Connection, dataset_id: int) -> None:
    row = conn.execute(select(datasets).where(datasets.c.id == dataset_id)).mappings().one()
    cols = conn.execute(
        select(dataset_columns.c.name, dataset_columns.c.original_name, dataset_columns.c.description).where(
            dataset_columns.c.dataset_id == dataset_id
        )
    ).all()
    columns = [(f"{c.name} {c.original_name}" if c.original_name != c.name else c.name, c.description) for c in cols]
    index_dataset(
        conn,
        dataset_id,
        title=row["title"],
        description=row["description"],
        keywords=list(row["keywords"] or []),
        columns=columns,
        department=row["department"],
    )


def _check_change(field: str, value: Any) -> Any:
    if field == "frequency" and value is not None and value not in FREQUENCIES:
        raise InputError(f"frequency {value!r} is not one of: {', '.join(FREQUENCIES)}")
    if field in ("temporal_start", "temporal_end") and value is not None:
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise InputError(f"{field.replace('_', ' ')} {value!r} is not a date YYYY-MM-DD") from None
    if field == "keywords" and value is not None:
        return sorted({k.strip() for k in value if k.strip()})
    if field == "title" and not (value or "").strip():
        raise InputError("a title cannot be empty")
    return value


def describe(
    conn: Connection, namespace: str, name: str, changes: dict[str, Any], column_descriptions: dict[str, str]
) -> None:
    """Edit a dataset's metadata and column descriptions; unknown fields or columns are refused whole."""
    dataset_id = require_id(conn, namespace, name)
    values = {}
    for field, value in changes.items():
        if field not in EDITABLE:
            raise InputError(f"unknown field {field!r}; editable fields: {', '.join(EDITABLE)}")
        values[field] = _check_change(field, value)
    names = set(
        conn.execute(
            select(dataset_columns.c.name, dataset_columns.c.original_name).where(
                dataset_columns.c.dataset_id == dataset_id
            )
        ).all()
    )
    by_any = {n: n for n, _ in names} | {o: n for n, o in names}
    for column, text in column_descriptions.items():
        if column not in by_any:
            raise InputError(f"{namespace}.{name} has no column {column!r}")
        conn.execute(
            update(dataset_columns)
            .where(dataset_columns.c.dataset_id == dataset_id, dataset_columns.c.name == by_any[column])
            .values(description=text or None)
        )
    if values or column_descriptions:
        values["updated_at"] = datetime.now(UTC)
        conn.execute(update(datasets).where(datasets.c.id == dataset_id).values(**values))
        reindex(conn, dataset_id)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def get_dataset(conn: Connection, namespace: str, name: str) -> Dataset:
    dataset_id = require_id(conn, namespace, name)
    row = conn.execute(select(datasets).where(datasets.c.id == dataset_id)).mappings().one()
    cols = (
        conn.execute(
            select(dataset_columns)
            .where(dataset_columns.c.dataset_id == dataset_id)
            .order_by(dataset_columns.c.position)
        )
        .mappings()
        .all()
    )
    vers = (
        conn.execute(
            select(dataset_versions)
            .where(dataset_versions.c.dataset_id == dataset_id)
            .order_by(dataset_versions.c.version)
        )
        .mappings()
        .all()
    )
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
                committed_at=_aware(v["committed_at"]),
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
        created_at=_aware(row["created_at"]),
        updated_at=_aware(row["updated_at"]),
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
