"""`patrimoine access`: what a user gets of a table and why; grants, access requests and notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import emit
from patrimoine.errors import InputError
from patrimoine.model import AccessRequest, Decision, Grant, Notification

access_app = typer.Typer(
    help="Access to the data: explain a decision, grant or revoke, ask for a table and decide requests. "
    "Every decision comes from the one policy engine, with its reasons; every change is audited.",
    no_args_is_help=True,
)
TABLE = typer.Argument(help="The table, as namespace.table.")
COLUMNS = typer.Option("--column", help="Only this column (repeat); default: the whole table.")


def render_decision(c: Console, d: Decision, column: str | None) -> None:
    verdict = "may read" if d.read else ("may see in the catalogue, not read" if d.discover else "may not see")
    c.print(f"{d.user} {verdict} {d.table} (policy version {d.policy_version})", markup=False)
    for reason in d.reasons:
        c.print(f"  - {reason}", markup=False)
    columns = [x for x in d.columns if column is None or x.column == column]
    if columns:
        table = Table("column", "level", "gets", "why")
        for x in columns:
            table.add_row(x.column, x.level, x.mask or "clear", "; ".join(x.reasons))
        c.print(table)
    for f in d.row_filters:
        c.print(f"  rows: {f.reason}", markup=False)


@access_app.command()
def explain(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="The user's e-mail (or `anonymous`).")],
    table: Annotated[str, TABLE],
    column: Annotated[str | None, typer.Argument(help="Only this column.")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Say what USER gets of a table (and of each column): read or not, masks, row filters, with the reasons."""
    with platform(ctx) as p:
        decision = p.access(table, user)
    if column is not None and decision.read and decision.column(column) is None:
        raise InputError(f"{table} has no column {column}")
    emit(decision, as_json, lambda c: render_decision(c, decision, column))


def render_grants(c: Console, found: list[Grant]) -> None:
    table = Table("#", "to", "table", "columns", "purpose", "legal basis", "until", "by", "state")
    now = datetime.now(UTC)
    for g in found:
        state = "revoked" if g.revoked_at else ("active" if g.active(now) else "expired")
        table.add_row(
            str(g.id), f"{g.subject_kind} {g.subject}", g.table, ", ".join(g.columns or ["(all)"]), g.purpose,
            g.legal_basis, f"{g.expires_at:%Y-%m-%d}", g.granted_by, state,
        )  # fmt: skip
    c.print(table)


def _expiry(until: str | None, days: int | None) -> datetime:
    if (until is None) == (days is None):
        raise InputError("say until when: give --until YYYY-MM-DD or --days N (one of them)")
    if days is not None:
        return datetime.now(UTC) + timedelta(days=days)
    try:
        moment = datetime.fromisoformat(str(until))
    except ValueError:
        raise InputError(f"--until {until!r} is not a date (YYYY-MM-DD)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@access_app.command()
def grant(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(help="The user's e-mail (or a group name with --group).")],
    table: Annotated[str, TABLE],
    purpose: Annotated[str, typer.Option("--purpose", help="What the access is for.")],
    basis: Annotated[str, typer.Option("--basis", help="The legal basis (a mission, a decree, a convention).")],
    until: Annotated[str | None, typer.Option("--until", help="Expiry date, YYYY-MM-DD.")] = None,
    days: Annotated[int | None, typer.Option("--days", help="Or: expires after this many days.")] = None,
    column: Annotated[list[str] | None, COLUMNS] = None,
    group: Annotated[bool, typer.Option("--group", help="SUBJECT is a group.")] = False,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Let a user or a group read a table (or columns) in clear, for a purpose, until a date."""
    expires_at = _expiry(until, days)
    with platform(ctx) as p:
        found = p.grant(
            subject, table, purpose=purpose, legal_basis=basis, expires_at=expires_at, columns=column, group=group
        )
    emit(found, as_json, lambda c: render_grants(c, [found]))


@access_app.command()
def grants(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Argument(help="Only grants on this table.")] = None,
    include_lapsed: Annotated[bool, typer.Option("--all", help="Also expired and revoked grants.")] = False,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """List the grants in force (or all of them)."""
    with platform(ctx) as p:
        found = p.grants(table, include_lapsed=include_lapsed)
    emit(found, as_json, lambda c: render_grants(c, found))


@access_app.command()
def revoke(
    ctx: typer.Context,
    grant_id: Annotated[int, typer.Argument(help="The grant's number.")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Withdraw a grant now; its holder is told."""
    with platform(ctx) as p:
        found = p.revoke_grant(grant_id)
    emit(found, as_json, lambda c: render_grants(c, [found]))


def render_requests(c: Console, found: list[AccessRequest]) -> None:
    table = Table("#", "by", "table", "columns", "purpose", "legal basis", "days", "status", "decided by", "comment")
    for r in found:
        table.add_row(
            str(r.id), r.requester, r.table, ", ".join(r.columns or ["(all)"]), r.purpose, r.legal_basis,
            str(r.days), r.status, r.decided_by or "", r.comment or "",
        )  # fmt: skip
    c.print(table)


@access_app.command()
def request(
    ctx: typer.Context,
    table: Annotated[str, TABLE],
    purpose: Annotated[str, typer.Option("--purpose", help="What you need it for.")],
    basis: Annotated[str, typer.Option("--basis", help="The legal basis of your access.")],
    days: Annotated[int, typer.Option("--days", help="For how many days (1-366).")] = 90,
    column: Annotated[list[str] | None, COLUMNS] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Ask for a table (or columns); its owner or steward (else the data officers) is told."""
    with platform(ctx) as p:
        found = p.request_access(table, purpose=purpose, legal_basis=basis, days=days, columns=column)
    emit(found, as_json, lambda c: render_requests(c, [found]))


@access_app.command()
def requests(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="pending, approved, refused (default: all).")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only the requests you made.")] = False,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """List the requests you made or may decide."""
    with platform(ctx) as p:
        found = p.access_requests(status=status, mine=mine)
    emit(found, as_json, lambda c: render_requests(c, found))


@access_app.command()
def approve(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="The request's number.")],
    comment: Annotated[str, typer.Option("--comment", help="A word for the requester.")] = "",
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Approve a request: a grant is created for the days asked and expires by itself."""
    with platform(ctx) as p:
        found = p.decide_request(request_id, approve=True, comment=comment)
    emit(found, as_json, lambda c: render_requests(c, [found]))


@access_app.command()
def refuse(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="The request's number.")],
    comment: Annotated[str, typer.Option("--comment", help="Why (required).")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Refuse a request, saying why; the requester is told."""
    with platform(ctx) as p:
        found = p.decide_request(request_id, approve=False, comment=comment)
    emit(found, as_json, lambda c: render_requests(c, [found]))


def render_notifications(c: Console, found: list[Notification]) -> None:
    for n in found:
        mark = " " if n.read_at else "•"
        c.print(f"{mark} {n.created_at:%Y-%m-%d %H:%M} {n.subject}\n    {n.body}", markup=False)
    if not found:
        c.print("no notifications")


@access_app.command()
def notifications(
    ctx: typer.Context,
    unread: Annotated[bool, typer.Option("--unread", help="Only those not yet read.")] = False,
    mark_read: Annotated[bool, typer.Option("--mark-read", help="Mark them read.")] = False,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Your notifications: requests to decide, decisions on yours, grants given or withdrawn."""
    with platform(ctx) as p:
        found = p.notifications(unread=unread, mark_read=mark_read)
    emit(found, as_json, lambda c: render_notifications(c, found))


def register(app: typer.Typer) -> None:
    app.add_typer(access_app, name="access")
