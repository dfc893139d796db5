"""Reader-level checks of bad input (no store, no lake): precise errors, and no refusal of good files.

These guard the readers' own defences, in particular against DuckDB 1.4 behaviours: a last CSV line
over ~128 MB is silently dropped by DuckDB, a middle one fails with a bare "Not implemented" error,
and its JSON errors count bytes within a record rather than within the file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from patrimoine import InputError
from patrimoine.lake.readers import ReadOptions, Source, _first_long_line, open_source


def _read(path: Path, tmp_path: Path, **options: str) -> list[tuple[object, ...]]:
    """Open with the reader, then read every row as the ingest does (errors explained the same way)."""
    con = duckdb.connect()
    con.execute("SET threads = 2")
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    source: Source = open_source(path, ReadOptions(**options), con, workdir)
    try:
        return con.sql(f"SELECT * FROM {source.relation}").fetchall()
    except duckdb.Error as exc:
        raise source.explain(exc) from None
    finally:
        source.cleanup()
        con.close()


def _sparse(path: Path, head: bytes, size: int, tail: bytes = b"") -> Path:
    with path.open("wb") as f:
        f.write(head)
        f.truncate(size)
        f.seek(0, os.SEEK_END)
        f.write(tail)
    if path.stat().st_blocks * 512 > 64 << 20:
        pytest.skip("the file system of tmp_path has no sparse files")
    return path


def test_a_2gb_single_line_is_refused_quickly(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "huge.csv", b"a,b,", 2 << 30)
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"huge\.csv, line 1: line longer than 1 MB") as caught:
        _read(path, tmp_path)
    assert caught.value.line == 1
    assert time.perf_counter() - started < 1


def test_a_2gb_last_line_after_a_header_and_a_row_is_refused(tmp_path: Path) -> None:
    """DuckDB alone returns one row and drops the 2 GB line without a word."""
    path = _sparse(tmp_path / "sparse.csv", b"a,b\n1,x\n", 2 << 30)
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"sparse\.csv, line 3: line longer than 8 MB"):
        _read(path, tmp_path)
    assert time.perf_counter() - started < 30  # one pass to count the lines before it (DuckDB alone: ~40 s)


@pytest.mark.parametrize("tail", [b"", b"\n", b"\r\n\r\n\n"], ids=["no_break", "one_break", "several_breaks"])
def test_a_long_last_line_is_refused_whatever_follows_it(tmp_path: Path, tail: bytes) -> None:
    path = _sparse(tmp_path / "last.csv", b"a,b\n1,x\n2,y\n3,", 140 << 20, tail)
    with pytest.raises(InputError, match=r"last\.csv, line 4: line longer than 8 MB"):
        _read(path, tmp_path)


def test_a_long_middle_line_gets_the_line_not_duckdbs_not_implemented(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "middle.csv", b"a,b\n1,x\n2,", 140 << 20, b"\n3,z\n4,w\n")
    with pytest.raises(InputError) as caught:
        _read(path, tmp_path)
    assert str(caught.value) == f"{path}, line 3: line longer than 8 MB: not a well-formed CSV file"


def test_a_long_last_line_in_a_transcoded_file_is_refused_and_the_copy_removed(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    with path.open("wb") as f:
        f.write(b"a,b\n1,caf\xe9\n2,")
        f.write(b"\xe9" * (9 << 20))
    with pytest.raises(InputError, match=r"latin\.csv, line 3: line longer than 8 MB"):
        _read(path, tmp_path, encoding="latin-1")
    assert list((tmp_path / "work").iterdir()) == []


@pytest.mark.parametrize(
    ("limit", "content", "expected"),
    [
        (10, b"0123456789\n", None),
        (10, b"0123456789A\n", 1),
        (10, b"ab\ncd\n0123456789A", 3),
        (4, b"ab\ncd\nefgh\n" * 3 + b"abcde\nx\n", 10),
        (4, b"ab\n" + b"x" * 9 + b"\nab\n", 2),
    ],
)
def test_first_long_line_across_chunk_boundaries(tmp_path: Path, limit: int, content: bytes, expected: int) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes(content)
    assert _first_long_line(path, limit) == expected


@pytest.mark.parametrize(
    ("name", "content", "line", "column"),
    [
        ("missing_comma.json", b'[\n  {"a": 1},\n  {"a": 2}\n  {"a": 3}\n]', 4, 3),
        ("bad_literal.json", b'[\n  {"a": 1},\n  {"a": tru}\n]', 3, 9),
        ("truncated.json", b'[\n  {"a": 1},\n  {"a": 2', 3, 10),
        ("bom.json", b'\xef\xbb\xbf[{"a": 1},\n {"a" 2}]', 2, 7),
        ("wrapped.json", b'{"marches": [\n {"id": 1},\n {"id": 2,, "x": 3}\n]}', 3, 11),
        ("lines.ndjson", b'{"a": 1}\n{"a": 2}\n\n{"a": 3, "b": }\n{"a": 4}\n', 4, 15),
        ("first.ndjson", b'{"a" 1}\n{"a": 2}\n', 1, 6),
        ("garbage.json", b"<html>not json</html>", 1, 1),
    ],
)
def test_malformed_json_names_the_real_line_and_column(
    tmp_path: Path, name: str, content: bytes, line: int, column: int
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match="malformed JSON") as caught:
        _read(path, tmp_path)
    assert (caught.value.file, caught.value.line, caught.value.column) == (str(path), line, column), str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "options", "rows"),
    [
        ("crlf.csv", b"a;b\r\n1;x\r\n2;y\r\n", {}, [("1", "x"), ("2", "y")]),
        ("trailing_blank_lines.csv", b"a,b\n1,x\n\n\n\n", {}, [("1", "x")]),
        ("quoted_newline.csv", b'a,b\n1,"two\nlines"\n', {}, [("1", "two\nlines")]),
        ("bom.csv", b"\xef\xbb\xbfa,b\n1,x\n", {"encoding": "utf-8"}, [("1", "x")]),
        ("cp1252.csv", b"a,b\n1,\x80 caf\xe9 \x9c\n", {"encoding": "cp1252"}, [("1", "€ café œ")]),
        ("latin1.csv", b"a,b\n1,caf\xe9\n", {}, [("1", "café")]),
        ("utf16.csv", "a,b\n1,é\n".encode("utf-16"), {}, [("1", "é")]),
        ("no_final_break.csv", b"a,b\n1,x", {}, [("1", "x")]),
        ("one_row.json", b'[{"a": 1, "b": "x"}]', {}, [(1, "x")]),
    ],
)
def test_good_files_are_not_refused(
    tmp_path: Path, name: str, content: bytes, options: dict[str, str], rows: list[tuple[object, ...]]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert _read(path, tmp_path, **options) == rows


def test_a_large_file_with_ordinary_lines_is_not_refused(tmp_path: Path) -> None:
    """Over the 8 MB the last-line check looks at, and over the first megabyte read whole."""
    path = tmp_path / "large.csv"
    path.write_bytes(b"a,b\n" + b"12345,abcdefghijklmnopqrstuvwxyz\n" * 300_000)
    assert len(_read(path, tmp_path)) == 300_000
