"""Helpers of the reliability tests: malformed files built on the fly, and the state an ingest must not change.

Every malformed file is generated in the test's tmp_path (nothing large is kept in the repository).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.parquet as pq

from patrimoine.lake.catalog import metadata_locations
from patrimoine.model import Dataset

TABLE = "ns.t"
# Version 1 of the existing table in the append scenarios, and what it reads back as.
V1_CSV = b"a,b\n1,x\n2,y\n"
V1_ROWS = [(1, "x"), (2, "y")]
# A good file other than version 1: an identical file would be recognised as already ingested, before any check.
OTHER_CSV = b"a,b\n5,e\n"


# --- the state an ingest that fails must leave exactly as it found it ---------------------------------------


@dataclass(frozen=True)
class State:
    tables: list[tuple[str, str]]
    metadata: dict[tuple[str, str], str]
    snapshots: dict[tuple[str, str], list[int]]
    datasets: list[Dataset]
    files: dict[str, int] = field(default_factory=dict)  # every file of the home but the SQLite database


def files_of(home: Path) -> dict[str, int]:
    if not home.exists():
        return {}
    return {
        str(p.relative_to(home)): p.stat().st_size
        for p in sorted(home.rglob("*"))
        if p.is_file() and not p.name.startswith("patrimoine.db")
    }


def state(platform: Any) -> State:
    lake = platform.lake
    tables = sorted(lake.tables())
    snapshots = {}
    for ns, name in tables:
        table = lake.table(ns, name)
        snapshots[(ns, name)] = [s.snapshot_id for s in table.snapshots()] if table is not None else []
    return State(
        tables=tables,
        metadata=metadata_locations(lake),
        snapshots=snapshots,
        datasets=platform.datasets(),
        files=files_of(platform.settings.home),
    )


def assert_unchanged(platform: Any, before: State, *, existing: bool) -> None:
    """Nothing committed, nothing recorded, nothing left behind; the previous version reads back intact."""
    after = state(platform)
    assert after.tables == before.tables
    assert after.metadata == before.metadata
    assert after.snapshots == before.snapshots
    assert after.datasets == before.datasets
    changed = sorted(k for k in set(after.files) | set(before.files) if after.files.get(k) != before.files.get(k))
    assert changed == [], "files added, changed or removed in the home (a partial Parquet file, a temporary copy)"
    ns, name = TABLE.split(".")
    if existing:
        assert platform.sql(f"SELECT a, b FROM {TABLE} ORDER BY a").rows == V1_ROWS
        assert platform.sql(f"SELECT count(*) FROM {TABLE}", as_of=1).rows == [(len(V1_ROWS),)]
        dataset = platform.dataset(TABLE)
        assert dataset.version == 1 and dataset.row_count == len(V1_ROWS)
    else:
        assert platform.lake.table(ns, name) is None
        assert all(d.qualified_name != TABLE for d in platform.datasets())


def assert_agrees(platform: Any, table: str) -> Dataset:
    """Catalogue and lake agree: one version per snapshot, the same row count as the data."""
    ns, name = table.split(".")
    iceberg = platform.lake.require(ns, name)
    dataset = platform.dataset(table)
    assert [v.snapshot_id for v in dataset.versions] == [s.snapshot_id for s in iceberg.snapshots()]
    assert dataset.version == len(dataset.versions)
    current = iceberg.current_snapshot()
    assert current is not None
    assert dataset.versions[-1].snapshot_id == current.snapshot_id
    assert platform.sql(f"SELECT count(*) FROM {table}").rows == [(dataset.row_count,)]
    return dataset


# --- XLSX packages, written by hand (no spreadsheet library is a dependency) ----------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)


def _cell(value: object) -> str:
    if isinstance(value, int | float):
        return f"<c><v>{value}</v></c>"
    return f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    body = "".join("<row>" + "".join(_cell(v) for v in row) + "</row>" for row in rows)
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def write_zip_bomb(path: Path, megabytes: int = 300) -> Path:
    """An XLSX-looking package (with [Content_Types].xml) whose sheet inflates to `megabytes` MiB; ~0.5 MB on disk."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"<row/>" * (1 << 17)  # 768 KiB
            for _ in range(megabytes * 4 // 3):
                member.write(chunk)
    return path


# --- the catalogue of malformed inputs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A malformed input and the precise error it must give."""

    filename: str
    make: Callable[[Path], None]  # writes the file at the given path (or not, for a missing file)
    message: str  # a fragment of the message
    line: int | None = None
    column: str | int | None = None
    names_file: bool = True
    options: dict[str, str] = field(default_factory=dict)
    table: str = TABLE


def _bytes(data: bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(data)

    return make


def _xlsx(rows: list[list[object]]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        write_xlsx(path, rows)

    return make


def _nothing(_path: Path) -> None:
    return None


def _long_first_line(path: Path) -> None:
    with path.open("wb") as f:
        f.write(b"a,b,")
        f.write(b"x" * (10 << 20))  # 10 MB and no line break


def _long_third_line(path: Path) -> None:
    with path.open("wb") as f:
        f.write(b"a,b\n1,x\n2,")
        f.write(b"y" * (10 << 20))
        f.write(b"\n3,z\n")


def _long_last_line(path: Path) -> None:
    """A 300 MB last line, sparse on disk: DuckDB 1.4 alone silently drops a last line over ~128 MB."""
    with path.open("wb") as f:
        f.write(b"a,b\n1,x\n2,")
        f.truncate(300 << 20)


def _long_middle_line(path: Path) -> None:
    """A 150 MB line 3 followed by more: DuckDB 1.4 alone answers "Not implemented Error: ... full read"."""
    with path.open("wb") as f:
        f.write(b"a,b\n1,x\n2,")
        f.truncate(150 << 20)
        f.seek(0, 2)
        f.write(b"\n3,z\n")


def _late_bad_utf8(path: Path) -> None:
    """Beyond the first megabyte (so DuckDB, not the header check, meets it) but within the typing sample."""
    path.write_bytes(b"a,b\n" + (b"1," + b"ok" * 14 + b"\n") * 45_000 + b"2,caf\xe9\n" + b"3,ok\n")


def _json_with_duplicate_key(path: Path) -> None:
    path.write_bytes(b'[{"a": 1, "b": "x", "a": 2}]')


def _parquet_with_duplicate_names(path: Path) -> None:
    pq.write_table(pa.table([pa.array([1]), pa.array(["x"]), pa.array([2])], names=["a", "b", "a"]), path)


def _directory(path: Path) -> None:
    path.mkdir()


BAD: dict[str, Bad] = {
    "ragged_long_row": Bad("ragged.csv", _bytes(b"a,b\n1,x\n2,y,extra\n3,z\n"), "expected 2 fields", line=3),
    "ragged_short_row": Bad("short.csv", _bytes(b"a,b,c\n1,x,u\n2,y\n"), "expected 3 fields", line=3),
    "invalid_utf8": Bad(
        "latin.csv", _bytes(b"a,b\n1,x\n2,caf\xe9\n"), "not valid utf-8", line=3, options={"encoding": "utf-8"}
    ),
    "invalid_utf8_in_header": Bad(
        "header.csv", _bytes(b"a,caf\xe9\n1,x\n"), "not valid utf-8", line=1, options={"encoding": "utf-8"}
    ),
    "invalid_utf8_late": Bad("late.csv", _late_bad_utf8, "not valid UTF-8", line=45_002),
    "undefined_cp1252_byte": Bad(
        "cp1252.csv",
        _bytes(b"a,b\n1,x\n2,\x81\n"),
        "byte 0x81 is not valid cp1252",
        line=3,
        options={"encoding": "cp1252"},
    ),
    "unknown_encoding": Bad("enc.csv", _bytes(OTHER_CSV), "unknown encoding", options={"encoding": "klingon"}),
    "empty_file": Bad("empty.csv", _bytes(b""), "the file is empty"),
    "blank_file": Bad("blank.csv", _bytes(b"\n  \n\n"), "the file is empty"),
    "header_only": Bad("header_only.csv", _bytes(b"a,b\n"), "no data rows"),
    "header_only_no_newline": Bad("header_only2.csv", _bytes(b"a,b"), "no data rows"),
    "header_only_json": Bad("empty.json", _bytes(b"[]"), "no data rows"),
    "header_only_xlsx": Bad("header_only.xlsx", _xlsx([["a", "b"]]), "no data rows"),
    "duplicate_columns_csv": Bad("dup.csv", _bytes(b"a,b,a\n1,x,2\n"), "duplicate column name", line=1, column="a"),
    "duplicate_columns_xlsx": Bad(
        "dup.xlsx", _xlsx([["a", "b", "a"], [1, "x", 2]]), "duplicate column name", column="a"
    ),
    "duplicate_columns_parquet": Bad("dup.parquet", _parquet_with_duplicate_names, "duplicate column name", column="a"),
    "duplicate_keys_json": Bad("dup.json", _json_with_duplicate_key, 'duplicate key "a"'),
    "zip_bomb_xlsx": Bad("bomb.xlsx", _nothing, "zip bomb"),  # made once per session, see conftest
    "not_a_zip_xlsx": Bad("fake.xlsx", _bytes(b"a,b\n1,x\n"), "not a valid XLSX file"),
    "long_first_line": Bad("long1.csv", _long_first_line, "line longer than", line=1),
    "long_third_line": Bad("long3.csv", _long_third_line, "line longer than 8 MB", line=3),
    "long_last_line_300mb": Bad("long_last.csv", _long_last_line, "line longer than 8 MB", line=3),
    "long_middle_line_150mb": Bad("long_middle.csv", _long_middle_line, "line longer than 8 MB", line=3),
    "unterminated_quote": Bad("quote.csv", _bytes(b'a,b\n1,x\n2,"never closed\n3,z\n'), "never closed", line=3),
    "malformed_json": Bad(
        "bad.json",
        _bytes(b'[\n  {"a": 1, "b": "x"},\n  {"a": 2, "b": "y"}\n  {"a": 3, "b": "z"}\n]'),
        "malformed JSON",
        line=4,
    ),
    "malformed_ndjson": Bad(
        "bad.ndjson",
        _bytes(b'{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n{"a": 3 "b": "z"}\n{"a": 4, "b": "w"}\n'),
        "malformed JSON",
        line=3,
    ),
    "not_parquet": Bad("fake.parquet", _bytes(b"a,b\n1,x\n"), "not a readable Parquet file"),
    "unknown_extension": Bad("data.docx", _bytes(OTHER_CSV), "unknown file type '.docx'"),
    "no_extension": Bad("data", _bytes(OTHER_CSV), "unknown file type"),
    "missing_file": Bad("missing.csv", _nothing, "file not found"),
    "directory": Bad("folder.csv", _directory, "not a regular file"),
    "bad_table_name": Bad("ok.csv", _bytes(OTHER_CSV), "'NS.Bad-Name'", names_file=False, table="NS.Bad-Name"),
    "table_name_without_namespace": Bad("ok.csv", _bytes(OTHER_CSV), "'t'", names_file=False, table="t"),
    "bad_mode": Bad("ok.csv", _bytes(OTHER_CSV), "'upsert'", names_file=False, options={"mode": "upsert"}),
}


def make_bad(case: Bad, folder: Path, bomb: Path) -> Path:
    path = folder / case.filename
    if case.filename == "bomb.xlsx":
        return bomb
    case.make(path)
    return path


def assert_precise(error: BaseException, case: Bad, path: Path) -> None:
    """One clear line that names the file, the line and the column where known."""
    from patrimoine import InputError

    assert isinstance(error, InputError), f"{type(error).__name__}: {error}"
    text = str(error)
    assert "\n" not in text and len(text) < 600, text
    assert case.message in text, text
    if case.names_file:
        assert text.startswith(f"{path}"), text
        assert error.file == str(path)
    if case.line is not None:
        assert error.line == case.line, text
        assert f"line {case.line}" in text
    if case.column is not None:
        assert error.column == case.column, text
        assert f"column {case.column}" in text
