"""The example datasets: real open data in the repository's examples/, loaded and catalogued from its manifest.

`examples/catalogue.toml` names, for each file, its target table and its catalogue entry. Loading goes through
the same `Platform.ingest` and `Platform.describe` as any user, and writes only what differs from the catalogue,
so a second run changes nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from patrimoine.catalog import EDITABLE
from patrimoine.errors import InputError, NotFound
from patrimoine.model import Dataset, IngestResult

if TYPE_CHECKING:
    from patrimoine.platform import Platform

MANIFEST = "catalogue.toml"
_READ_KEYS = ("sheet", "encoding", "sep")
_KEYS = {"file", "table", "columns", *_READ_KEYS, *EDITABLE}


@dataclass(frozen=True)
class Example:
    file: Path
    table: str
    read: dict[str, str] = field(default_factory=dict)  # sheet, encoding, sep
    metadata: dict[str, Any] = field(default_factory=dict)  # describe fields
    columns: dict[str, str] = field(default_factory=dict)  # column name -> description


@dataclass(frozen=True)
class Loaded:
    example: Example
    ingest: IngestResult
    described: list[str]  # metadata fields and columns written; empty when the catalogue already matched


def repository_examples() -> Path:
    """examples/ at the repository root: the package is installed editable, from src/patrimoine/."""
    import patrimoine

    return Path(patrimoine.__file__).resolve().parents[2] / "examples"


def find_folder(given: Path | None = None) -> Path:
    folder = (given or repository_examples()).expanduser().resolve()
    if not (folder / MANIFEST).is_file():
        hint = "" if given else "; pass --examples PATH (the examples/ folder of a patrimoine checkout)"
        raise NotFound(f"no example datasets: {folder / MANIFEST} not found{hint}")
    return folder


def read_manifest(folder: Path) -> list[Example]:
    """The manifest's datasets, checked: known keys, files present. Metadata values are checked by describe."""
    path = folder / MANIFEST
    try:
        with path.open("rb") as f:
            entries = tomllib.load(f).get("dataset", [])
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", file=path) from None
    if not isinstance(entries, list) or not entries:
        raise InputError("no [[dataset]] entries", file=path)
    return [_example(folder, path, i, entry) for i, entry in enumerate(entries, start=1)]


def _example(folder: Path, manifest: Path, number: int, entry: Any) -> Example:
    where = f"{manifest}, dataset {number}"
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected a table of keys")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise InputError(f"{where}: unknown keys {', '.join(unknown)}; accepted: {', '.join(sorted(_KEYS))}")
    if not isinstance(entry.get("file"), str) or not isinstance(entry.get("table"), str):
        raise InputError(f"{where}: 'file' and 'table' are required")
    columns = entry.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise InputError(f"{where}: [dataset.columns] must map column names to descriptions")
    file = folder / entry["file"]
    if not file.is_file():
        raise InputError(f"{where}: file {entry['file']!r} not found in {folder}")
    return Example(
        file=file,
        table=entry["table"],
        read={k: str(entry[k]) for k in _READ_KEYS if k in entry},
        metadata={k: entry[k] for k in EDITABLE if k in entry},
        columns=dict(columns),
    )


def _same(field_name: str, current: Any, wanted: Any) -> bool:
    if field_name == "keywords":
        return sorted({str(k).strip() for k in wanted if str(k).strip()}) == list(current)
    if field_name.startswith("temporal_") and current is not None:
        try:
            return bool(current == date.fromisoformat(str(wanted)))
        except ValueError:
            return False  # describe names the bad date
    return bool(current == wanted)


def changes(dataset: Dataset, example: Example) -> tuple[dict[str, Any], dict[str, str]]:
    """What the manifest says that the catalogue does not yet: (metadata fields, column descriptions)."""
    fields = {k: v for k, v in example.metadata.items() if not _same(k, getattr(dataset, k), v)}
    known = {c.name: c.description for c in dataset.columns} | {c.original_name: c.description for c in dataset.columns}
    columns = {name: text for name, text in example.columns.items() if name not in known or known[name] != text}
    return fields, columns


def load_example(platform: Platform, example: Example) -> Loaded:
    meta = example.metadata
    result = platform.ingest(
        example.file,
        example.table,
        title=meta.get("title"),
        description=meta.get("description"),
        owner=meta.get("owner"),
        sheet=example.read.get("sheet"),
        encoding=example.read.get("encoding"),
        sep=example.read.get("sep"),
    )
    fields, columns = changes(platform.dataset(example.table), example)
    if fields or columns:
        try:
            platform.describe(example.table, columns=columns, **fields)
        except InputError as exc:
            raise InputError(f"{MANIFEST}, entry {example.table}: {exc}") from None
    return Loaded(example, result, sorted(fields) + [f"column {c}" for c in sorted(columns)])


def load(
    platform: Platform, examples: list[Example], on_loaded: Callable[[Loaded], None] | None = None
) -> list[Loaded]:
    """Ingest and describe every example in order; `on_loaded` is told after each one."""
    done = []
    for example in examples:
        loaded = load_example(platform, example)
        if on_loaded is not None:
            on_loaded(loaded)
        done.append(loaded)
    return done
