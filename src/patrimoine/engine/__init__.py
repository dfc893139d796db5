"""DuckDB connections: one for ingest work, one sandboxed per user query."""

from __future__ import annotations

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
