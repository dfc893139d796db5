"""Masks as SQL: each strategy is a DuckDB expression over the column, computed before a user's query sees it.

Pseudonymisation is HMAC-SHA256 with the platform's key, written out in SQL (DuckDB has SHA-256 but no
HMAC), so the same value gives the same pseudonym in every table and joins still work.
"""

from __future__ import annotations

import hashlib

BLOCK = 64  # SHA-256 block size, for HMAC's inner and outer pads


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def hmac_sql(expression: str, key: bytes) -> str:
    """HMAC-SHA256(key, UTF-8 text of expression) as a hex string, in DuckDB SQL."""
    key = (hashlib.sha256(key).digest() if len(key) > BLOCK else key).ljust(BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key).hex()
    outer = bytes(b ^ 0x5C for b in key).hex()
    return f"sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode(CAST({expression} AS VARCHAR)))))"


def mask_sql(strategy: str, column: str, duck_type: str, key: bytes) -> str:
    """The masked value of `column` (of DuckDB type `duck_type`) under `strategy`."""
    c = quote(column)
    if strategy == "redact":
        return f"CAST(NULL AS {duck_type})"
    if strategy == "pseudonymise":
        return f"'ps_' || left({hmac_sql(c, key)}, 32)"  # NULL stays NULL: every step of it is strict
    if strategy == "month":
        if duck_type == "DATE":  # the first of the month, at half the cost of date_trunc
            return f"{c} - CAST(day({c}) - 1 AS INTEGER)"
        return f"CAST(date_trunc('month', TRY_CAST({c} AS DATE)) AS DATE)"
    if strategy == "departement":  # overseas départements have three-digit codes (971...976, 98x)
        text = f"CAST({c} AS VARCHAR)"
        return f"CASE WHEN left({text}, 2) IN ('97', '98') THEN left({text}, 3) ELSE left({text}, 2) END"
    if (
        strategy == "bracket"
    ):  # the order of magnitude: 12 345.67 → [10000, 100000); above 1e12 (where log10 rounds) capped
        v = f"TRY_CAST({c} AS DOUBLE)"
        low = f"CAST(pow(10, floor(log10(abs({v})))) AS BIGINT)"
        sign = f"CASE WHEN {v} < 0 THEN '-' ELSE '' END"
        return (
            f"CASE WHEN {v} IS NULL OR isnan({v}) THEN NULL WHEN abs({v}) < 1 THEN '[0, 1)' "
            f"WHEN abs({v}) >= 1e12 THEN {sign} || '[1e12, ∞)' "
            f"ELSE {sign} || '[' || CAST({low} AS VARCHAR) || ', ' || CAST({low} * 10 AS VARCHAR) || ')' END"
        )
    raise ValueError(f"unknown mask strategy {strategy!r}")


def filter_sql(column: str, values: list[str], duck_type: str) -> str:
    """The row filter: rows whose column is one of the values (none at all when there are no values)."""
    if not values:
        return "false"
    target = quote(column) if duck_type == "VARCHAR" else f"CAST({quote(column)} AS VARCHAR)"
    # list_contains rather than IN: DuckDB 1.4 plans IN (...) as a hash join, four times the cost here.
    return f"list_contains([{', '.join(literal(v) for v in values)}], {target})"
