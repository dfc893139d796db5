"""Commands to understand the data: `classify` a table's columns, `review` labels, levels and legal regimes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import emit
from patrimoine.model import TableSensitivity

BY_OPTION = typer.Option("--by", help="Who decides (default: PATRIMOINE_USER or the system user).")
review_app = typer.Typer(
    help="Review what classification found: confirm or reject labels, set levels, declare legal regimes. "
    "Decisions are kept with who and when, and survive later ingests.",
    no_args_is_help=True,
)


def render(c: Console, s: TableSensitivity, explain: bool = False) -> None:
    regimes = f"; regimes: {', '.join(s.regimes)}" if s.regimes else ""
    c.print(f"[bold]{s.table}[/bold]: level [bold]{s.level}[/bold]{regimes}")
    for reason in s.reasons:
        c.print(f"  {reason}", markup=False)
    table = Table("column", "level", "labels", *(["why"] if explain else []))
    for col in s.columns:
        labels = ", ".join(f"{lab.label} ({lab.status}, {lab.confidence:.2f})" for lab in col.labels)
        row = [col.column, col.level, labels]
        if explain:
            evidence = [f"{lab.label}: {lab.evidence}; e.g. {', '.join(lab.examples)}" for lab in col.labels]
            row.append("\n".join(evidence + [f"not {t}" for t in col.turned_down] + col.reasons))
        table.add_row(*row)
    c.print(table)


def classify(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Show the evidence, masked examples, and the labels considered and turned down, with why."
        ),
    ] = False,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Detect what each column holds (NIR, e-mail, IBAN, SIREN, names...) and derive sensitivity levels.

    Runs at every ingest too; run it again after changing the [sensitivity] configuration.
    """
    with platform(ctx) as p:
        result = p.classify(table)
    emit(result, as_json, lambda c: render(c, result, explain))


@review_app.command("list")
def review_list(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Show the labels, levels and regimes of a table, with their reasons."""
    with platform(ctx) as p:
        result = p.sensitivity(table)
    emit(result, as_json, lambda c: render(c, result, True))


def _decide(
    ctx: typer.Context,
    table: str,
    column: str,
    label: str,
    status: str,
    by: str | None,
    comment: str | None,
    as_json: bool,
) -> None:
    with platform(ctx) as p:
        result = p.review_label(table, column, label, status, by=by, comment=comment)
    emit(result, as_json, lambda c: render(c, result))


@review_app.command()
def confirm(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    column: Annotated[str, typer.Argument(help="Column (SQL name).")],
    label: Annotated[str, typer.Argument(help="Label, e.g. siren, nir, email; a new one is added.")],
    by: Annotated[str | None, BY_OPTION] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Why.")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Confirm a label on a column (or add one that detection missed)."""
    _decide(ctx, table, column, label, "confirmed", by, comment, as_json)


@review_app.command()
def reject(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    column: Annotated[str, typer.Argument(help="Column (SQL name).")],
    label: Annotated[str, typer.Argument(help="Label to reject.")],
    by: Annotated[str | None, BY_OPTION] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Why.")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Reject a label: it no longer counts towards the level, and later ingests keep it rejected."""
    _decide(ctx, table, column, label, "rejected", by, comment, as_json)


@review_app.command()
def level(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    value: Annotated[str | None, typer.Argument(help="Level (public, interne, restreint, secret by default).")] = None,
    column: Annotated[str | None, typer.Option("--column", help="A column's level instead of the table's.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (required to set a level).")] = "",
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove the decision: the derived level applies again.")
    ] = False,
    by: Annotated[str | None, BY_OPTION] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Set a level by hand on a table or a column, overriding the derived one (with a reason)."""
    if not clear and value is None:
        raise typer.BadParameter("give a LEVEL, or --clear")
    with platform(ctx) as p:
        result = p.review_level(table, None if clear else value, column=column, by=by, reason=reason)
    emit(result, as_json, lambda c: render(c, result))


@review_app.command()
def regime(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    name: Annotated[
        str, typer.Argument(help="rgpd, secret_fiscal, secret_statistique, secret_affaires, diffusion_restreinte.")
    ],
    remove: Annotated[bool, typer.Option("--remove", help="Withdraw the declaration.")] = False,
    by: Annotated[str | None, BY_OPTION] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Declare a legal regime that applies to a table (the owner's declaration raises its level)."""
    with platform(ctx) as p:
        result = p.declare_regime(table, name, by=by, remove=remove)
    emit(result, as_json, lambda c: render(c, result))


def register(app: typer.Typer) -> None:
    app.command()(classify)
    app.add_typer(review_app, name="review")
