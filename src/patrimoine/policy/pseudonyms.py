"""Stored pseudonyms: each data file's pseudonymised columns are computed once, not at every read.

HMAC-SHA256 costs about 1.4 CPU-seconds per million values in DuckDB SQL, which would make every read of a
pseudonymised column several times slower than the raw data. Iceberg data files never change, so a
*shadow* of each file — its columns plus `__ps__<column>` pseudonyms — is written on the first governed
read that needs it and reused by every later one. A shadow is named after the file, the columns and a
fingerprint of the key, so a new key or another column simply makes a new shadow; the cache folder
(HOME/cache/pseudonyms) can be emptied at any time. Shadows hold clear values, like the lake's own files.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from patrimoine.config import Settings
from patrimoine.engine import ingest_connection, scan
from patrimoine.policy.masks import hmac_sql, quote

PREFIX = "__ps__"


def stored(column: str) -> str:
    """The name of a column's stored pseudonym in a shadow file."""
    return PREFIX + column


def _name(path: str, columns: list[str], key: bytes) -> str:
    fingerprint = hashlib.sha256(b"patrimoine pseudonym key " + key).hexdigest()[:16]
    digest = hashlib.sha256("\0".join([path, *columns, fingerprint]).encode()).hexdigest()[:32]
    return f"{digest}.parquet"


def shadows(settings: Settings, paths: list[str], columns: list[str], key: bytes) -> list[str]:
    """The shadow of each data file with the pseudonyms of `columns`, written where missing."""
    folder = settings.home / "cache" / "pseudonyms"
    folder.mkdir(parents=True, exist_ok=True)
    columns = sorted(columns)
    found = []
    for path in paths:
        shadow = folder / _name(path, columns, key)
        if not shadow.exists():
            _write(settings, path, columns, key, shadow)
        found.append(str(shadow))
    return found


def _write(settings: Settings, path: str, columns: list[str], key: bytes, shadow: Path) -> None:
    """One streaming COPY; written under a temporary name and renamed, so a reader never sees half a file."""
    partial = shadow.with_name(f".{uuid.uuid4().hex}.tmp")
    con = ingest_connection(settings)
    try:
        present = {str(r[0]) for r in con.sql(f"DESCRIBE SELECT * FROM {scan([path])}").fetchall()}
        extra = ", ".join(
            f"'ps_' || left({hmac_sql(quote(c), key)}, 32) AS {quote(stored(c))}"
            if c in present
            else f"CAST(NULL AS VARCHAR) AS {quote(stored(c))}"  # a file older than the column
            for c in columns
        )
        target = "'" + str(partial).replace("'", "''") + "'"
        con.execute(f"COPY (SELECT *, {extra} FROM {scan([path])}) TO {target} (FORMAT parquet)")
        os.replace(partial, shadow)
    finally:
        con.close()
        partial.unlink(missing_ok=True)
