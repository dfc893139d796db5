"""Commands that move data: ingest and sql."""

from __future__ import annotations

import csv
import sys
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import console, emit, errors, to_json
from patrimoine.model import QueryResult

PROGRESS_FROM_BYTES = 5 << 20


def ingest(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV/TXT, XLSX, JSON/NDJSON or Parquet file.")],
    table: Annotated[str, typer.Option("--table", "-t", help="Target table NAMESPACE.NAME, e.g. dgfip.dvf_2021.")],
    mode: Annotated[str, typer.Option(help="append (add rows) or overwrite (replace the table's rows).")] = "append",
    title: Annotated[str | None, typer.Option(help="Title shown in the catalogue.")] = None,
    description: Annotated[str | None, typer.Option(help="What the table holds, for the catalogue.")] = None,
    owner: Annotated[str | None, typer.Option(help="E-mail of the owner of the data.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet to read (default: the first).")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="CSV encoding (default: detected: utf-8, cp1252, latin-1).")
    ] = None,
    sep: Annotated[str | None, typer.Option(help="CSV separator: , ; | or tab (default: detected).")] = None,
    zone: Annotated[
        str | None,
        typer.Option(help="Hosting zone of a new table (default: the rule file's default_zone); see compliance."),
    ] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Load a file into the lake as one new version of a table, profile it and catalogue it.

    Codes keep their leading zeros (01001, 2A004), dates DD/MM/YYYY and ISO become dates, amounts with a
    decimal comma become decimals. Re-ingesting the same file into the same table does nothing.
    """
    with platform(ctx) as p:
        load = partial(
            p.ingest, path, table, mode=mode, title=title, description=description, owner=owner, sheet=sheet,
            encoding=encoding, sep=sep, zone=zone,
        )  # fmt: skip
        show = not as_json and path.is_file() and path.stat().st_size >= PROGRESS_FROM_BYTES and errors.is_terminal
        if show:
            with Progress(
                TextColumn("{task.description:<12}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=errors,
                transient=True,
            ) as bar:
                task = bar.add_task("reading", total=1.0)

                def report(stage: str, fraction: float | None) -> None:
                    # DuckDB cannot always estimate a query's progress: the bar then pulses with the time spent.
                    known = fraction is not None and fraction > 0
                    bar.update(task, description=stage, total=1.0 if known else None, completed=fraction or 0)

                result = load(progress=report)
        else:
            result = load()
    emit(
        result,
        as_json,
        lambda c: c.print(f"{result.message} ({result.columns} columns, {result.seconds:.1f} s)", markup=False),
    )


def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="One SELECT over lake tables named namespace.table.")],
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Version number (3) or date-time (2026-12-04T10:00) to read the tables as they were."
        ),
    ] = None,
    max_rows: Annotated[int | None, typer.Option(help="Stop after this many rows.")] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Admins: run it as this user (or `anonymous`) would, to check.")
    ] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Run a read-only SQL query (DuckDB dialect) over the lake, with your access policy applied."""
    if output not in ("table", "csv", "json"):
        raise typer.BadParameter("--format must be table, csv or json")
    with platform(ctx) as p:
        result = p.sql(query, as_of=as_of, max_rows=max_rows, as_user=as_user)
    if as_json or output == "json":
        sys.stdout.write(
            to_json(
                {
                    "columns": result.columns,
                    "types": result.types,
                    "rows": [dict(zip(result.columns, r, strict=True)) for r in result.rows],
                    "truncated": result.truncated,
                    "policy": result.notes,
                }
            )
            + "\n"
        )
    elif output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        for note in result.notes:  # on stderr: the CSV stays clean
            errors.print(f"policy: {note}", markup=False)
    else:
        render_result(result)


def render_result(result: QueryResult) -> None:
    table = Table(*result.columns, show_lines=False)
    for row in result.rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)
    more = " (truncated)" if result.truncated else ""
    console.print(f"{len(result.rows)} rows{more} in {result.seconds * 1000:.0f} ms", style="dim")
    for note in result.notes:
        console.print(f"policy: {note}", style="dim", markup=False)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(sql)
