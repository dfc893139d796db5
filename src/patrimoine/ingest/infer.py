"""Type inference for text columns (CSV, XLSX) that keeps codes as text.

Types are inferred from a sample in one aggregate query; the write then checks every value against
the inferred type (`error('patrimoine:retype:...')`), so a late misfit is caught, never silently
rounded or stripped of its leading zeros. On a misfit the ingest infers again from the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from patrimoine.lake.readers import Source, SourceColumn
from patrimoine.lake.readers.naming import literal, quote
from patrimoine.lake.types import storable

RETYPE = "patrimoine:retype:"
MAX_SCALE = 6
# Name parts that announce a code: digits there are identifiers, not quantities.
CODE_TOKENS = {
    "code",
    "cod",
    "id",
    "ident",
    "identifiant",
    "siren",
    "siret",
    "nic",
    "insee",
    "cp",
    "postal",
    "naf",
    "ape",
    "nc8",
    "cpv",
    "ref",
    "reference",
    "numero",
    "num",
    "no",
    "depcom",
    "com",
    "dep",
    "reg",
    "arr",
    "can",
    "iris",
    "tel",
    "telephone",
    "phone",
    "zip",
    "cog",
    "uai",
    "finess",
    "rna",
    "nir",
    "iban",
    "bic",
    "plan",
    "section",
}

_INT = "'-?[0-9]{1,18}'"
_LEAD0 = "'-?0[0-9].*'"
_DEC_COMMA = "'-?[0-9]{1,17}(,[0-9]+)?'"
_DEC_DOT = r"'-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?'"
_DATE_FR = "'[0-9]{2}/[0-9]{2}/[0-9]{4}'"
_DATE_ISO = "'[0-9]{4}-[0-9]{2}-[0-9]{2}'"
_TIMESTAMP = r"'[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?'"


@dataclass(frozen=True)
class Typed:
    name: str
    original: str
    type: str  # DuckDB type of the stored column
    expr: str  # typed expression over the source relation, raising RETYPE on a misfit


def looks_like_code(name: str) -> bool:
    tokens = [t for t in re.split(r"[_\d]+", name) if t]
    return any(t in CODE_TOKENS for t in tokens) or name.startswith(("code", "num", "id_", "cod_"))


def _value(column: SourceColumn) -> str:
    return f"NULLIF(trim({column.expr}), '')"


def _stats_sql(v: str) -> list[str]:
    return [
        f"count({v})",
        f"count_if(regexp_full_match({v}, {_INT}))",
        f"count_if(regexp_full_match({v}, {_LEAD0}))",
        f"min(length({v}))",
        f"max(length({v}))",
        f"count_if(regexp_full_match({v}, {_DEC_COMMA}))",
        f"count_if(contains({v}, ','))",
        f"coalesce(max(length(split_part({v}, ',', 2))) FILTER (WHERE contains({v}, ',')), 0)",
        f"count_if(regexp_full_match({v}, {_DEC_DOT}))",
        f"count_if(regexp_full_match({v}, {_DATE_FR}) AND try_strptime({v}, '%d/%m/%Y') IS NOT NULL)",
        f"count_if(regexp_full_match({v}, {_DATE_ISO}) AND TRY_CAST({v} AS DATE) IS NOT NULL)",
        f"count_if(regexp_full_match({v}, {_TIMESTAMP}) AND TRY_CAST({v} AS TIMESTAMP) IS NOT NULL)",
        f"count_if(lower({v}) IN ('true', 'false'))",
    ]


def _decide(name: str, s: tuple[int, ...]) -> tuple[str, int]:
    """(DuckDB type, decimal scale) from the sample's counts."""
    n, ints, lead0, min_len, max_len, dec_comma, commas, scale, dec_dot, date_fr, date_iso, ts, bools = s
    if n == 0:
        return "VARCHAR", 0
    if bools == n:
        return "BOOLEAN", 0
    numeric = ints == n or (dec_comma == n and commas) or dec_dot == n
    if numeric and (lead0 or looks_like_code(name) or (ints == n and n >= 10 and min_len == max_len >= 5)):
        return "VARCHAR", 0
    if ints == n:
        return "BIGINT", 0
    if dec_comma == n and commas:
        return ("DECIMAL", scale) if scale <= MAX_SCALE else ("DOUBLE", 0)
    if dec_dot == n:
        return "DOUBLE", 0
    if date_fr == n:
        return "DATE_FR", 0
    if date_iso == n:
        return "DATE", 0
    if ts == n:
        return "TIMESTAMP", 0
    return "VARCHAR", 0


