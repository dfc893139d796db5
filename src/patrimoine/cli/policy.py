"""`patrimoine policy`: the access policy as data: show, export and import as YAML, history of versions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.output import emit, to_json
from patrimoine.errors import InputError
from patrimoine.policy import from_yaml, to_yaml

policy_app = typer.Typer(
    help="The access policy (masks by label or level, row filters, discovery): versioned, exported and imported "
    "as YAML. Data officers and admins change it; every version is kept and audited.",
    no_args_is_help=True,
)


@policy_app.command()
def show(
    ctx: typer.Context,
    version: Annotated[
        int | None, typer.Option("--version", help="An earlier version (0: the built-in default).")
    ] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Print the policy in force (or a given version) as YAML."""
    with platform(ctx) as p:
        number, document = p.policy(version)
    if as_json:
        sys.stdout.write(
            to_json({"version": number, "policy": document.model_dump(mode="json", exclude_none=True)}) + "\n"
        )
    else:
        sys.stdout.write(f"# patrimoine access policy, version {number}\n{to_yaml(document)}")


@policy_app.command("set")
def set_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A YAML policy (as printed by `patrimoine policy show`).")],
    comment: Annotated[str, typer.Option("--comment", help="Why it changes (kept with the version).")],
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Store a new version of the policy from a YAML file; it applies to every read from now on."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the policy: {exc}", file=file) from None
    with platform(ctx) as p:
        version = p.set_policy(from_yaml(text, str(file)), comment)
    emit({"version": version}, as_json, lambda c: c.print(f"policy version {version} in force"))


@policy_app.command()
def history(ctx: typer.Context, as_json: Annotated[bool, JSON_OPTION] = False) -> None:
    """The policy's versions: who changed it, when and why."""
    with platform(ctx) as p:
        found = p.policy_history()

    def render(c: Console) -> None:
        table = Table("version", "at", "by", "comment")
        for h in found:
            table.add_row(str(h["version"]), f"{h['at']:%Y-%m-%d %H:%M}", h["by"], h["comment"])
        c.print(table if found else "only the built-in default (version 0) so far")

    emit(found, as_json, render)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
