"""Ingest: a file becomes exactly one Iceberg snapshot and its catalogue entry, or nothing at all.

Steps: open the file (reader), infer types on a sample, let DuckDB stream it into one Parquet file
carrying Iceberg field ids, commit that file as one snapshot (the point of no return), then profile
and record it in the catalogue and search index in one store transaction. If the process dies
between the commit and the record, `recover` finishes the record on the next start.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow.parquet as pq
from sqlalchemy import Connection

from patrimoine import catalog, hosting
from patrimoine.catalog import ColumnRecord, IngestRecord, parse_table_name
from patrimoine.classify.service import detect, store_detected
from patrimoine.config import actor
from patrimoine.engine import ingest_connection
from patrimoine.errors import InputError
from patrimoine.ingest.infer import Typed, infer, misfits
from patrimoine.ingest.profile import profile_table
from patrimoine.lake.catalog import LakeSnapshot, Write
from patrimoine.lake.readers import ReadOptions, Source, explain_duckdb_error, open_source
from patrimoine.lake.readers.naming import literal, quote
from patrimoine.lake.sample import read_sample
from patrimoine.lake.types import duckdb_type, storable
from patrimoine.model import IngestResult

if TYPE_CHECKING:
    from patrimoine.platform import Platform

SAMPLE_ROWS = 20_000  # rows typed up front; every later value is checked as it is written
MODES = ("append", "overwrite")
# Snapshot summary keys: what `recover` needs to finish an interrupted catalogue record.
SOURCE_NAME, SOURCE_SHA, ROWS = "patrimoine.source-name", "patrimoine.source-sha256", "patrimoine.rows"
ORIGINAL_NAMES = "patrimoine.original-names"  # JSON {safe name: name as given}
GIVEN = {
    "title": "patrimoine.title",
    "description": "patrimoine.description",
    "owner": "patrimoine.owner",
    "zone": "patrimoine.zone",
}

Progress = Callable[[str, float | None], None]  # (stage description, fraction done or None)


@dataclass(frozen=True)
class IngestOptions:
    mode: str = "append"
    title: str | None = None
    description: str | None = None
    owner: str | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    zone: str | None = None  # a new table's hosting zone (default: the rule file's default_zone)


def sha256_of(path: Path, cancel: threading.Event | None = None) -> str:
    """The file's SHA-256, streamed; returns "" early once `cancel` is set (the ingest failed meanwhile)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(4 << 20):
            if cancel is not None and cancel.is_set():
                return ""
            digest.update(chunk)
    return digest.hexdigest()


def _noop(_stage: str, _fraction: float | None) -> None:
    return None


@dataclass
class _Staging:
    """What an ingest holds before its commit, and how to leave nothing of it behind if it never commits."""

    con: duckdb.DuckDBPyConnection
    source: Source | None = None
    write: Write | None = None
    target: Path | None = None

    @property
    def committed(self) -> bool:
        return self.write is not None and self.write.committed

    def close(self) -> None:
        if self.source is not None:
            self.source.cleanup()
        if not self.committed:
            self.con.close()
            if self.target is not None:
                self.target.unlink(missing_ok=True)
            if self.write is not None:
                self.write.discard()


