"""The `patrimoine` command. Thin: parse, call the Platform, render; errors are one line on stderr."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import click
import typer

from patrimoine.cli import access, audit, catalogue, demo, glossary, hosting, lake, people, policy, referentials, review
from patrimoine.cli.output import errors
from patrimoine.errors import PatrimoineError

INTERRUPTED = 130  # the shell's code for a process ended by Ctrl-C
# Typer 0.24+ bundles its own copy of click: usage errors come from either, so both are caught.
USAGE_ERRORS = (click.ClickException, typer.TyperException)
EXITS = (click.exceptions.Exit, typer.Exit)
ABORTS = (KeyboardInterrupt, click.exceptions.Abort, typer.Abort)

app = typer.Typer(
    name="patrimoine",
    help="The ministry's data platform: ingest files into a governed Iceberg lake, catalogue and search "
    "them, query them with SQL. Every command takes --json for scripts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="PATRIMOINE_HOME",
            help="Folder of the embedded platform (SQLite file and warehouse). Default: ./.patrimoine",
        ),
    ] = None,
) -> None:
    ctx.obj = home


lake.register(app)
catalogue.register(app)
demo.register(app)
review.register(app)
referentials.register(app)
glossary.register(app)
audit.register(app)
people.register(app)
access.register(app)
policy.register(app)
hosting.register(app)


def main() -> None:
    """Entry point: maps every failure to a clear line and an exit code, never a traceback."""
    try:
        code = app(standalone_mode=False)
        if code == INTERRUPTED:  # click turns Ctrl-C into this return value when not standalone
            raise KeyboardInterrupt
    except EXITS as exc:
        sys.exit(exc.exit_code)
    except ABORTS:
        errors.print("interrupted: nothing was committed by the interrupted step")
        sys.exit(INTERRUPTED)
    except USAGE_ERRORS as exc:
        exc.show()  # type: ignore[union-attr]
        sys.exit(getattr(exc, "exit_code", 2))
    except RuntimeError as exc:  # DuckDB reports Ctrl-C during a query as "Query interrupted"
        if "interrupted" not in str(exc).lower():
            _internal(exc)
        errors.print("interrupted: nothing was committed by the interrupted step")
        sys.exit(INTERRUPTED)
    except PatrimoineError as exc:
        errors.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        _internal(exc)


def _internal(exc: Exception) -> None:
    """A bug: one line, details only on demand."""
    if os.environ.get("PATRIMOINE_DEBUG"):
        raise exc
    errors.print(
        f"internal error: {type(exc).__name__}: {exc} (run with PATRIMOINE_DEBUG=1 for details)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    sys.exit(70)


if __name__ == "__main__":
    main()
