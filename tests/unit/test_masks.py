"""Masks as DuckDB SQL: the HMAC is the standard one, generalisations keep what they promise and nothing more."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import duckdb
import pytest

from patrimoine.policy.masks import filter_sql, mask_sql


def masked(strategy: str, values: list[object], duck_type: str, key: bytes = b"k") -> list[object]:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t (x {duck_type})")
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    return [r[0] for r in con.sql(f"SELECT {mask_sql(strategy, 'x', duck_type, key)} FROM t").fetchall()]


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"y" * 100])  # short, one block, longer than a block
def test_pseudonym_is_hmac_sha256(key: bytes) -> None:
    values = ["jeanne.martin@example.fr", "Léa", ""]
    expected = ["ps_" + hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:32] for v in values]
    assert masked("pseudonymise", [*values, None], "VARCHAR", key) == [*expected, None]
    assert masked("pseudonymise", [12], "BIGINT", key) == ["ps_" + hmac.new(key, b"12", "sha256").hexdigest()[:32]]


def test_generalisations() -> None:
    assert masked("month", [date(1984, 12, 3), None], "DATE") == [date(1984, 12, 1), None]
    assert masked("departement", ["75056", "2A004", "97411", "98735", None], "VARCHAR") == [
        "75", "2A", "974", "987", None,
    ]  # fmt: skip
    brackets = masked("bracket", [12345.67, -5.0, 0.5, 100.0, 1e40, float("inf"), float("nan"), None], "DOUBLE")
    assert brackets == ["[10000, 100000)", "-[1, 10)", "[0, 1)", "[100, 1000)", "[1e12, ∞)", "[1e12, ∞)", None, None]
    assert masked("redact", [3, None], "INTEGER") == [None, None]


def test_row_filter_quotes_values_and_fails_closed() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('75'), ('13'), ('it''s')) v(c)")
    kept = filter_sql("c", ["75", "it's"], "VARCHAR")
    assert con.sql(f"SELECT c FROM t WHERE {kept}").fetchall() == [
        ("75",),
        ("it's",),
    ]
    assert con.sql(f"SELECT count(*) FROM t WHERE {filter_sql('c', [], 'VARCHAR')}").fetchall() == [(0,)]
    with pytest.raises(ValueError, match="unknown mask"):
        mask_sql("shuffle", "c", "VARCHAR", b"")
