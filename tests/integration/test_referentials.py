"""Referentials: load the shipped COG/NAF/NC8 files, list/show them, match a column, cog_passage from SQL.

The full load takes a few seconds, so it runs once per backend (module-scoped `loaded`); tests that
change nothing share it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

import patrimoine
from patrimoine.cli import referentials as cli
from pgserver import create_database, drop_database

KINDS = {"cog_commune", "cog_departement", "cog_region", "cog_mouvement", "cog_passage", "naf", "nc8"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A platform with every referential loaded, one per backend, shared by the module's tests."""
    home = tmp_path_factory.mktemp("referentials") / "home"
    admin_url = request.getfixturevalue("postgres_admin_url") if request.param == "postgresql" else None
    url = create_database(admin_url) if admin_url else f"sqlite:///{home.parent}/patrimoine.db"
    p = patrimoine.open(home, database_url=url)
    started = time.perf_counter()
    p.load_results = p.referentials.load()
    p.load_seconds = time.perf_counter() - started
    try:
        yield p
    finally:
        p.close()
        if admin_url:
            drop_database(admin_url, url)


def test_load_all_records_every_version(loaded: Any) -> None:
    assert {r.status for r in loaded.load_results} == {"created"}
    found = loaded.referentials.list()
    assert {r.kind for r in found} == KINDS
    assert all(r.table_name.startswith("referentiel.") and r.licence and r.source for r in found)
    communes = loaded.referentials.get("cog_communes_2026")
    assert (communes.version, communes.code_column, communes.label_column) == ("2026", "com", "libelle")
    # Arrondissements municipaux are in the commune referential.
    arm = loaded.sql("SELECT libelle FROM referentiel.cog_communes_2026 WHERE typecom = 'ARM' AND com = '75101'")
    assert arm.rows == [("Paris 1er Arrondissement",)]
    naf = loaded.sql("SELECT niv1, niv2, niv3, niv4 FROM referentiel.naf_rev2 WHERE niv5 = '62.01Z'")
    assert naf.rows == [("J", "62", "62.0", "62.01")]
    assert loaded.dataset("referentiel.nc8_2025").row_count == 9778
    assert [r.kind for r in loaded.referentials.list("naf")] == ["naf"]


def test_reload_is_a_no_op(loaded: Any) -> None:
    before = loaded.referentials.list()
    again = loaded.referentials.load(["naf_rev2", "cog_passage"])
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert loaded.referentials.list() == before  # loaded_at kept
    assert loaded.dataset("referentiel.cog_passage").version == 1


def test_match_rates_explains_merged_communes(loaded: Any) -> None:
    column = ["01001", "75056", "75101", "2A004", "1001", "01330", "14513", "zzz", "99999", None, "01001"]
    [match] = loaded.referentials.match_rates(column, "cog_commune")
    assert (match.referential, match.distinct, match.matched) == ("cog_communes_2026", 9, 5)
    assert match.rate == pytest.approx(5 / 9)
    successors = {m.code: (m.successor, m.mod) for m in match.merged}
    # Ruffieu joined the commune nouvelle Haut Valromey in 2025; Pont-Farcy changed département (14 -> 50)
    # in 2018 then merged into Tessy-Bocage: the chain is followed to the 2026 code.
    assert successors == {"01330": ("01187", "32"), "14513": ("50592", "41")}
    assert "suggested successor codes 01330 → 01187 (Haut Valromey)" in match.message
    assert match.unmatched_examples == ["01330", "14513", "99999", "zzz"]


def test_match_rates_accepts_arrow_and_normalises(loaded: Any) -> None:
    [match] = loaded.referentials.match_rates(pa.array(["0111Z", "01.11Z", "62.01z", "nope"]), "naf")
    assert (match.distinct, match.matched) == (4, 3)
    [nc8] = loaded.referentials.match_rates(["0101 21 00", "1012100", "01012100"], "nc8")
    assert nc8.rate == 1.0


def test_cog_passage_from_sql(loaded: Any) -> None:
    result = loaded.sql(
        "WITH data(code_ancien, n) AS (VALUES ('01330', 3), ('01187', 4), ('14513', 5)) "
        "SELECT p.code_actuel, sum(n) FROM data JOIN referentiel.cog_passage p USING (code_ancien) "
        "GROUP BY 1 ORDER BY 1"
    )
    assert result.rows == [("01187", 7), ("50592", 5)]


def test_detect_kind(loaded: Any) -> None:
    naf = loaded.sql("SELECT niv5 FROM referentiel.naf_rev2 USING SAMPLE 200 ROWS").rows
    assert loaded.referentials.detect_kind([r[0] for r in naf] + ["00.00X"]) == ["naf"]
    communes = ["01001", "13055", "2A004", "75056", "69123", "33063", "59350", "97411", "01330", "31555"]
    assert loaded.referentials.detect_kind(communes)[0] == "cog_commune"
    postcodes = ["75001", "75002", "69001", "13001", "33000", "59000", "31000", "44000", "67000", "06000"]
    assert loaded.referentials.detect_kind(postcodes) == []
    assert loaded.referentials.detect_kind([]) == []


def test_bad_input(platform: Any) -> None:
    with pytest.raises(patrimoine.NotFound, match="unknown referential 'cog_1999'; known: cog_communes_2026"):
        platform.referentials.load(["naf_rev2", "cog_1999"])
    assert platform.referentials.list() == []  # nothing loaded: names are checked first
    with pytest.raises(patrimoine.NotFound, match="not loaded yet: run `patrimoine referentiel load naf_rev2`"):
        platform.referentials.get("naf_rev2")
    with pytest.raises(patrimoine.NotFound, match="no referential of kind naf is loaded"):
        platform.referentials.match_rates(["01.11Z"], "naf")
    with pytest.raises(patrimoine.InputError, match="unknown referential kind 'siren'"):
        platform.referentials.match_rates(["123"], "siren")


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context, home: Path = typer.Option(...)) -> None:  # noqa: B008
        ctx.obj = home

    cli.register(app)
    return app


def test_cli_list_show_load(loaded: Any) -> None:
    runner, app = CliRunner(), _app()
    env = {"PATRIMOINE_DATABASE_URL": loaded.settings.database_url}
    home = str(loaded.settings.home)

    def run(*args: str) -> Any:
        done = runner.invoke(app, ["--home", home, "referentiel", *args], env=env)
        assert done.exit_code == 0, done.output
        return json.loads(done.stdout) if "--json" in args else done.stdout

    assert {r["name"] for r in run("list", "--json")} >= {"cog_passage", "naf_rev2", "nc8_2025"}
    assert [r["name"] for r in run("list", "--kind", "nc8", "--json")] == ["nc8_2025"]
    assert run("show", "naf_rev2", "--json")["table_name"] == "referentiel.naf_rev2"
    assert "referentiel.naf_rev2" in run("show", "naf_rev2")
    assert [r["status"] for r in run("load", "cog_regions_2024", "--json")] == ["unchanged"]
    unknown = runner.invoke(app, ["--home", home, "referentiel", "show", "nope"], env=env)
    assert unknown.exit_code != 0 and "unknown referential 'nope'" in str(unknown.exception)