def _typed_expr(column: SourceColumn, kind: str, scale: int) -> tuple[str, str]:
    v = _value(column)
    misfit = f"error({literal(RETYPE + column.name)})"
    if kind == "VARCHAR":
        return "VARCHAR", f"NULLIF({column.expr}, '')"
    if kind == "BIGINT":
        check = f"regexp_full_match({v}, {_INT}) AND NOT regexp_full_match({v}, {_LEAD0})"
        return "BIGINT", f"CASE WHEN {v} IS NULL THEN NULL WHEN {check} THEN CAST({v} AS BIGINT) ELSE {misfit} END"
    if kind == "DECIMAL":
        pattern = literal(f"-?[0-9]{{1,{18 - scale}}}(,[0-9]{{1,{scale}}})?") if scale else _INT
        check = f"regexp_full_match({v}, {pattern}) AND NOT regexp_full_match({v}, {_LEAD0})"
        target = f"DECIMAL(18,{scale})"
        cast = f"CAST(replace({v}, ',', '.') AS {target})"
        return target, f"CASE WHEN {v} IS NULL THEN NULL WHEN {check} THEN {cast} ELSE {misfit} END"
    if kind == "DOUBLE":
        check = f"regexp_full_match({v}, {_DEC_DOT}) AND NOT regexp_full_match({v}, {_LEAD0})"
        cast = f"CAST(replace({v}, ',', '.') AS DOUBLE)"
        return "DOUBLE", f"CASE WHEN {v} IS NULL THEN NULL WHEN {check} THEN {cast} ELSE {misfit} END"
    if kind == "DATE_FR":
        return (
            "DATE",
            f"CASE WHEN {v} IS NULL THEN NULL ELSE coalesce(try_strptime({v}, '%d/%m/%Y')::DATE, {misfit}) END",
        )
    if kind == "DATE":
        check = f"regexp_full_match({v}, {_DATE_ISO})"
        return (
            "DATE",
            f"CASE WHEN {v} IS NULL THEN NULL WHEN {check} THEN coalesce(TRY_CAST({v} AS DATE), {misfit}) ELSE {misfit} END",
        )
    if kind == "TIMESTAMP":
        return "TIMESTAMP", f"CASE WHEN {v} IS NULL THEN NULL ELSE coalesce(TRY_CAST({v} AS TIMESTAMP), {misfit}) END"
    assert kind == "BOOLEAN"
    return (
        "BOOLEAN",
        f"CASE lower({v}) WHEN 'true' THEN true WHEN 'false' THEN false WHEN NULL THEN NULL ELSE {misfit} END",
    )


def infer(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    sample_rows: int | None,
    as_text: frozenset[str] = frozenset(),
) -> list[Typed]:
    """Typed columns for a source: inferred for text, mapped for typed formats. `as_text` forces VARCHAR."""
    text_cols = [c for c in source.columns if c.infer and c.name not in as_text]
    decided: dict[str, tuple[str, int]] = {c.name: ("VARCHAR", 0) for c in source.columns if c.name in as_text}
    if text_cols:
        limit = f" LIMIT {int(sample_rows)}" if sample_rows else ""
        inner = ", ".join(f"{c.expr} AS {quote(c.name)}" for c in text_cols)
        aggregates = [
            agg for c in text_cols for agg in _stats_sql(_value(SourceColumn(c.original, c.name, quote(c.name), True)))
        ]
        row = con.sql(f"SELECT {', '.join(aggregates)} FROM (SELECT {inner} FROM {source.relation}{limit})").fetchone()
        assert row is not None
        width = len(aggregates) // len(text_cols)
        for i, c in enumerate(text_cols):
            decided[c.name] = _decide(c.name, tuple(int(x or 0) for x in row[i * width : (i + 1) * width]))
    typed_sources = [c for c in source.columns if not c.infer and c.name not in as_text]
    native: dict[str, str] = {}
    if typed_sources:
        select = ", ".join(f"{c.expr} AS {quote(c.name)}" for c in typed_sources)
        native = {str(r[0]): str(r[1]) for r in con.sql(f"DESCRIBE SELECT {select} FROM {source.relation}").fetchall()}
    result = []
    for c in source.columns:
        if c.name in decided:
            kind, scale = decided[c.name]
            typ, expr = _typed_expr(c, kind, scale)
        else:
            typ, expr = _native_expr(c, native[c.name])
        result.append(Typed(c.name, c.original, typ, expr))
    return result


def _native_expr(column: SourceColumn, duck_type: str) -> tuple[str, str]:
    _, cast, as_json = storable(duck_type)
    if as_json:
        return "VARCHAR", f"CAST(to_json({column.expr}) AS VARCHAR)"
    if cast:
        return cast, f"CAST({column.expr} AS {cast})"
    return duck_type, column.expr


def misfits(exc: duckdb.Error) -> set[str]:
    """Columns named by the write's misfit guard in a DuckDB error."""
    return set(re.findall(re.escape(RETYPE) + r"([A-Za-z0-9_]+)", str(exc)))
