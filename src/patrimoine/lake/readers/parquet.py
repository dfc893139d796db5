"""Parquet: typed already; nested columns are flattened like JSON objects."""

from __future__ import annotations

from pathlib import Path

import duckdb

from patrimoine.errors import InputError
from patrimoine.lake.readers import Source
from patrimoine.lake.readers.json import flatten
from patrimoine.lake.readers.naming import literal


def open_parquet(path: Path, con: duckdb.DuckDBPyConnection) -> Source:
    relation = f"read_parquet({literal(str(path))})"
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise InputError(f"not a readable Parquet file: {str(exc).splitlines()[0]}", file=path) from None
    return Source(path=path, format="parquet", relation=relation, columns=flatten(described))
