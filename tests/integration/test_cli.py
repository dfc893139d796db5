"""The `patrimoine` command: --json everywhere, --help that explains, one-line errors and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("patrimoine")


def run(home: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRIMOINE_")}
    if database_url:
        env["PATRIMOINE_DATABASE_URL"] = database_url
    return subprocess.run(
        [str(BIN), "--home", str(home), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "communes.csv"
    path.write_text("code_commune;population\n01001;832\n2A004;71361\n", encoding="utf-8")
    return path


def test_round_trip_with_json(tmp_path: Path, csv_file: Path, database_url: str) -> None:
    home = tmp_path / "home"
    done = run(home, "ingest", str(csv_file), "--table", "insee.communes", "--title", "Communes", "--json",
               database_url=database_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "created" and result["rows"] == 2 and result["version"] == 1

    shown = json.loads(run(home, "show", "insee.communes", "--json", database_url=database_url).stdout)
    assert [c["original_name"] for c in shown["columns"]] == ["code_commune", "population"]
    assert shown["columns"][0]["type"] == "VARCHAR"

    described = run(home, "describe", "insee.communes", "--column", "population=Population municipale",
                    "--keyword", "cog", "--frequency", "annual", "--json", database_url=database_url)  # fmt: skip
    assert described.returncode == 0, described.stderr
    assert json.loads(described.stdout)["columns"][1]["description"] == "Population municipale"

    found = json.loads(run(home, "search", "population", "--json", database_url=database_url).stdout)
    assert found["hits"][0]["table"] == "insee.communes"

    listed = json.loads(run(home, "list", "--json", database_url=database_url).stdout)
    assert [d["name"] for d in listed] == ["communes"]

    query = run(home, "sql", "SELECT code_commune FROM insee.communes ORDER BY 1", "--format", "csv",
                database_url=database_url)  # fmt: skip
    assert query.stdout.splitlines() == ["code_commune", "01001", "2A004"]
    as_json = json.loads(run(home, "sql", "SELECT count(*) AS n FROM insee.communes", "--json",
                             database_url=database_url).stdout)  # fmt: skip
    assert as_json["rows"] == [{"n": 2}]


@pytest.mark.parametrize(
    ("args", "needle", "code"),
    [
        (["ingest", "{missing}", "--table", "insee.x"], "file not found", 2),
        (["ingest", "{csv}", "--table", "Bad Name"], "NAMESPACE.NAME", 2),
        (["ingest", "{csv}", "--table", "insee.x", "--mode", "replace"], "mode must be", 2),
        (["show", "insee.absent"], "no dataset insee.absent", 3),
        (["sql", "DROP TABLE insee.x"], "only SELECT", 2),
        (["describe", "insee.absent", "--title", "x"], "no dataset", 3),
    ],
)
def test_errors_are_one_line(tmp_path: Path, csv_file: Path, args: list[str], needle: str, code: int) -> None:
    args = [a.format(missing=tmp_path / "nope.csv", csv=csv_file) for a in args]
    done = run(tmp_path / "home", *args)
    assert done.returncode == code
    assert done.stderr.startswith("error: ") and needle in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr + done.stdout


def test_file_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b,c\n1,2,3\n4,5\n", encoding="utf-8")
    done = run(tmp_path / "home", "ingest", str(bad), "--table", "insee.r")
    assert done.returncode == 2
    assert f"{bad}, line 3: expected 3 fields" in done.stderr


def test_every_command_has_help_and_json() -> None:
    from typer.testing import CliRunner

    from patrimoine.cli.main import app

    runner = CliRunner()
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    assert {"ingest", "sql", "search", "describe", "show", "list"} <= names
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        page = runner.invoke(app, [name, "--help"], terminal_width=200)
        assert page.exit_code == 0, name
        assert "--json" in page.output, f"{name} has no --json"
        doc = command.callback.__doc__ if command.callback else ""
        assert doc and doc.splitlines()[0].strip() in page.output, f"{name} has no help text"
