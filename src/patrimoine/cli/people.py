"""`patrimoine user`: register people, give and take roles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import emit
from patrimoine.model import User

user_app = typer.Typer(
    help="People: users with a department, a clearance and roles (admin, data_officer, owner, steward, analyst, "
    "anonymous). Every change is audited.",
    no_args_is_help=True,
)


def render(c: Console, found: list[User]) -> None:
    table = Table("e-mail", "name", "department", "clearance", "roles", "groups", "attributes")
    for u in found:
        attributes = "; ".join(f"{k}={','.join(v)}" for k, v in u.attributes.items())
        table.add_row(
            u.email, u.name or "", u.department or "", u.clearance, ", ".join(u.roles), ", ".join(u.groups), attributes
        )
    c.print(table)


@user_app.command()
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail, their identifier.")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="Role (repeat): admin, data_officer, owner, steward, analyst, anonymous."),
    ],
    clearance: Annotated[
        str,
        typer.Option(
            "--clearance",
            help="Highest sensitivity level they may be cleared for (public, interne, restreint, secret by default).",
        ),
    ],
    department: Annotated[str | None, typer.Option("--department", help="Their department, e.g. dgfip.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Full name.")] = None,
    group: Annotated[list[str] | None, typer.Option("--group", help="Group (repeat).")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Register a user."""
    with platform(ctx) as p:
        user = p.user_add(email, roles=role, clearance=clearance, department=department, name=name, groups=group)
    emit(user, as_json, lambda c: render(c, [user]))


@user_app.command("list")
def list_(ctx: typer.Context, as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """List the users, their roles and groups."""
    with platform(ctx) as p:
        found = p.users()
    emit(found, as_json, lambda c: render(c, found))


@user_app.command()
def grant(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    role: Annotated[str, typer.Argument(help="Role to give.")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Give a role to a user."""
    with platform(ctx) as p:
        user = p.user_grant(email, role)
    emit(user, as_json, lambda c: render(c, [user]))


@user_app.command()
def revoke(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    role: Annotated[str, typer.Argument(help="Role to take back.")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Take a role back from a user."""
    with platform(ctx) as p:
        user = p.user_revoke(email, role)
    emit(user, as_json, lambda c: render(c, [user]))


@user_app.command("set")
def set_(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    attribute: Annotated[str, typer.Argument(help="Attribute name, e.g. departements.")],
    values: Annotated[list[str] | None, typer.Argument(help="Its values (none: remove it), e.g. 75 92.")] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Set an attribute that row filters read as user.ATTRIBUTE (e.g. departements 75 92)."""
    with platform(ctx) as p:
        user = p.user_set(email, attribute, values or [])
    emit(user, as_json, lambda c: render(c, [user]))


@user_app.command()
def whoami(ctx: typer.Context, as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """Who patrimoine thinks you are (PATRIMOINE_USER, else the system user; admin while nobody is registered)."""
    with platform(ctx) as p:
        user = p.user()
    emit(user, as_json, lambda c: render(c, [user]))


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
