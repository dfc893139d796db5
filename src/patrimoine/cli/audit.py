"""`patrimoine audit`: check the audit log's chain, search it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import emit
from patrimoine.errors import InputError, PatrimoineError
from patrimoine.model import AuditRecord

audit_app = typer.Typer(
    help="The audit log: every read and change, with who, when, the decision and its reasons, hash-chained.",
    no_args_is_help=True,
)


class Tampered(PatrimoineError):
    code = "audit"
    exit_code = 8


@audit_app.command()
def verify(ctx: typer.Context, as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Check the whole chain: exits 8 naming each altered, inserted or deleted record."""
    with platform(ctx) as p:
        result = p.audit_verify()
    data = {"ok": result.ok, "records": result.records, "problems": result.problems}
    emit(
        data,
        as_json,
        lambda c: c.print(
            f"audit log intact: {result.records:,} records chained" if result.ok else "\n".join(result.problems),
            markup=False,
        ),
    )
    if not result.ok:
        raise Tampered(f"the audit log was tampered with: {len(result.problems)} problem(s)")


@audit_app.command("search")
def search_(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option("--actor", help="Who acted.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Kind of action, or its start (e.g. sql, ingest).")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="What it was done to, or its start (e.g. dgfip.).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From this date-time on (ISO, e.g. 2026-12-04T09:00).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most recent records shown.")] = 50,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Search the audit log, newest first."""
    try:
        moment = datetime.fromisoformat(since).astimezone() if since else None
    except ValueError:
        raise InputError(f"--since {since!r} is not an ISO date-time") from None
    with platform(ctx) as p:
        found = p.audit_search(actor=actor, action=action, target=target, since=moment, limit=limit)
    emit(found, as_json, lambda c: render(c, found))


def render(c: Console, records: list[AuditRecord]) -> None:
    table = Table("#", "when (UTC)", "who", "action", "target", "decision", "reasons")
    for r in records:
        table.add_row(
            str(r.seq), f"{r.at:%Y-%m-%d %H:%M:%S}", r.actor, r.action, r.target, r.decision, "; ".join(r.reasons)
        )
    c.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
