"""Commands over the catalogue: list, show, describe, search."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from patrimoine.catalog.frequencies import FREQUENCIES
from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import emit
from patrimoine.errors import InputError
from patrimoine.lake.sample import SAMPLE_ROWS
from patrimoine.model import ColumnProfile, Dataset, SearchResult, TableSensitivity


def list_(
    ctx: typer.Context,
    department: Annotated[str | None, typer.Option(help="Only this department (namespace).")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """List the catalogue's datasets."""
    with platform(ctx) as p:
        found = p.datasets(department)

    emit(found, as_json, lambda c: c.print(datasets_table(found)))


def name_column(names: list[str]) -> Column:
    # Table names are meant to be copied into the next command: never cut them.
    return Column("table", no_wrap=True, min_width=max(map(len, names), default=5))


def datasets_table(found: list[Dataset], title: str | None = None) -> Table:
    table = Table(name_column([d.qualified_name for d in found]), "title", "rows", "version", "updated", title=title)
    for d in found:
        table.add_row(d.qualified_name, d.title, f"{d.row_count:,}", str(d.version), f"{d.updated_at:%Y-%m-%d %H:%M}")
    return table


def search_table(result: SearchResult) -> Table:
    matches = "1 dataset matches" if result.total == 1 else f"{result.total} datasets match"
    table = Table("score", name_column([h.table for h in result.hits]), "title", "matched",
                  title=f"{matches} {result.query!r}")  # fmt: skip
    for hit in result.hits:
        table.add_row(f"{hit.score:.2f}", hit.table, hit.title, ", ".join(hit.matched))
    return table


BARS = "▁▂▃▄▅▆▇█"