def ingest(
    platform: Platform, path: Path, table: str, options: IngestOptions, progress: Progress = _noop
) -> IngestResult:
    started = time.perf_counter()
    namespace, name = parse_table_name(table)
    if options.mode not in MODES:
        raise InputError(f"mode must be one of {', '.join(MODES)}, not {options.mode!r}")
    platform.recover()
    cancel = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Hashing overlaps the read. We wait for it up front only when this file name was ingested into the
        # table before (a re-run): a renamed copy is still caught after the write, before the commit.
        digest: Future[str] = pool.submit(sha256_of, path, cancel) if path.is_file() else pool.submit(str)
        with platform.store.read() as conn:
            if catalog.has_source_name(conn, namespace, name, path.name) and catalog.has_source(
                conn, namespace, name, digest.result(), options.mode == "overwrite"
            ):
                return _unchanged(conn, table, path, digest.result(), started)
        # Hosting: the zone, checked against what is known of the table before anything is written.
        options = replace(options, zone=hosting.admit(platform, table, options.zone, options.mode == "overwrite"))
        staging = _Staging(ingest_connection(platform.settings))
        try:
            outcome = _stage_and_commit(platform, staging, path, (namespace, name), options, digest, progress)
        except duckdb.Error as exc:
            raise (staging.source.explain(exc) if staging.source else explain_duckdb_error(path, exc)) from None
        finally:
            cancel.set()
            staging.close()
    if isinstance(outcome, str):  # the same file under another name
        with platform.store.read() as conn:
            return _unchanged(conn, table, path, outcome, started)
    snapshot, typed, rows = outcome
    # Past the point of no return: the snapshot exists; the rest is recorded (or recovered later).
    progress("profiling", None)
    try:
        version = record_snapshot(
            platform, staging.con, namespace, name, snapshot, options, {t.name: t.original for t in typed}
        )
    finally:
        staging.con.close()
    status = "created" if version == 1 else ("overwritten" if options.mode == "overwrite" else "appended")
    warning = hosting.settled(platform, table, options.zone)  # "; warning: ..." if the new level breaks its zone
    return IngestResult(
        table=table,
        status=status,
        version=version,
        snapshot_id=snapshot.snapshot_id,
        rows=rows,
        total_rows=int(snapshot.summary.get("total-records", rows)),
        columns=len(typed),
        source_sha256=digest.result(),
        seconds=time.perf_counter() - started,
        message=f"{table} version {version}: {rows:,} rows {status} from {path.name}{warning}",
    )


def _stage_and_commit(
    platform: Platform,
    staging: _Staging,
    path: Path,
    identifier: tuple[str, str],
    options: IngestOptions,
    digest: Future[str],
    progress: Progress,
) -> tuple[LakeSnapshot, list[Typed], int] | str:
    """Read, type and write the file, then commit it: (snapshot, columns, rows), or the SHA-256 of a duplicate."""
    overwrite = options.mode == "overwrite"
    workdir = platform.settings.home / "tmp"
    workdir.mkdir(parents=True, exist_ok=True)
    progress("reading", None)
    staging.source = source = open_source(path, options.read, staging.con, workdir)
    typed = _infer(staging.con, source, SAMPLE_ROWS)
    columns = [(t.name, storable(t.type)[0]) for t in typed]
    staging.write = platform.lake.begin_write(*identifier, columns, overwrite)
    staging.target = staging.write.data_dir() / f"{uuid.uuid4().hex}.parquet"
    typed, staging.write, rows = _write(staging.con, source, typed, staging.write, staging.target, progress)
    if rows == 0:
        raise InputError("no data rows (only a header)", file=path)
    with platform.store.read() as conn:
        if catalog.has_source(conn, *identifier, digest.result(), overwrite):
            return digest.result()
    progress("checking the hosting zone", None)
    hosting.admit_staged(platform, ".".join(identifier), options.zone, [str(staging.target)], rows, overwrite)
    progress("committing", None)
    snapshot = staging.write.commit([str(staging.target)], _properties(path, digest.result(), rows, typed, options))
    return snapshot, typed, rows


def _properties(path: Path, sha: str, rows: int, typed: list[Typed], options: IngestOptions) -> dict[str, str]:
    """Snapshot summary: all that recovery needs to finish the catalogue record as the ingest would have."""
    properties = {SOURCE_NAME: path.name, SOURCE_SHA: sha, ROWS: str(rows)}
    properties[ORIGINAL_NAMES] = json.dumps({t.name: t.original for t in typed}, ensure_ascii=False)
    for attribute, key in GIVEN.items():
        if value := getattr(options, attribute):
            properties[key] = value
    return properties


def _unchanged(conn: Connection, table: str, path: Path, sha: str, started: float) -> IngestResult:
    namespace, name = parse_table_name(table)
    current = catalog.get_dataset(conn, namespace, name)
    return IngestResult(
        table=table,
        status="unchanged",
        version=current.version,
        snapshot_id=current.versions[-1].snapshot_id if current.versions else 0,
        rows=0,
        total_rows=current.row_count,
        columns=len(current.columns),
        source_sha256=sha,
        seconds=time.perf_counter() - started,
        message=f"{path.name} was already ingested into {table} (same SHA-256): nothing to do",
    )


def _infer(
    con: duckdb.DuckDBPyConnection, source: Source, sample: int | None, as_text: frozenset[str] = frozenset()
) -> list[Typed]:
    try:
        return infer(con, source, sample, as_text)
    except duckdb.Error as exc:
        raise source.explain(exc) from None


