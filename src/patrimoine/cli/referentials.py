"""`patrimoine referentiel`: the registry of versioned referentials (COG, NAF, NC8) in the lake."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import emit
from patrimoine.referentials import SPECS, LoadResult, Referential

NAMES = ", ".join(s.name for s in SPECS)


def list_(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="Only this kind: cog_commune, naf, nc8, ...")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """List the loaded referentials: name, version, kind of code, lake table, code column, licence."""
    with platform(ctx) as p:
        found = p.referentials.list(kind)
    emit(found, as_json, lambda c: c.print(_table(found)))


def _table(found: list[Referential]) -> Table:
    # Names are meant to be copied into the next command: never cut them.
    table = Table(
        Column("name", no_wrap=True), "version", "kind", Column("table", no_wrap=True), "code", "loaded",
        title="Referentials (referentiel.*)",
    )  # fmt: skip
    for r in found:
        table.add_row(r.name, r.version, r.kind, r.table_name, r.code_column, f"{r.loaded_at:%Y-%m-%d %H:%M}")
    if not found:
        table.caption = "none loaded yet: run `patrimoine referentiel load`"
    return table


def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=f"Referential name: {NAMES}.")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Show one referential: its registry entry (latest version), source and licence."""
    with platform(ctx) as p:
        found = p.referentials.get(name)
    emit(found, as_json, lambda c: _render(c, found))


def _render(c: Console, r: Referential) -> None:
    c.print(f"[bold]{r.title}[/bold]  ({r.name} {r.version})")
    for label, value in [
        ("kind", r.kind),
        ("table", r.table_name),
        ("code column", r.code_column),
        ("label column", r.label_column),
        ("source", r.source),
        ("licence", r.licence),
        ("loaded", f"{r.loaded_at:%Y-%m-%d %H:%M:%S}"),
    ]:
        if value:
            c.print(f"  {label}: {value}", markup=False)


def load(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help=f"Referentials to load (default: all): {NAMES}.")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Load referentials into the lake (namespace referentiel); a file already loaded is left unchanged."""
    with platform(ctx) as p:
        results = p.referentials.load(names)
    emit(results, as_json, lambda c: _render_loads(c, results))


def _render_loads(c: Console, results: list[LoadResult]) -> None:
    for r in results:
        c.print(f"{r.status:>11}  {r.table}  {r.rows:,} rows  {r.seconds:.1f} s", markup=False)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="referentiel",
        help="Versioned referentials (COG communes, départements, régions and history; NAF rév. 2; NC8) "
        "as lake tables in the referentiel namespace.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    group.command("list")(list_)
    group.command()(show)
    group.command()(load)
    app.add_typer(group)
