"""Iceberg tables: creation, schema evolution, one snapshot per ingest, time travel.

Data files are written by DuckDB (with Iceberg field ids) and committed here as data files, so an
ingest never holds the table in memory and Spark can later read the files by field id.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import (
    CommitFailedException,
    NamespaceNotEmptyError,
    NoSuchNamespaceError,
    NoSuchTableError,
)
from pyiceberg.io.pyarrow import parquet_file_to_data_file
from pyiceberg.schema import Schema
from pyiceberg.table import Table, Transaction
from pyiceberg.types import (
    DecimalType,
    DoubleType,
    FloatType,
    IcebergType,
    IntegerType,
    LongType,
    NestedField,
    StringType,
)

from patrimoine.errors import Conflict, NotFound

# Snappy, as DuckDB writes: zstd cost half as much again in write time for 10-20 % smaller files.
TABLE_PROPERTIES = {"write.parquet.compression-codec": "snappy", "format-version": "2"}
# Promotions Iceberg allows in place (int -> long, float -> double, decimal precision up).
_PROMOTIONS = {(IntegerType, LongType), (FloatType, DoubleType)}


def local_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("file", "") else uri


@dataclass(frozen=True)
class LakeSnapshot:
    snapshot_id: int
    timestamp: datetime
    operation: str
    summary: dict[str, str]
    files: list[str] = field(default_factory=list)


def _reconcile_type(name: str, current: IcebergType, incoming: IcebergType) -> IcebergType:
    """The column's type after this write: keep, promote, or refuse with the reason."""
    if current == incoming:
        return current
    if isinstance(current, StringType):
        return current  # anything is stored as text in a text column
    if (type(incoming), type(current)) in _PROMOTIONS or (
        isinstance(current, DoubleType) and isinstance(incoming, IntegerType | LongType | FloatType | DecimalType)
    ):
        return current
    if (type(current), type(incoming)) in _PROMOTIONS:
        return incoming
    if isinstance(current, DecimalType) and isinstance(incoming, DecimalType) and current.scale == incoming.scale:
        return DecimalType(max(current.precision, incoming.precision), current.scale)
    if isinstance(current, DecimalType) and isinstance(incoming, IntegerType | LongType):
        return current
    raise Conflict(
        f"column {name}: the table holds {current}, the new data holds {incoming}; "
        "use --mode overwrite to replace the table, or fix the file"
    )


class Write:
    """A pending write to one table: the schema its files must carry, then one commit."""

    def __init__(
        self, lake: Lake, identifier: tuple[str, str], tx: Transaction, existing: Table | None, overwrite: bool
    ) -> None:
        self.lake = lake
        self.overwrite = overwrite
        self.committed = False  # true from the moment the catalogue points at the new files
        self.identifier = identifier
        self.tx = tx
        self.existing = existing

    @property
    def schema(self) -> Schema:
        return self.tx.table_metadata.schema()

    @property
    def location(self) -> str:
        return local_path(self.tx.table_metadata.location)

    def data_dir(self) -> Path:
        path = Path(self.location) / "data"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def discard(self) -> None:
        """Undo what preparing a never committed write left: an empty data folder, an empty new namespace."""
        if self.committed:
            return
        data = Path(self.location) / "data"
        for folder in (data, data.parent):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        namespace = self.identifier[0]
        if self.existing is None and not self.lake.catalog.list_tables(namespace):
            with contextlib.suppress(NamespaceNotEmptyError, NoSuchNamespaceError):
                self.lake.catalog.drop_namespace(namespace)

    def commit(self, files: list[str], properties: dict[str, str]) -> LakeSnapshot:
        """One Iceberg commit: the point of no return of an ingest."""
        update = self.tx.update_snapshot(snapshot_properties=properties)
        replace = self.overwrite and self.existing is not None
        producer = update.overwrite() if replace else update.fast_append()
        with producer as snapshot:
            if replace and self.existing is not None and self.existing.current_snapshot() is not None:
                for task in self.existing.scan().plan_files():
                    snapshot.delete_data_file(task.file)
            for path in files:
                snapshot.append_data_file(parquet_file_to_data_file(self.tx._table.io, self.tx.table_metadata, path))
        try:
            table = self.tx.commit_transaction()
        except CommitFailedException as exc:
            raise Conflict(f"{'.'.join(self.identifier)} was changed by someone else meanwhile: {exc}") from None
        self.committed = True
        current = table.current_snapshot()
        assert current is not None
        return self.lake.describe_snapshot(table, current.snapshot_id)


