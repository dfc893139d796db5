"""Readers: each turns a file into a Source, a DuckDB relation plus the columns to store.

Readers never load a file into Python objects cell by cell (XLSX excepted, whose size is capped by
the format itself); DuckDB streams CSV, JSON and Parquet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from json import JSONDecodeError, JSONDecoder  # not `import json`: the json reader submodule shadows it
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
    if _JSON_AT.search(text):
        # DuckDB counts the byte within a record, not the file: ask Python's parser where the fault is.
        where = _json_fault(path)
        reason = where[0] if where else _first_line(text).split(": ", 2)[-1].rstrip(". ")
        return InputError(
            f"malformed JSON: {reason}",
            file=path,
            line=where[1] if where else None,
            column=where[2] if where else None,
        )
    if _FULL_READ in text:  # DuckDB 1.4's parallel reader gives up on a line over ~128 MB
        return InputError(
            f"line longer than {_LINE_LIMIT // 1_000_000} MB: not a well-formed CSV file",
            file=path,
            line=_first_long_line(path, _LINE_LIMIT),
        )
    return InputError(_first_line(text).removeprefix("Invalid Input Error: "), file=path, line=line)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else "unreadable file"


_FULL_READ = "does not support a full read"
_LINE_LIMIT = 8_000_000  # the CSV reader's max_line_size
_JSON_LOCATE_MAX = 64 << 20  # beyond this, a JSON fault is reported without its line


def _drop(_pairs: list[tuple[str, object]]) -> None:
    return None  # keep no object: only the position of a fault matters


def _json_fault(path: Path) -> tuple[str, int, int] | None:
    """(reason, line, column) of the first JSON syntax error, for a file small enough to parse again."""
    if path.stat().st_size > _JSON_LOCATE_MAX:
        return None
    text = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
    decoder = JSONDecoder(object_pairs_hook=_drop)
    try:
        decoder.decode(text)
        return None
    except JSONDecodeError as exc:
        if not exc.msg.startswith("Extra data"):
            return exc.msg.lower(), exc.lineno, exc.colno
    for number, line in enumerate(text.split("\n"), start=1):  # NDJSON: one document a line
        if line.strip():
            try:
                decoder.decode(line)
            except JSONDecodeError as exc:
                return exc.msg.lower(), number, exc.colno
    return None


def _first_long_line(path: Path, limit: int) -> int | None:
    """1-based number of the first line longer than `limit` bytes, scanned in chunks smaller than it."""
    buffer = bytearray(min(limit, 1 << 20))  # reused: no allocation per chunk
    lines, line_start, offset = 0, 0, 0
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            first = buffer.find(b"\n", 0, n)
            if (offset + (first if first >= 0 else n)) - line_start > limit:
                return lines + 1
            if first >= 0:
                lines += buffer.count(b"\n", 0, n)
                line_start = offset + buffer.rfind(b"\n", 0, n) + 1
            offset += n
    return lines + 1 if offset - line_start > limit else None


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
