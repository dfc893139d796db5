"""`patrimoine zone` (show, set, list) and `patrimoine compliance`: where tables live, and which ones may not."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import emit
from patrimoine.errors import PatrimoineError
from patrimoine.hosting import HostingRules, Placement, Violation
from patrimoine.hosting import service as zones

zone_app = typer.Typer(
    help="Hosting zones: where each table lives (cloud_public, cloud_secnumcloud, cloud_interne, "
    "on_premise_homologue by default), and which levels each zone allows. A zone is a declared placement.",
    no_args_is_help=True,
)


class NonCompliant(PatrimoineError):
    code = "compliance"
    exit_code = 9


def render_placement(c: Console, p: Placement) -> None:
    where = f" ({p.label}; {p.qualification})" if p.label else " (not declared in the rule file)"
    c.print(f"[bold]{p.table}[/bold]: zone [bold]{p.zone}[/bold]{where}", highlight=False)
    if p.declared and p.set_at is not None:
        c.print(f"  placed by {p.set_by} on {p.set_at:%Y-%m-%d %H:%M} UTC", markup=False, highlight=False)
    else:
        c.print("  no zone recorded: the rule file's default_zone applies", markup=False)
    regimes = f"; regimes: {', '.join(p.regimes)}" if p.regimes else ""
    c.print(f"  level {p.level}{regimes}; may live in: {', '.join(p.allowed) or 'no zone'}", markup=False)
    if p.violation is not None:
        c.print(f"[red]not allowed[/red]: {p.violation.message()}", highlight=False)
        c.print(f"  what to do: {p.violation.action}", markup=False, highlight=False)


def render_zones(c: Console, rules: HostingRules) -> None:
    table = Table("zone", "label", "qualification", "levels allowed", "regimes refused")
    for s in rules.summary():
        name = f"{s.zone.name} (default)" if s.default else s.zone.name
        table.add_row(name, s.zone.label, s.zone.qualification, ", ".join(s.levels), ", ".join(s.regimes_refused))
    c.print(table)
    c.print(f"rules: {rules.source}", markup=False, highlight=False)


def render_report(c: Console, violations: list[Violation], source: str) -> None:
    if not violations:
        c.print(f"every table lives in a zone its level and regimes allow (rules: {source})", markup=False)
        return
    table = Table("table", "level", "zone", "forbidden by", "what to do")
    for v in violations:
        level = f"{v.level} ({', '.join(v.regimes)})" if v.regimes else v.level
        table.add_row(v.table, level, v.zone, "\n".join(v.rules), v.action)
    c.print(table)
    c.print(f"rules: {source}", markup=False, highlight=False)


@zone_app.command("show")
def show(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Show a table's zone, who placed it there, its level and the zones that level allows."""
    with platform(ctx) as p:
        found = p.zone(table)
    emit(found, as_json, lambda c: render_placement(c, found))


@zone_app.command("set")
def set_(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="NAMESPACE.NAME")],
    zone: Annotated[str, typer.Argument(help="A zone of the rule file (see `patrimoine zone list`).")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Move a table to another zone: refused, with the rule, if its level or regimes do not allow it there.

    For admins, data officers and the table's owner or steward; audited. The zone is a declared placement:
    no file is copied.
    """
    with platform(ctx) as p:
        found = p.move(table, zone)
    emit(found, as_json, lambda c: render_placement(c, found))


@zone_app.command("list")
def list_(ctx: typer.Context, as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """List the zones of the rule file in force, with the levels each allows and the regimes each refuses."""
    with platform(ctx) as p:
        rules = p.hosting
    data = {"source": rules.source, "default_zone": rules.default_zone, "zones": rules.summary()}
    emit(data, as_json, lambda c: render_zones(c, rules))


def compliance(
    ctx: typer.Context,
    init: Annotated[
        bool,
        typer.Option(
            "--init", help="Write the commented default rule file to HOME/hosting.toml, to edit (never overwrites)."
        ),
    ] = False,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Report every table living in a zone its level or regimes do not allow, with the rule and what to do.

    Exits 9 when there is at least one. Run it after a re-classification, a declared regime or a rule change.
    """
    with platform(ctx) as p:
        if init:
            path = zones.init_file(p.settings.home)
            emit({"written": str(path)}, as_json, lambda c: c.print(f"wrote {path}: edit it", markup=False))
            return
        source = p.hosting.source
        found = p.compliance()
    emit({"source": source, "violations": found}, as_json, lambda c: render_report(c, found, source))
    if found:
        raise NonCompliant(f"{len(found)} table(s) in a zone their level or regimes do not allow")


def register(app: typer.Typer) -> None:
    app.add_typer(zone_app, name="zone")
    app.command()(compliance)