class Lake:
    def __init__(self, database_url: str, warehouse: Path) -> None:
        warehouse.mkdir(parents=True, exist_ok=True)
        self.warehouse = warehouse
        self.catalog = SqlCatalog("patrimoine", uri=database_url, warehouse=warehouse.as_uri())
        self._planned: dict[tuple[str, int | None], list[str]] = {}  # (metadata file, snapshot) → data files

    def table(self, namespace: str, name: str) -> Table | None:
        try:
            return self.catalog.load_table((namespace, name))
        except NoSuchTableError:
            return None

    def require(self, namespace: str, name: str) -> Table:
        table = self.table(namespace, name)
        if table is None:
            raise NotFound(f"table {namespace}.{name} does not exist in the lake")
        return table

    def tables(self) -> list[tuple[str, str]]:
        return [
            (str(ns[0]), str(ident[-1]))
            for ns in self.catalog.list_namespaces()
            for ident in self.catalog.list_tables(ns)
        ]

    def begin_write(self, namespace: str, name: str, columns: list[tuple[str, IcebergType]], overwrite: bool) -> Write:
        """Prepare the table's schema for incoming columns (created, evolved, or refused) in a transaction."""
        self.catalog.create_namespace_if_not_exists(namespace)
        existing = self.table(namespace, name)
        if existing is None:
            schema = Schema(
                *[NestedField(i, col, typ, required=False) for i, (col, typ) in enumerate(columns, start=1)]
            )
            created = self.catalog.create_table_transaction((namespace, name), schema, properties=TABLE_PROPERTIES)
            return Write(self, (namespace, name), created, None, overwrite)
        tx = existing.transaction()
        current = {f.name: f.field_type for f in existing.schema().fields}
        incoming = dict(columns)
        retyped = {}
        for col, typ in columns:
            if col in current:
                try:
                    retyped[col] = _reconcile_type(col, current[col], typ)
                except Conflict:
                    if not overwrite:
                        raise
                    retyped[col] = typ  # replaced below: old data goes away with the overwrite
        dropped = [col for col in current if col not in incoming] if overwrite else []
        changed = [c for c, t in retyped.items() if t != current[c] and not _promotable(current[c], t)]
        if dropped or changed:
            with tx.update_schema() as update:
                for col in [*dropped, *changed]:
                    update.delete_column(col)
        with tx.update_schema() as update:
            for col, typ in columns:
                if col not in current or col in changed:
                    update.add_column(col, typ)
                elif retyped[col] != current[col]:
                    update.update_column(col, retyped[col])
        return Write(self, (namespace, name), tx, existing, overwrite)

    def describe_snapshot(self, table: Table, snapshot_id: int, with_files: bool = False) -> LakeSnapshot:
        snap = table.snapshot_by_id(snapshot_id)
        if snap is None:
            raise NotFound(f"snapshot {snapshot_id} not found")
        summary: dict[str, Any] = dict(snap.summary.additional_properties) if snap.summary else {}
        operation = snap.summary.operation.value if snap.summary else "append"
        files = self.files(table, snapshot_id) if with_files else []
        timestamp = datetime.fromtimestamp(snap.timestamp_ms / 1000, tz=UTC)
        return LakeSnapshot(snapshot_id, timestamp, operation, {k: str(v) for k, v in summary.items()}, files)

    def files(self, table: Table, snapshot_id: int | None = None) -> list[str]:
        """Local paths of the data files that make up a snapshot (the current one by default)."""
        if snapshot_id is None and table.current_snapshot() is None:
            return []
        # A metadata file never changes once written: its snapshots' files are planned once (manifests read once).
        key = (table.metadata_location, snapshot_id)
        if key not in self._planned:
            if len(self._planned) > 256:
                self._planned.clear()
            planned = table.scan(snapshot_id=snapshot_id).plan_files()
            self._planned[key] = [local_path(task.file.file_path) for task in planned]
        return list(self._planned[key])

    def snapshot_at(self, table: Table, when: datetime) -> int:
        snap = table.snapshot_as_of_timestamp(int(when.timestamp() * 1000))
        if snap is None:
            raise NotFound(f"table {table.name()[-1]} had no version at {when.isoformat()}")
        return int(snap.snapshot_id)

    def close(self) -> None:
        self.catalog.engine.dispose()


def _promotable(current: IcebergType, new: IcebergType) -> bool:
    return (type(current), type(new)) in _PROMOTIONS or (
        isinstance(current, DecimalType) and isinstance(new, DecimalType) and current.scale == new.scale
    )


def metadata_locations(lake: Lake) -> dict[tuple[str, str], str]:
    """Each table's current metadata file, straight from the Iceberg catalogue's own table (one query)."""
    from pyiceberg.catalog.sql import IcebergTables
    from sqlalchemy import select

    query = select(IcebergTables.table_namespace, IcebergTables.table_name, IcebergTables.metadata_location).where(
        IcebergTables.catalog_name == lake.catalog.name
    )
    with lake.catalog.engine.connect() as conn:
        return {(str(r[0]), str(r[1])): str(r[2]) for r in conn.execute(query)}
