"""XLSX: checked against zip bombs, read with calamine, staged as text Parquet for type inference."""

from __future__ import annotations

import datetime as dt
import uuid
import zipfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from patrimoine.errors import InputError
from patrimoine.lake.readers import ReadOptions, Source, SourceColumn
from patrimoine.lake.readers.naming import literal, quote, safe_identifiers

MAX_UNCOMPRESSED = 1 << 30  # 1 GiB of XML is far beyond Excel's own 1,048,576-row limit
MAX_RATIO = 200  # deflate of real sheets stays well under this; bombs go far above
BATCH_ROWS = 50_000  # rows turned into Arrow at a time: Python objects exist for one batch only


def check_archive(path: Path) -> None:
    """Refuse what is not an XLSX package, or would inflate beyond reason, before any parsing."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise InputError("not a valid XLSX file (it is not a zip package)", file=path) from None
    if not any(i.filename == "[Content_Types].xml" for i in infos):
        raise InputError("not a valid XLSX file ([Content_Types].xml is missing)", file=path)
    total = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    if total > MAX_UNCOMPRESSED or (total > 50 << 20 and total / packed > MAX_RATIO):
        raise InputError(
            f"refused: the package would inflate to {total / (1 << 20):.0f} MiB "
            f"({total / packed:.0f}× its size), the shape of a zip bomb",
            file=path,
        )


def _text(value: Any) -> str | None:
    """A cell as the text a CSV export would hold, so that one type inference serves both."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip() or None


def open_xlsx(path: Path, options: ReadOptions, workdir: Path) -> Source:
    check_archive(path)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own untyped errors on corrupt packages
        raise InputError(f"not a readable XLSX file: {exc}", file=path) from None
    sheets = workbook.sheet_names
    sheet = options.sheet or (sheets[0] if sheets else None)
    if sheet not in sheets:
        raise InputError(f"no sheet {sheet!r}; sheets are {', '.join(sheets)}", file=path)
    rows = workbook.get_sheet_by_name(sheet).iter_rows()
    first = next(rows, None)
    if first is None:
        raise InputError(f"sheet {sheet!r} is empty", file=path)
    header = [_text(v) or "" for v in first]
    width = max(i + 1 for i, h in enumerate(header) if h) if any(header) else 0
    if width == 0:
        raise InputError(f"sheet {sheet!r} has no header row", file=path, line=1)
    header = header[:width]
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if name and name in seen:
            raise InputError(f"duplicate column name (columns {seen[name]} and {i})", file=path, line=1, column=name)
        seen.setdefault(name, i)
    safe = safe_identifiers(header)
    staged = workdir / f"{uuid.uuid4().hex}.parquet"
    try:
        if not _stage(rows, width, safe, staged):
            raise InputError("no data rows (only a header)", file=path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    columns = [
        SourceColumn(original=o or s, name=s, expr=quote(s), infer=True) for o, s in zip(header, safe, strict=True)
    ]
    return Source(
        path=path, format="xlsx", relation=f"read_parquet({literal(str(staged))})", columns=columns, temp_files=[staged]
    )


def _stage(rows: Iterator[list[Any]], width: int, names: list[str], target: Path) -> bool:
    """Rows as text into a Parquet file, BATCH_ROWS at a time (bounded memory); False if no row holds data."""
    schema = pa.schema([(n, pa.string()) for n in names])
    any_data = False
    with pq.ParquetWriter(target, schema) as writer:
        while batch := list(islice(rows, BATCH_ROWS)):
            cells = [[_text(r[i]) if i < len(r) else None for r in batch] for i in range(width)]
            any_data = any_data or any(v is not None for column in cells for v in column)
            writer.write_table(pa.Table.from_arrays([pa.array(c, pa.string()) for c in cells], schema=schema))
    return any_data
