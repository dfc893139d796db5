"""`patrimoine demo` end to end, on SQLite and PostgreSQL: every example lands whole, and a second run changes nothing."""

from __future__ import annotations

import csv
import json
import re
import tomllib
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

import patrimoine
from patrimoine.cli.main import app
from patrimoine.errors import InputError, NotFound
from patrimoine.examples import read_manifest, repository_examples

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def _xlsx_rows(path: Path) -> int:
    """Non-empty rows of the first sheet, read from its XML without any spreadsheet library."""
    count = 0
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        for _, element in ElementTree.iterparse(sheet):
            if element.tag == f"{_SHEET}row":
                count += any(cell.find(f"{_SHEET}v") is not None for cell in element)
                element.clear()
    return count - 1


def _json_rows(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    return len(data["marches"] if isinstance(data, dict) else data)


def expected_rows() -> dict[str, int]:
    """Data rows of each example file, counted here independently of patrimoine's readers."""
    with (EXAMPLES / "catalogue.toml").open("rb") as f:
        manifest = tomllib.load(f)["dataset"]
    counters = {".csv": _csv_rows, ".xlsx": _xlsx_rows, ".json": _json_rows}
    return {entry["table"]: counters[Path(entry["file"]).suffix](EXAMPLES / entry["file"]) for entry in manifest}


def _demo(home: Path, database_url: str, *args: str) -> Any:
    result = CliRunner().invoke(
        app, ["--home", str(home), "demo", *args], env={"PATRIMOINE_DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result


def test_examples_folder_is_the_repository_one() -> None:
    assert repository_examples() == EXAMPLES
    assert [e.table for e in read_manifest(EXAMPLES)] == list(expected_rows())


@pytest.mark.slow  # loads 8 MB of real files twice, on each backend
def test_demo_loads_every_example_and_a_second_run_is_a_noop(home: Path, database_url: str) -> None:
    expected = expected_rows()
    assert len(expected) == 7 and all(n > 0 for n in expected.values())

    first = _demo(home, database_url)
    assert "What to try next" in first.stdout
    assert "Abzac" in first.stdout  # the DVF x COG x EPCI join found its commune
    for table in expected:
        assert table in first.stdout

    with patrimoine.open(home, database_url=database_url) as p:
        before = {d.qualified_name: d for d in p.datasets()}
        assert set(before) == set(expected)
        for table, rows in expected.items():
            assert before[table].row_count == rows, table
            assert p.sql(f"SELECT count(*) FROM {table}").rows == [(rows,)], table
            assert before[table].version == 1
        dvf = p.dataset("dgfip.dvf_abzac_2021")
    assert dvf.licence and dvf.licence.startswith("Licence Ouverte")
    assert dvf.frequency == "semiannual" and "DVF" in dvf.keywords
    assert str(dvf.temporal_start) == "2021-01-01"
    assert next(c for c in dvf.columns if c.name == "valeur_fonciere").description

    second = _demo(home, database_url, "--json")
    summary = json.loads(second.stdout)  # progress goes to stderr: stdout is one JSON document
    assert [x["table"] for x in summary["loaded"]] == list(expected)
    assert {x["status"] for x in summary["loaded"]} == {"unchanged"}
    assert all(x["described"] == [] for x in summary["loaded"])
    assert {x["table"]: x["rows"] for x in summary["loaded"]} == expected
    assert summary["sql"]["rows"][0]["commune"] == "Abzac"
    assert summary["sql"]["rows"][0]["ventes"] > 0
    assert any(hit["table"] == "dgfip.dvf_abzac_2021" for s in summary["searches"] for hit in s["hits"])
    assert summary["next"] and all(step.startswith(f"patrimoine --home {home}") for step in summary["next"])

    with patrimoine.open(home, database_url=database_url) as p:
        after = {d.qualified_name: d for d in p.datasets()}
    for table, dataset in before.items():
        assert after[table].version == dataset.version, table
        assert after[table].updated_at == dataset.updated_at, f"{table} was rewritten by the second run"


def test_demo_names_a_missing_examples_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "demo", "--examples", str(tmp_path)])
    assert isinstance(result.exception, NotFound)
    assert "catalogue.toml not found" in str(result.exception)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ('[[dataset]]\nfile = "a.csv"\ntable = "x.a"\ncolour = "blue"\n', "unknown keys colour"),
        ('[[dataset]]\nfile = "missing.csv"\ntable = "x.a"\n', "'missing.csv' not found"),
        ('[[dataset]]\ntable = "x.a"\n', "'file' and 'table' are required"),
        ("title = 1\n", "no [[dataset]] entries"),
    ],
)
def test_manifest_errors_are_named(tmp_path: Path, manifest: str, message: str) -> None:
    (tmp_path / "a.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "catalogue.toml").write_text(manifest, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        read_manifest(tmp_path)
