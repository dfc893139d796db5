"""Parquet: typed already; nested columns are flattened like JSON objects."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from patrimoine.errors import InputError
from patrimoine.lake.readers import Source
from patrimoine.lake.readers.json import flatten
from patrimoine.lake.readers.naming import literal


def _check_unique_names(path: Path) -> None:
    """DuckDB renames a repeated column (a, a_1): refuse it instead, as for CSV and XLSX headers."""
    try:
        names = pq.read_schema(path).names
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", file=path) from None
    positions: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in positions:
            raise InputError(f"duplicate column name (columns {positions[name]} and {i})", file=path, column=name)
        positions[name] = i


def open_parquet(path: Path, con: duckdb.DuckDBPyConnection) -> Source:
    relation = f"read_parquet({literal(str(path))})"
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise InputError(f"not a readable Parquet file: {str(exc).splitlines()[0]}", file=path) from None
    _check_unique_names(path)
    return Source(path=path, format="parquet", relation=relation, columns=flatten(described))
