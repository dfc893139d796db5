"""Documentation is part of done: every command and option of the CLI is documented somewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from patrimoine.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def _docs() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)


def _commands(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every command and sub-command, with its full name (`patrimoine access grant`)."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, f"{path} {name}")


def test_every_command_and_option_is_documented() -> None:
    docs = _docs()
    missing = []
    for name, command in _commands(typer.main.get_command(app), "patrimoine"):
        if name != "patrimoine" and name not in docs:
            missing.append(f"command {name}")
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help",) and opt not in docs:
                    missing.append(f"{name} {opt}")
    assert not missing, f"undocumented: {', '.join(missing)}"


def test_sparkline_draws_a_histogram() -> None:
    from patrimoine.cli.catalogue import sparkline

    assert sparkline([]) == ""
    line = sparkline([(0.0, 1.0, 100), (1.0, 2.0, 50), (9.0, 10.0, 1)])
    assert len(line) == 10 and line[0] == "█" and line[1] < line[0] and line[2:9] == " " * 7 and line[9] == "▁"
