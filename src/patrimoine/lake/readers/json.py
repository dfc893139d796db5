"""JSON: an array of objects, NDJSON, or one object wrapping an array (DECP's {"marches": [...]}).

Nested objects become dotted columns (`acheteur.id`); arrays are kept as JSON text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from patrimoine.errors import InputError
from patrimoine.lake.readers import Source, SourceColumn, explain_duckdb_error
from patrimoine.lake.readers.naming import literal, quote, safe_identifiers

_STRUCT = re.compile(r"^STRUCT\((.*)\)$", re.S)


def _struct_fields(type_text: str) -> list[tuple[str, str]] | None:
    """Fields of a DuckDB STRUCT type string, or None if it is not a struct."""
    match = _STRUCT.match(type_text)
    if not match:
        return None
    fields, depth, start, body = [], 0, 0, match[1]
    for i, ch in enumerate(body + ","):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            part = body[start:i].strip()
            if part.startswith('"'):
                end = part.index('"', 1)
                while part[end + 1 : end + 2] == '"':
                    end = part.index('"', end + 2)
                name, typ = part[1:end].replace('""', '"'), part[end + 1 :].strip()
            else:
                name, _, typ = part.partition(" ")
            fields.append((name, typ))
            start = i + 1
    return fields


def flatten(described: list[tuple[Any, ...]]) -> list[SourceColumn]:
    """Leaf columns of a DESCRIBE result, nested structs expanded with dotted names."""
    leaves: list[tuple[str, str]] = []  # (dotted name, expression)

    def walk(name: str, expr: str, type_text: str) -> None:
        fields = _struct_fields(type_text)
        if fields is None:
            leaves.append((name, expr))
            return
        for field, sub in fields:
            walk(f"{name}.{field}", f"{expr}[{literal(field)}]", sub)

    for row in described:
        walk(str(row[0]), quote(str(row[0])), str(row[1]))
    safe = safe_identifiers([n for n, _ in leaves])
    return [SourceColumn(original=n, name=s, expr=e, infer=False) for (n, e), s in zip(leaves, safe, strict=True)]


def open_json(path: Path, con: duckdb.DuckDBPyConnection) -> Source:
    base = f"read_json({literal(str(path))}, sample_size=-1, maximum_object_size=268435456)"
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {base}").fetchall()
        relation = base
        # One object whose single member is an array of objects: the records are inside.
        if len(described) == 1 and str(described[0][1]).startswith("STRUCT(") and str(described[0][1]).endswith(")[]"):
            relation = f"(SELECT unnest({quote(str(described[0][0]))}) AS __record FROM {base})"
            described = con.sql(f"DESCRIBE SELECT __record.* FROM {relation}").fetchall()
            relation = f"(SELECT __record.* FROM {relation})"
    except duckdb.Error as exc:
        raise explain_duckdb_error(path, exc) from None
    if not described:
        raise InputError("no records found", file=path)
    return Source(path=path, format="json", relation=relation, columns=flatten(described))
