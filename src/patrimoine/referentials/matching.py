"""How much of a column a referential covers: one DuckDB join of the column's distinct values with the lake files.

Values are compared after a light normalisation per kind (a lost leading zero, NAF with or without its dot,
NC8 with spaces), the same on both sides, so `1001` finds commune 01001 and `0111Z` finds 01.11Z.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import duckdb
import pyarrow as pa

from patrimoine.engine import ingest_connection
from patrimoine.errors import InputError, NotFound
from patrimoine.lake.readers.naming import quote
from patrimoine.model import Frozen
from patrimoine.referentials.loading import Referential, list_referentials
from patrimoine.referentials.registry import BY_NAME, CODE_KINDS

if TYPE_CHECKING:
    from patrimoine.platform import Platform

Values: TypeAlias = "list[str] | pa.Array | pa.ChunkedArray"  # a column, or a sample of it
EXAMPLES = 10
DETECT_THRESHOLD = 0.9
# SQL templates over one text expression {x}; constants of this module only.
_NORMALISE = {
    "cog_commune": "upper(CASE WHEN length(trim({x})) = 4 THEN '0' || trim({x}) ELSE trim({x}) END)",
    "cog_departement": "upper(CASE WHEN length(trim({x})) = 1 THEN '0' || trim({x}) ELSE trim({x}) END)",
    "cog_region": "CASE WHEN length(trim({x})) = 1 THEN '0' || trim({x}) ELSE trim({x}) END",
    "naf": "upper(replace(trim({x}), '.', ''))",
    "nc8": "CASE WHEN length(replace(trim({x}), ' ', '')) = 7 THEN '0' ELSE '' END || replace(trim({x}), ' ', '')",
}


class Successor(Frozen):
    """A code of a commune merged (or renumbered) since, with the 2026 commune that holds it now."""

    code: str
    label: str
    successor: str
    successor_label: str
    date: str
    mod: str


class Match(Frozen):
    referential: str
    version: str
    kind: str
    table: str
    distinct: int
    matched: int
    rate: float
    unmatched_examples: list[str]
    merged: list[Successor]
    message: str


def _normalise(kind: str, expression: str) -> str:
    return _NORMALISE[kind].format(x=expression)


def _files(platform: Platform, ref: Referential) -> list[str]:
    namespace, name = ref.table_name.split(".")
    return platform.lake.files(platform.lake.require(namespace, name))


def _connection(platform: Platform, values: Values) -> duckdb.DuckDBPyConnection:
    array = pa.array(values, pa.string()) if isinstance(values, list) else values.cast(pa.string())
    con = ingest_connection(platform.settings)
    con.register("input_values", pa.table({"v": array}))
    con.execute("CREATE TEMP TABLE distinct_values AS SELECT DISTINCT trim(v) AS v FROM input_values "
                "WHERE v IS NOT NULL AND trim(v) <> ''")  # fmt: skip
    return con


def _codes_sql(ref: Referential) -> str:
    where = BY_NAME[ref.name].where if ref.name in BY_NAME else ""
    code = _normalise(ref.kind, f"CAST({quote(ref.code_column)} AS VARCHAR)")
    return f"SELECT DISTINCT {code} AS k FROM read_parquet(?)" + (f" WHERE {where}" if where else "")


def _rate(con: duckdb.DuckDBPyConnection, ref: Referential, files: list[str]) -> tuple[int, int, list[str]]:
    """(distinct values, matched, examples of unmatched) in one join."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE joined AS SELECT d.v, r.k FROM distinct_values d "
        f"LEFT JOIN ({_codes_sql(ref)}) r ON {_normalise(ref.kind, 'd.v')} = r.k",
        [files],
    )
    row = con.execute("SELECT count(*), count(k) FROM joined").fetchone()
    assert row is not None
    missing = con.execute("SELECT v FROM joined WHERE k IS NULL ORDER BY v LIMIT ?", [EXAMPLES]).fetchall()
    return int(row[0]), int(row[1]), [str(m[0]) for m in missing]


def _merged(platform: Platform, con: duckdb.DuckDBPyConnection) -> list[Successor]:
    """Unmatched values that are codes of communes merged since, through referentiel.cog_passage."""
    passages = list_referentials(platform, "cog_passage")
    if not passages:
        return []
    rows = con.execute(
        "SELECT j.v, p.libelle_ancien, p.code_actuel, p.libelle_actuel, CAST(p.date_effet AS VARCHAR), "
        f"CAST(p.mod AS VARCHAR) FROM joined j JOIN read_parquet(?) p ON {_normalise('cog_commune', 'j.v')} = "
        "p.code_ancien WHERE j.k IS NULL AND p.code_actuel <> p.code_ancien ORDER BY j.v",
        [_files(platform, passages[-1])],
    ).fetchall()
    return [Successor(code=r[0], label=r[1], successor=r[2], successor_label=r[3], date=r[4], mod=r[5]) for r in rows]


def _message(ref: Referential, distinct: int, matched: int, merged: list[Successor]) -> str:
    text = f"{matched / distinct if distinct else 0:.1%} of {distinct:,} distinct values are valid {ref.kind} codes of {ref.name} {ref.version}"
    if merged:
        since = min(m.date for m in merged)[:4]
        shown = ", ".join(f"{m.code} → {m.successor} ({m.successor_label})" for m in merged[:EXAMPLES])
        text += f"; {len(merged)} codes belong to communes merged since {since}: suggested successor codes {shown}"
    return text


def _check_kind(kind: str) -> None:
    if kind not in CODE_KINDS:
        raise InputError(f"unknown referential kind {kind!r}; one of {', '.join(CODE_KINDS)}")


def match_rates(platform: Platform, values: Values, kind: str) -> list[Match]:
    """For the distinct values of a column: the share found in each loaded version of the referentials of `kind`."""
    _check_kind(kind)
    refs = list_referentials(platform, kind)
    if not refs:
        raise NotFound(f"no referential of kind {kind} is loaded: run `patrimoine referentiel load`")
    con = _connection(platform, values)
    try:
        return [_match(platform, con, ref) for ref in refs]
    finally:
        con.close()


def _match(platform: Platform, con: duckdb.DuckDBPyConnection, ref: Referential) -> Match:
    distinct, matched, missing = _rate(con, ref, _files(platform, ref))
    merged = _merged(platform, con) if ref.kind == "cog_commune" else []
    return Match(
        referential=ref.name,
        version=ref.version,
        kind=ref.kind,
        table=ref.table_name,
        distinct=distinct,
        matched=matched,
        rate=matched / distinct if distinct else 0.0,
        unmatched_examples=missing,
        merged=merged,
        message=_message(ref, distinct, matched, merged),
    )


def detect_kind(platform: Platform, values: Values, threshold: float = DETECT_THRESHOLD) -> list[str]:
    """The code kinds (best first) of which at least `threshold` of the sample's distinct values are codes."""
    refs = [r for r in list_referentials(platform) if r.kind in CODE_KINDS]
    if not refs:
        return []
    best: dict[str, float] = {}
    con = _connection(platform, values)
    try:
        for ref in refs:
            distinct, matched, _ = _rate(con, ref, _files(platform, ref))
            if distinct:
                best[ref.kind] = max(best.get(ref.kind, 0.0), matched / distinct)
    finally:
        con.close()
    return sorted((k for k, rate in best.items() if rate >= threshold), key=lambda k: -best[k])
