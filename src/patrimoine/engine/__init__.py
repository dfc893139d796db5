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


def query_connection(settings: Settings, views: dict[tuple[str, str], list[str]]) -> duckdb.DuckDBPyConnection:
    """A DuckDB that sees the given lake tables as `ns.table` views and nothing else of the file system.

    The order of settings matters: limits, views, allowed paths, then external
    access off and configuration locked, so a query cannot undo them.
    """
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(settings.query.threads)}")
    con.execute("SET memory_limit = ?", [settings.query.memory_limit])
    con.execute("SET allow_persistent_secrets = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET enable_progress_bar = false")
    files: list[str] = []
    for (namespace, name), paths in sorted(views.items()):
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{namespace}"')
        listing = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
        con.execute(
            f'CREATE VIEW "{namespace}"."{name}" AS SELECT * FROM read_parquet([{listing}], union_by_name = true)'
        )
        files.extend(paths)
    con.execute("SET allowed_paths = ?", [files])
    con.execute("SET enable_external_access = false")
    con.execute("SET python_enable_replacements = false")
    con.execute("SET lock_configuration = true")
    return con
