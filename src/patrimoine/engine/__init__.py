"""DuckDB connections: one for ingest work, one sandboxed per user query."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import lru_cache

import duckdb

from patrimoine.config import Settings


def ingest_connection(settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for reading, typing and writing files; spills under PATRIMOINE_HOME/tmp."""
    spill = settings.home / "tmp" / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(settings.query.threads)}")
    con.execute("SET memory_limit = ?", [settings.query.memory_limit])
    con.execute("SET temp_directory = ?", [str(spill)])
    con.execute("SET preserve_insertion_order = true")  # the lake keeps the file's row order
    # query_progress() only reports while the progress bar is on; it is kept from printing.
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    return con


def sandbox(settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the query limits set, not yet locked: add views, then `lock` it."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(settings.query.threads)}")
    con.execute("SET memory_limit = ?", [settings.query.memory_limit])
    con.execute("SET allow_persistent_secrets = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET enable_external_file_cache = false")  # kept instances must not hold file data in memory
    return con


def scan(paths: list[str]) -> str:
    """The SQL that reads a table's data files."""
    listing = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{listing}], union_by_name = true)"


def schema_of(con: duckdb.DuckDBPyConnection, paths: list[str]) -> list[tuple[str, str]]:
    """(column, DuckDB type) of a table's data files, in order."""
    return [(str(r[0]), str(r[1])) for r in con.sql(f"DESCRIBE SELECT * FROM {scan(paths)}").fetchall()]


def add_view(con: duckdb.DuckDBPyConnection, namespace: str, name: str, select: str) -> None:
    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{namespace}"')
    con.execute(f'CREATE VIEW "{namespace}"."{name}" AS {select}')


def lock(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    """Nothing of the file system but the tables' files, external access off, then the configuration locked.

    The order matters: once locked, a query cannot undo any of it.
    """
    con.execute("SET allowed_paths = ?", [files])
    con.execute("SET enable_external_access = false")
    con.execute("SET python_enable_replacements = false")
    con.execute("SET lock_configuration = true")


@lru_cache(maxsize=512)
def file_schema(paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(column, DuckDB type) of data files; cached, as a lake data file never changes once written."""
    con = duckdb.connect(":memory:")
    try:
        return tuple(schema_of(con, list(paths)))
    finally:
        con.close()


class Sandboxes:
    """Locked DuckDB instances kept for reuse: one per distinct set of views (the views *are* the decision).

    Building and warming a DuckDB instance costs tens of milliseconds per query; an instance whose views
    are exactly the ones a new query needs can serve it, whoever asks, since its content is fixed and
    locked. Queries run on their own cursor of it. Few are kept, so memory stays bounded.
    """

    def __init__(self, settings: Settings, keep: int = 2) -> None:
        self._settings = settings
        self._keep = keep
        self._kept: OrderedDict[str, duckdb.DuckDBPyConnection] = OrderedDict()
        self._lock = threading.Lock()

    def cursor(self, views: dict[tuple[str, str], str], files: list[str]) -> duckdb.DuckDBPyConnection:
        """A cursor on an instance holding exactly these views (namespace, name → SELECT), reading only `files`."""
        signature = hashlib.sha256(repr(sorted(views.items())).encode()).hexdigest()
        with self._lock:
            con = self._kept.pop(signature, None)
            if con is None:
                con = sandbox(self._settings)
                for (namespace, name), select in sorted(views.items()):
                    add_view(con, namespace, name, select)
                lock(con, files)
            self._kept[signature] = con
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)[1].close()
            return con.cursor()

    def close(self) -> None:
        with self._lock:
            for con in self._kept.values():
                con.close()
            self._kept.clear()
