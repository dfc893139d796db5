"""Readers: each turns a file into a Source, a DuckDB relation plus the columns to store.

Readers never load a file into Python objects cell by cell (XLSX excepted, whose size is capped by
the format itself); DuckDB streams CSV, JSON and Parquet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from patrimoine.errors import InputError


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None
    sep: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class SourceColumn:
    original: str  # the name as given in the file
    name: str  # the safe SQL identifier stored in the lake
    expr: str  # DuckDB expression over the relation giving the raw value
    infer: bool  # text whose type is to be inferred (CSV, XLSX) rather than typed by the format


@dataclass
class Source:
    path: Path
    format: str
    relation: str  # a DuckDB FROM item
    columns: list[SourceColumn]
    temp_files: list[Path] = field(default_factory=list)
    encoding: str | None = None
    separator: str | None = None

    def explain(self, exc: duckdb.Error) -> InputError:
        """A DuckDB error while reading, as one precise line naming the file and line."""
        return explain_duckdb_error(self.path, exc)

    def cleanup(self) -> None:
        for path in self.temp_files:
            path.unlink(missing_ok=True)


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COLUMNS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_MAX_LINE = re.compile(r"Maximum line size of (\d+) bytes exceeded")
_JSON_AT = re.compile(r"Malformed JSON .*?at byte (\d+)")


def explain_duckdb_error(path: Path, exc: duckdb.Error) -> InputError:
    text = str(exc)
    line = int(m[1]) if (m := _LINE.search(text)) else None
    if m := _COLUMNS.search(text):
        return InputError(f"expected {m[1]} fields as in the header, found {m[2]}", file=path, line=line)
    if m := _MAX_LINE.search(text):
        return InputError(
            f"line longer than {int(m[1]) // 1_000_000} MB: not a well-formed CSV file", file=path, line=line
        )
    if "Invalid unicode" in text or "not utf-8 encoded" in text:
        return InputError("bytes that are not valid UTF-8; pass --encoding (e.g. cp1252)", file=path, line=line)
    if "Value with unterminated quote" in text or "unterminated quote" in text.lower():
        return InputError("a quoted field is never closed", file=path, line=line)
    if m := _JSON_AT.search(text):
        return InputError(
            f"malformed JSON: {_first_line(text).split(': ', 2)[-1]}", file=path, line=_line_of_byte(path, int(m[1]))
        )
    return InputError(_first_line(text).removeprefix("Invalid Input Error: "), file=path, line=line)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else "unreadable file"


def _line_of_byte(path: Path, offset: int) -> int:
    """1-based line number of a byte offset, counted in bounded chunks."""
    count = 1
    with path.open("rb") as f:
        remaining = offset
        while remaining > 0 and (chunk := f.read(min(remaining, 1 << 20))):
            count += chunk.count(b"\n")
            remaining -= len(chunk)
    return count


FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".geojson": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def open_source(path: Path, options: ReadOptions, con: duckdb.DuckDBPyConnection, workdir: Path) -> Source:
    """Open a file with the reader its extension names; reject what no reader takes."""
    if not path.exists():
        raise InputError("file not found", file=path)
    if not path.is_file():
        raise InputError("not a regular file", file=path)
    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"unknown file type {path.suffix or '(none)'!r}; patrimoine reads {known}", file=path)
    if fmt == "csv":
        from patrimoine.lake.readers.csv import open_csv

        return open_csv(path, options, workdir)
    if fmt == "xlsx":
        from patrimoine.lake.readers.xlsx import open_xlsx

        return open_xlsx(path, options, workdir)
    if fmt == "json":
        from patrimoine.lake.readers.json import open_json

        return open_json(path, con)
    from patrimoine.lake.readers.parquet import open_parquet

    return open_parquet(path, con)
