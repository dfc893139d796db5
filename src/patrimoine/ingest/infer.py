"""Type inference for text columns (CSV, XLSX) that keeps codes as text.

Types are inferred from a sample in one aggregate query; the write then checks every value against
the inferred type (`error('patrimoine:retype:...')`), so a late misfit is caught, never silently
rounded or stripped of its leading zeros. On a misfit the ingest infers again from the whole file.
A value is of a type only if it reads back identically (`0123` is not the integer 123, `1.5` not 2):
casts and string tests, no regular expressions, keep this cheap on millions of rows.
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
    "code", "cod", "id", "ident", "identifiant", "siren", "siret", "insee", "postal", "naf", "ape", "nc8", "cpv",
    "ref", "reference", "numero", "num", "depcom", "iris", "tel", "telephone", "phone", "zip", "cog", "uai",
    "finess", "rna", "nir", "iban", "bic",
}  # fmt: skip
# Short parts that name a code only when the whole name is made of them (`dep`, `dep_com`, `no`), not in
# `taux_com` (a commune's rate) or `cp_eur` (crédits de paiement).
WEAK_CODE_TOKENS = {"com", "dep", "reg", "arr", "can", "cp", "no", "nic", "section", "plan", "ar", "ct"}
_NOT_NUMBERS = "('nan', '-nan', 'inf', '-inf', '+inf', 'infinity', '-infinity', '+infinity')"

# Per inferred kind: the cast tried on each value {v}, and when the result {t} betrays a misfit.
# LIKE and comparisons rather than v[1]: slicing makes a new string for every value.
_LEAD0 = "({v} LIKE '0_%' AND NOT {v} LIKE '0.%' AND NOT {v} LIKE '0,%')"
_DIGIT_FIRST = "({v} >= '0' AND {v} < ':')"  # ':' follows '9' in ASCII
CASTS: dict[str, tuple[str, str]] = {
    "BIGINT": ("TRY_CAST({v} AS BIGINT)", "{t} IS NULL OR CAST({t} AS VARCHAR) <> {v}"),
    "DOUBLE": (
        "TRY_CAST({v} AS DOUBLE)",
        "{t} IS NULL OR contains({v}, ',') OR lower({v}) IN "
        + _NOT_NUMBERS
        + " OR "
        + _LEAD0
        # an integer of more than 15 digits would lose digits as a double: it stays text
        + " OR (length({v}) > 15 AND NOT contains({v}, '.') AND NOT contains(lower({v}), 'e'))",
    ),
    "DATE_FR": ("CAST(try_strptime({v}, '%d/%m/%Y') AS DATE)", "{t} IS NULL OR length({v}) <> 10"),
    "DATE": ("TRY_CAST({v} AS DATE)", "{t} IS NULL OR NOT {v} LIKE '____-__-__'"),
    "TIMESTAMP": ("TRY_CAST({v} AS TIMESTAMP)", "{t} IS NULL OR length({v}) < 16 OR NOT {v} LIKE '____-__-__%'"),
    "BOOLEAN": ("CASE lower({v}) WHEN 'true' THEN true WHEN 'false' THEN false END", "{t} IS NULL"),
}


@dataclass(frozen=True)
class Typed:
    name: str
    original: str
    type: str  # DuckDB type of the stored column
    expr: str  # raw value over the source relation
    cast: str | None = None  # template over {v}: the typed value, NULL if it does not fit
    misfit: str | None = None  # template over {v} and {t}: true when a non-null value does not fit

    def select(self, raw: str, typed: str) -> str:
        """The stored value from the raw and cast columns of the inner query, raising on a misfit."""
        if self.misfit is None:
            return raw
        bad = self.misfit.format(v=raw, t=typed)
        return f"CASE WHEN {raw} IS NOT NULL AND ({bad}) THEN error({literal(RETYPE + self.name)}) ELSE {typed} END"


def looks_like_code(name: str) -> bool:
    tokens = [t for t in re.split(r"[_\d]+", name) if t]
    if any(t in CODE_TOKENS for t in tokens) or name.startswith(("code", "num", "id_", "cod_")):
        return True
    return bool(tokens) and all(t in WEAK_CODE_TOKENS for t in tokens)


# Cheap tests that must hold before a cast is worth trying: DuckDB evaluates both sides of AND inside an
# aggregate, so without this CASE every value would go through every cast (4 s on 50,000 x 40 values).
_SHAPES: dict[str, str] = {
    "BIGINT": "length({v}) <= 20 AND (" + _DIGIT_FIRST + " OR {v} LIKE '-%')",
    "DOUBLE": "length({v}) <= 40 AND (" + _DIGIT_FIRST + " OR {v} LIKE '-%' OR {v} LIKE '.%' OR {v} LIKE '+%')",
    "DATE_FR": "{v} LIKE '__/__/____'",
    "DATE": "{v} LIKE '____-__-__'",
    "TIMESTAMP": "length({v}) BETWEEN 16 AND 35 AND {v} LIKE '____-__-__%'",
    "BOOLEAN": "({v} ILIKE 'true' OR {v} ILIKE 'false')",
}


def _count(kind: str, v: str) -> str:
    cast, misfit = CASTS[kind]
    t = cast.format(v=v)
    return f"count_if(CASE WHEN {_SHAPES[kind].format(v=v)} THEN NOT ({misfit.format(v=v, t=t)}) ELSE false END)"


def _stats_sql(v: str) -> list[str]:
    comma = f"TRY_CAST(replace({v}, ',', '.') AS DOUBLE)"
    return [
        f"count({v})",
        _count("BIGINT", v),
        f"count_if({_LEAD0.format(v=v)})",
        f"min(length({v}))",
        f"max(length({v}))",
        f"count_if(CASE WHEN contains({v}, ',') AND NOT contains({v}, '.') AND {_SHAPES['DOUBLE'].format(v=v)} "
        f"THEN {comma} IS NOT NULL ELSE false END)",
        f"coalesce(max(length(split_part({v}, ',', 2))) FILTER (WHERE contains({v}, ',')), 0)",
        _count("DOUBLE", v),
        _count("DATE_FR", v),
        _count("DATE", v),
        _count("TIMESTAMP", v),
        _count("BOOLEAN", v),
    ]


def _decide(name: str, s: tuple[int, ...]) -> tuple[str, int]:
    """(kind, decimal scale) from the sample's counts."""
    n, ints, lead0, min_len, max_len, commas, scale, doubles, date_fr, date_iso, ts, bools = s
    if n == 0:
        return "VARCHAR", 0
    if bools == n:
        return "BOOLEAN", 0
    decimal_comma = commas > 0 and commas + ints == n
    numeric = ints == n or decimal_comma or doubles == n
    if numeric and (lead0 or looks_like_code(name) or (ints == n and n >= 10 and min_len == max_len >= 5)):
        return "VARCHAR", 0
    if ints == n:
        return "BIGINT", 0
    if decimal_comma:
        return ("DECIMAL", scale) if scale <= MAX_SCALE else ("DOUBLE_COMMA", 0)
    if doubles == n:
        return "DOUBLE", 0
    for kind, count in (("DATE_FR", date_fr), ("DATE", date_iso), ("TIMESTAMP", ts)):
        if count == n:
            return kind, 0
    return "VARCHAR", 0