def _write(
    con: duckdb.DuckDBPyConnection, source: Source, typed: list[Typed], write: Write, target: Path, progress: Progress
) -> tuple[list[Typed], Write, int]:
    """Stream the source into one Parquet file with field ids; re-infer on a late misfit."""
    forced: frozenset[str] = frozenset()
    for attempt in range(3):
        schema = {f.name: f for f in write.schema.fields}
        inner, outer, field_ids = [], [], []
        for i, t in enumerate(typed):
            raw, cast = quote(f"__raw{i}"), quote(f"__cast{i}")
            inner.append(f"{t.expr} AS {raw}")
            if t.cast:
                inner.append(f"{t.cast.format(v=t.expr)} AS {cast}")
            value = t.select(raw, cast)
            target_type = duckdb_type(schema[t.name].field_type)
            if target_type != t.type:  # appending to a column the table already types otherwise
                value = f"CAST({value} AS {target_type})"
            outer.append(f"{value} AS {quote(t.name)}")
            field_ids.append(f"{quote(t.name)}: {schema[t.name].field_id}")
        sql = (
            f"COPY (SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {source.relation})) "
            f"TO {literal(str(target))} (FORMAT parquet, ROW_GROUP_SIZE 122880, FIELD_IDS {{{', '.join(field_ids)}}})"
        )
        try:
            _run_with_progress(con, sql, progress)
            return typed, write, int(pq.read_metadata(target).num_rows)
        except duckdb.Error as exc:
            bad = misfits(exc)
            if not bad or attempt == 2:
                raise
            # A value beyond the sample does not fit: infer from the whole file this time.
            forced = forced | (bad if attempt else frozenset())
            progress("re-reading the whole file to type it", None)
            retyped = _infer(con, source, None, forced)
            if [t.type for t in retyped] != [t.type for t in typed]:
                columns = [(t.name, storable(t.type)[0]) for t in retyped]
                write = write.lake.begin_write(*write.identifier, columns, write.overwrite)
            typed = retyped
    raise AssertionError("unreachable")


def _run_with_progress(con: duckdb.DuckDBPyConnection, sql: str, progress: Progress) -> None:
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.25):
            try:
                value = con.query_progress()
            except duckdb.Error:
                return
            progress("writing", min(value / 100, 1.0) if value is not None and value > 0 else None)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        con.execute(sql)
    finally:
        done.set()
        watcher.join()
    progress("writing", 1.0)


def record_snapshot(
    platform: Platform,
    con: duckdb.DuckDBPyConnection,
    namespace: str,
    name: str,
    snapshot: LakeSnapshot,
    options: IngestOptions | None = None,
    originals: dict[str, str] | None = None,
) -> int:
    """Profile a committed snapshot and record it in the catalogue (also used by recovery)."""
    table = platform.lake.require(namespace, name)
    files = platform.lake.files(table, snapshot.snapshot_id)
    fields = table.schema().fields
    columns = [(f.name, duckdb_type(f.field_type)) for f in fields]
    rows = int(snapshot.summary.get("total-records", 0))
    sample = read_sample(files, rows)  # one read serves the profile and the classifier
    profiles = profile_table(con, files, columns, rows, sample)
    found = detect(platform, files, profiles, rows, sample)
    summary = snapshot.summary
    originals = originals or json.loads(summary.get(ORIGINAL_NAMES, "{}"))
    given = {attribute: summary.get(key) for attribute, key in GIVEN.items()}
    record = IngestRecord(
        namespace=namespace,
        name=name,
        columns=[ColumnRecord(f.name, originals.get(f.name, f.name), duckdb_type(f.field_type)) for f in fields],
        profiles=profiles,
        snapshot_id=snapshot.snapshot_id,
        committed_at=snapshot.timestamp,
        operation=snapshot.operation,
        source_name=snapshot.summary.get(SOURCE_NAME),
        source_sha256=snapshot.summary.get(SOURCE_SHA),
        rows_added=int(snapshot.summary.get(ROWS, 0)),
        total_rows=int(snapshot.summary.get("total-records", 0)),
        metadata_location=table.metadata_location,
        title=options.title if options else given["title"],
        description=options.description if options else given["description"],
        owner=options.owner if options else given["owner"],
    )
    zone = options.zone if options else given["zone"]
    with platform.store.begin() as conn:
        version = catalog.record_ingest(conn, record)
        dataset_id = catalog.require_id(conn, namespace, name)
        store_detected(conn, dataset_id, found)
        if zone:
            hosting.place(conn, dataset_id, zone, actor())
        return version
