"""Stored masks: each data file's masked columns are computed once, not at every read.

A mask computed per row at every read is costly: HMAC-SHA256 alone takes about 1.4 CPU-seconds per million
values in DuckDB SQL, several times the cost of reading the column. Iceberg data files never change, so a
*shadow* of each file — its columns plus the masked ones, `__<strategy>__<column>` — is written on the first
governed read that needs it and reused by every later one. A shadow is named after the file, the masks and a
fingerprint of the key, so a new key, a new policy or another clearance simply makes a new shadow; the cache
folder (HOME/cache/shadows) can be emptied at any time. Shadows hold clear values, like the lake's own files.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from patrimoine.config import Settings
from patrimoine.engine import file_schema, ingest_connection, scan
from patrimoine.policy.masks import mask_sql, quote

Mask = tuple[str, str, str]  # (column, strategy, DuckDB type)


def stored(column: str, strategy: str) -> str:
    """The name of a column's stored masked value in a shadow file."""
    return f"__{strategy}__{column}"


def _name(path: str, masks: list[Mask], key: bytes) -> str:
    fingerprint = hashlib.sha256(b"patrimoine pseudonym key " + key).hexdigest()[:16]
    digest = hashlib.sha256(repr((path, masks, fingerprint)).encode()).hexdigest()[:32]
    return f"{digest}.parquet"


def shadows(settings: Settings, paths: list[str], masks: list[Mask], key: bytes) -> list[str]:
    """The shadow of each data file with these masks stored, written where missing."""
    folder = settings.home / "cache" / "shadows"
    folder.mkdir(parents=True, exist_ok=True)
    masks = sorted(masks)
    found = []
    for path in paths:
        shadow = folder / _name(path, masks, key)
        if not shadow.exists():
            _write(settings, path, masks, key, shadow)
        found.append(str(shadow))
    return found


def _null(strategy: str) -> str:
    """The masked value of a column a file is older than, typed like the masked values of the newer files."""
    return f"CAST(NULL AS {'DATE' if strategy == 'month' else 'VARCHAR'})"


def _write(settings: Settings, path: str, masks: list[Mask], key: bytes, shadow: Path) -> None:
    """One streaming COPY; written under a temporary name and renamed, so a reader never sees half a file."""
    partial = shadow.with_name(f".{uuid.uuid4().hex}.tmp")
    con = ingest_connection(settings)
    try:
        present = {column for column, _ in file_schema((path,))}
        extra = ", ".join(
            f"{mask_sql(strategy, column, duck_type, key) if column in present else _null(strategy)} "
            f"AS {quote(stored(column, strategy))}"
            for column, strategy, duck_type in masks
        )
        target = "'" + str(partial).replace("'", "''") + "'"
        con.execute(f"COPY (SELECT *, {extra} FROM {scan([path])}) TO {target} (FORMAT parquet)")
        os.replace(partial, shadow)
    finally:
        con.close()
        partial.unlink(missing_ok=True)