def _typed(column: SourceColumn, kind: str, scale: int) -> Typed:
    if kind == "VARCHAR":
        return Typed(column.name, column.original, "VARCHAR", column.expr)
    if kind in ("DECIMAL", "DOUBLE_COMMA"):
        target = f"DECIMAL(18,{scale})" if kind == "DECIMAL" else "DOUBLE"
        misfit = "{t} IS NULL OR contains({v}, '.') OR " + _LEAD0
        if kind == "DECIMAL":
            misfit += f" OR length(split_part({{v}}, ',', 2)) > {scale}"
        cast = f"TRY_CAST(replace({{v}}, ',', '.') AS {target})"
        return Typed(column.name, column.original, target, column.expr, cast, misfit)
    cast, misfit = CASTS[kind]
    stored = "DATE" if kind == "DATE_FR" else kind
    return Typed(column.name, column.original, stored, column.expr, cast, misfit)


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
        decided.update(_infer_text(con, source, text_cols, sample_rows))
    typed_sources = [c for c in source.columns if not c.infer and c.name not in as_text]
    native: dict[str, str] = {}
    if typed_sources:
        select = ", ".join(f"{c.expr} AS {quote(c.name)}" for c in typed_sources)
        native = {str(r[0]): str(r[1]) for r in con.sql(f"DESCRIBE SELECT {select} FROM {source.relation}").fetchall()}
    result = []
    for c in source.columns:
        if c.name in decided:
            result.append(_typed(c, *decided[c.name]))
        else:
            result.append(_native(c, native[c.name]))
    return result


def _infer_text(
    con: duckdb.DuckDBPyConnection, source: Source, columns: list[SourceColumn], sample_rows: int | None
) -> dict[str, tuple[str, int]]:
    """Kinds of text columns: a pass of cheap shape tests, then casts only where a type is still possible."""
    inner = ", ".join(f"{c.expr} AS {quote(c.name)}" for c in columns)
    data = f"(SELECT {inner} FROM {source.relation})"
    if sample_rows:
        con.execute(f"CREATE OR REPLACE TEMP TABLE __infer_sample AS {data[1:-1]} LIMIT {int(sample_rows)}")
        data = "__infer_sample"
    try:
        shapes = [f"count({quote(c.name)})" for c in columns] + [
            f"count_if({test.format(v=quote(c.name))})" for c in columns for test in _SHAPES.values()
        ]
        row = con.sql(f"SELECT {', '.join(shapes)} FROM {data}").fetchone()
        assert row is not None
        counts = [int(x or 0) for x in row]
        width = len(_SHAPES)
        candidates = []
        decided: dict[str, tuple[str, int]] = {}
        for i, c in enumerate(columns):
            n, fits = counts[i], counts[len(columns) + i * width : len(columns) + (i + 1) * width]
            if n and n in fits:
                candidates.append(c)
            else:
                decided[c.name] = ("VARCHAR", 0)
        if candidates:
            stats = [agg for c in candidates for agg in _stats_sql(quote(c.name))]
            row = con.sql(f"SELECT {', '.join(stats)} FROM {data}").fetchone()
            assert row is not None
            width = len(stats) // len(candidates)
            for i, c in enumerate(candidates):
                decided[c.name] = _decide(c.name, tuple(int(x or 0) for x in row[i * width : (i + 1) * width]))
        return decided
    finally:
        con.execute("DROP TABLE IF EXISTS __infer_sample")


def _native(column: SourceColumn, duck_type: str) -> Typed:
    _, cast, as_json = storable(duck_type)
    if as_json:
        return Typed(column.name, column.original, "VARCHAR", f"CAST(to_json({column.expr}) AS VARCHAR)")
    if cast:
        return Typed(column.name, column.original, cast, f"CAST({column.expr} AS {cast})")
    return Typed(column.name, column.original, duck_type, column.expr)


def misfits(exc: duckdb.Error) -> set[str]:
    """Columns named by the write's misfit guard in a DuckDB error."""
    return set(re.findall(re.escape(RETYPE) + r"([A-Za-z0-9_]+)", str(exc)))