def sparkline(histogram: list[tuple[float, float, int]], bins: int = 10) -> str:
    """A histogram as eight-level bars, one character per bin (empty bins included), for a terminal."""
    if not histogram:
        return ""
    low, high = histogram[0][0], histogram[-1][1]
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for start, _, n in histogram:
        counts[min(round((start - low) / width), bins - 1)] += n
    top = max(counts) or 1
    return "".join(BARS[min(len(BARS) - 1, n * len(BARS) // (top + 1))] if n else " " for n in counts)


def _profile_line(p: ColumnProfile | None) -> str:
    if p is None:
        return ""
    estimated = "≈" if p.rows > SAMPLE_ROWS else ""  # exact counts up to SAMPLE_ROWS rows, estimates beyond
    parts = [f"nulls {p.null_share:.0%}", f"distinct {estimated}{p.distinct_count:,}"]
    if p.min is not None:
        parts.append(f"{p.min} … {p.max}")
    if p.histogram:
        parts.append(f"[{sparkline(p.histogram)}]")
    if p.dominant_pattern:
        parts.append(f"pattern {p.dominant_pattern} ({(p.pattern_share or 0):.0%})")
    if p.top_values:
        parts.append("top " + ", ".join(f"{v} ({n:,})" for v, n in p.top_values[:3]))
    return "; ".join(parts)


def show(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Show a dataset: its metadata, columns (original and SQL names side by side), profile and versions."""
    with platform(ctx) as p:
        dataset = p.dataset(table)
        sensitivity = None if as_json else p.sensitivity(table)
    emit(dataset, as_json, lambda c: render_dataset(c, dataset, sensitivity))


def render_dataset(c: Console, d: Dataset, sensitivity: TableSensitivity | None = None) -> None:
    c.print(f"[bold]{d.title}[/bold]  ({d.qualified_name}, version {d.version}, {d.row_count:,} rows)")
    levels = {col.column: col.level for col in sensitivity.columns} if sensitivity else {}
    if sensitivity:
        c.print(f"  sensitivity: {sensitivity.level} ({'; '.join(sensitivity.reasons)})", markup=False)
    for label, value in [
        ("description", d.description),
        ("department", d.department),
        ("owner", d.owner),
        ("steward", d.steward),
        ("licence", d.licence),
        ("frequency", d.frequency),
        ("keywords", ", ".join(d.keywords)),
        ("coverage", " → ".join(str(x) for x in (d.temporal_start, d.temporal_end) if x)),
        ("spatial", d.spatial),
        ("source", f"{d.source_name} (sha256 {(d.source_sha256 or '')[:12]}…)"),
    ]:
        if value:
            c.print(f"  {label}: {value}", markup=False)
    columns = Table("#", Column("column (SQL)", no_wrap=True), "as given", "type", "level", "description", "profile")
    for col in d.columns:
        level = levels.get(col.name, "")
        columns.add_row(
            str(col.position),
            col.name,
            col.original_name,
            col.type,
            level,
            col.description or "",
            _profile_line(col.profile),
        )
    c.print(columns)
    versions = Table("version", "operation", "committed", "rows added", "total rows", "source")
    for v in d.versions:
        versions.add_row(
            str(v.version),
            v.operation,
            f"{v.committed_at:%Y-%m-%d %H:%M:%S}",
            f"{v.rows_added:,}",
            f"{v.total_rows:,}",
            v.source_name or "",
        )
    c.print(versions)


def _pairs(items: list[str]) -> dict[str, str]:
    result = {}
    for item in items:
        column, sep, text = item.partition("=")
        if not sep or not column.strip():
            raise InputError(f'--column expects column="description", got {item!r}')
        result[column.strip()] = text.strip()
    return result


def describe(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    title: Annotated[str | None, typer.Option(help="Title.")] = None,
    description: Annotated[str | None, typer.Option(help="Description.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner's e-mail.")] = None,
    steward: Annotated[str | None, typer.Option(help="Data steward's e-mail.")] = None,
    licence: Annotated[str | None, typer.Option(help="Licence, e.g. 'Licence Ouverte 2.0'.")] = None,
    frequency: Annotated[str | None, typer.Option(help="Update frequency: " + ", ".join(FREQUENCIES))] = None,
    keyword: Annotated[
        list[str] | None, typer.Option("--keyword", "-k", help="Keyword (repeat; replaces the list).")
    ] = None,
    temporal_start: Annotated[str | None, typer.Option(help="Start of the period covered, YYYY-MM-DD.")] = None,
    temporal_end: Annotated[str | None, typer.Option(help="End of the period covered, YYYY-MM-DD.")] = None,
    spatial: Annotated[str | None, typer.Option(help="Area covered, e.g. 'France entière' or a COG code.")] = None,
    column: Annotated[
        list[str] | None, typer.Option("--column", "-c", help='Column description: col="text" (repeat).')
    ] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Edit a dataset's metadata and its columns' descriptions (all or nothing)."""
    changes = {
        k: v
        for k, v in {
            "title": title,
            "description": description,
            "owner": owner,
            "steward": steward,
            "licence": licence,
            "frequency": frequency,
            "keywords": keyword,
            "temporal_start": temporal_start,
            "temporal_end": temporal_end,
            "spatial": spatial,
        }.items()
        if v is not None
    }
    with platform(ctx) as p:
        dataset = p.describe(table, columns=_pairs(column or []), **changes)
    emit(dataset, as_json, lambda c: render_dataset(c, dataset))


def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Words to look for (French-aware: accents, plurals, stop words).")],
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    keyword: Annotated[str | None, typer.Option(help="Only datasets with this keyword.")] = None,
    limit: Annotated[int, typer.Option(help="Number of results.")] = 20,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Search the catalogue: titles, descriptions, keywords, column names and descriptions, ranked."""
    with platform(ctx) as p:
        result = p.search(text, department=department, keyword=keyword, limit=limit)
    emit(result, as_json, lambda c: render_search(c, result))


def render_search(c: Console, result: SearchResult) -> None:
    c.print(search_table(result))
    for facet, counts in result.facets.items():
        if counts:
            c.print(f"  {facet}: " + ", ".join(f"{k} ({n})" for k, n in counts.items()), markup=False)


def register(app: typer.Typer) -> None:
    app.command("list")(list_)
    app.command()(show)
    app.command()(describe)
    app.command()(search)
