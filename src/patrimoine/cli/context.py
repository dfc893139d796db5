"""Opening the platform from a command's context."""

from __future__ import annotations

from pathlib import Path

import typer

import patrimoine
from patrimoine.platform import Platform

JSON_OPTION = typer.Option("--json", help="Print machine-readable JSON instead of tables.")


def platform(ctx: typer.Context) -> Platform:
    home: Path | None = ctx.find_root().obj
    return patrimoine.open(home)
