"""CSV/TXT: encoding and separator detection, header checks, then DuckDB's strict streaming parser."""

from __future__ import annotations

import codecs
import csv
import io
import uuid
from pathlib import Path

from patrimoine.errors import InputError
from patrimoine.lake.readers import ReadOptions, Source, SourceColumn
from patrimoine.lake.readers.naming import literal, quote, safe_identifiers

HEAD_BYTES = 1 << 20
MAX_LINE_BYTES = 8_000_000  # DuckDB's max_line_size: a longer line is not a CSV record but a broken file
SEPARATORS = [";", ",", "\t", "|"]
SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "TAB": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 when its C1 printable bytes occur, else ISO-8859-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    c1 = {b for b in head if 0x80 <= b <= 0x9F}
    return "cp1252" if c1 and not c1 & _CP1252_UNDEFINED else "latin-1"


def detect_separator(sample: str) -> str:
    """The separator that splits the header into most fields while the next lines agree with it."""
    lines = sample.splitlines()[:50]
    best, best_score = ",", (-1.0, 0)
    for sep in SEPARATORS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:-1] or rows[1:]  # the last sampled line may be cut
        agree = sum(len(r) == width for r in body) / len(body) if body else 1.0
        score = (agree, width)
        if score > best_score:
            best, best_score = sep, score
    return best


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """Stream a non-UTF-8 file into a UTF-8 copy; name the line of any undecodable byte."""
    target = workdir / f"{uuid.uuid4().hex}.csv"
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    try:
        with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(8 << 20):
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    line += chunk[: exc.start].count(b"\n")
                    raise InputError(
                        f"byte 0x{chunk[exc.start]:02x} is not valid {encoding}", file=path, line=line
                    ) from None
                line += chunk.count(b"\n")
                dst.write(text)
            dst.write(decoder.decode(b"", final=True))
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _decode_head(path: Path, head: bytes, encoding: str, complete: bool) -> str:
    """The first megabyte as text, refusing undecodable bytes (the header is not read again by DuckDB)."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
    except UnicodeDecodeError as exc:
        hint = "; pass --encoding (e.g. cp1252)" if encoding.startswith("utf") else ""
        raise InputError(
            f"byte 0x{head[exc.start]:02x} is not valid {encoding}{hint}",
            file=path,
            line=head[: exc.start].count(b"\n") + 1,
        ) from None


def _check_last_line(path: Path, readable: Path) -> None:
    """Refuse a last line beyond the limit: DuckDB 1.4 silently drops a last line over ~128 MB."""
    size = readable.stat().st_size
    if size <= MAX_LINE_BYTES:
        return
    with readable.open("rb") as f:
        end, length = size, 0
        while end > 0 and length <= MAX_LINE_BYTES:
            start = max(0, end - (1 << 16))
            f.seek(start)
            block = f.read(end - start)
            if length == 0:
                block = block.rstrip(b"\r\n")  # trailing line breaks end the last line, they are not one
                if not block:
                    end = start
                    continue
            cut = max(block.rfind(b"\n"), block.rfind(b"\r"))
            length += len(block) - cut - 1
            end = start + cut + 1 if cut >= 0 else start
            if cut >= 0:
                break
    if length > MAX_LINE_BYTES:
        raise InputError(
            f"line longer than {MAX_LINE_BYTES // 1_000_000} MB: not a well-formed CSV file",
            file=path,
            line=count_lines(readable, end) + 1,
        )


def count_lines(path: Path, upto: int) -> int:
    """Line breaks in the first `upto` bytes of a file, counted through one reused buffer (~2 GB/s)."""
    count, buffer = 0, bytearray(1 << 20)
    with path.open("rb", buffering=0) as f:
        while upto > 0 and (n := f.readinto(buffer)):
            n = min(n, upto)
            count += buffer.count(b"\n", 0, n)
            upto -= n
    return count


def _check_has_rows(path: Path, head_text: str, sep: str) -> None:
    """A file read whole in its first megabyte that holds a header and nothing else has no data."""
    try:
        rows = list(csv.reader(io.StringIO(head_text), delimiter=sep))
    except csv.Error:
        return  # DuckDB's strict parser will name the fault
    if not any(rows[1:]):
        raise InputError("no data rows (only a header)", file=path)


def _header(path: Path, head_text: str, sep: str) -> list[str]:
    try:
        header = next(csv.reader(io.StringIO(head_text), delimiter=sep))
    except (StopIteration, csv.Error):
        raise InputError("no header line", file=path, line=1) from None
    names = [h.strip().lstrip("\ufeff") for h in header]
    if not any(names):
        raise InputError("the header line is empty", file=path, line=1)
    positions: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name and name in positions:
            raise InputError(
                f"duplicate column name (columns {positions[name]} and {i})", file=path, line=1, column=name
            )
        positions.setdefault(name, i)
    return names


def open_csv(path: Path, options: ReadOptions, workdir: Path) -> Source:
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    if not head.strip():
        raise InputError("the file is empty", file=path)
    if b"\n" not in head and b"\r" not in head and path.stat().st_size > len(head):
        raise InputError(
            f"line longer than {HEAD_BYTES // (1 << 20)} MB: not a well-formed CSV file", file=path, line=1
        )
    encoding = (options.encoding or detect_encoding(head)).lower().replace("_", "-")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {options.encoding!r}", file=path) from None
    complete = path.stat().st_size == len(head)
    head_text = _decode_head(path, head, encoding, complete)
    if not complete:  # drop a possibly cut last line
        head_text = head_text[: max(head_text.rfind("\n"), 0)] or head_text
    sep = SEPARATOR_NAMES.get(options.sep or "", options.sep) if options.sep else detect_separator(head_text)
    if sep is None or len(sep) != 1:
        raise InputError(f"separator must be one character or 'tab', got {options.sep!r}", file=path)
    names = _header(path, head_text, sep)
    if complete:
        _check_has_rows(path, head_text, sep)
    utf8 = encoding in ("utf-8", "utf8", "utf-8-sig")
    readable = path if utf8 else _transcode(path, encoding, workdir)
    try:
        return _source(path, names, sep, readable, encoding)
    except BaseException:  # the UTF-8 copy is the caller's to clean up only once returned
        if readable != path:
            readable.unlink(missing_ok=True)
        raise


def _source(path: Path, names: list[str], sep: str, readable: Path, encoding: str) -> Source:
    _check_last_line(path, readable)
    safe = safe_identifiers(names)
    columns_spec = "{" + ", ".join(f"{literal(s)}: 'VARCHAR'" for s in safe) + "}"
    relation = (
        f"read_csv({literal(str(readable))}, auto_detect=false, header=true, delim={literal(sep)}, "
        f"quote='\"', escape='\"', columns={columns_spec}, strict_mode=true, null_padding=false, "
        f"max_line_size={MAX_LINE_BYTES})"
    )
    columns = [
        SourceColumn(original=o or s, name=s, expr=quote(s), infer=True) for o, s in zip(names, safe, strict=True)
    ]
    return Source(
        path=path,
        format="csv",
        relation=relation,
        columns=columns,
        temp_files=[] if readable == path else [readable],
        encoding="utf-8" if encoding == "utf8" else encoding,
        separator=sep,
    )
