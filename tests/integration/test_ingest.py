"""Ingest of every format into the lake, with type inference that keeps codes as text."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from patrimoine import Platform

ROOT = Path(__file__).resolve().parents[2]
FIXTURES, EXAMPLES = ROOT / "tests" / "data", ROOT / "examples"


def _types(platform: Platform, table: str) -> dict[str, str]:
    return {c.name: c.type for c in platform.dataset(table).columns}


def test_csv_codes_stay_text_and_types_are_inferred(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "communes.csv"
    path.write_text(
        "code_commune;Nom commune;Date mutation;Valeur foncière;population;siren;taux;naf\r\n"
        '01001;"L\'Abergement-Clémenciat";05/01/2021;"125 000,50";832;005520135;.1106;62.01Z\r\n'
        "2A004;Ajaccio;31/12/2021;3,25;71361;200066793;0.25;01.11Z\r\n"
        "33001;Abzac;01/02/2021;;2000;213300015;1;\r\n",
        encoding="utf-8",
    )
    result = platform.ingest(path, "insee.communes_test")
    assert result.status == "created" and result.rows == 3 and result.version == 1
    types = _types(platform, "insee.communes_test")
    assert types["code_commune"] == "VARCHAR"
    assert types["siren"] == "VARCHAR"
    assert types["naf"] == "VARCHAR"
    assert types["date_mutation"] == "DATE"
    assert types["population"] == "BIGINT"
    assert types["taux"] == "DOUBLE"
    # "125 000,50" has a space: it is not a plain decimal, so the column stays text rather than lose data
    assert types["valeur_fonciere"] == "VARCHAR"
    rows = platform.sql(
        "SELECT code_commune, siren, date_mutation, nom_commune FROM insee.communes_test ORDER BY 1"
    ).rows
    assert rows[0] == ("01001", "005520135", dt.date(2021, 1, 5), "L'Abergement-Clémenciat")
    assert rows[1][0] == "2A004"


def test_decimal_comma_becomes_decimal(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "montants.csv"
    path.write_text("exercice;montant;code\n2024;1234,56;01\n2025;-0,5;02\n2026;12;03\n", encoding="utf-8")
    platform.ingest(path, "dgfip.montants")
    types = _types(platform, "dgfip.montants")
    assert types["montant"] == "DECIMAL(18,2)" and types["exercice"] == "BIGINT" and types["code"] == "VARCHAR"
    rows = platform.sql("SELECT montant FROM dgfip.montants ORDER BY exercice").rows
    assert [r[0] for r in rows] == [Decimal("1234.56"), Decimal("-0.50"), Decimal("12.00")]


def test_original_and_safe_names_side_by_side(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "raw.txt"
    path.write_text("Code service CH|1 Articles CGI|Valeur fonciere|select\nA|B|1,00|x\n", encoding="utf-8")
    platform.ingest(path, "dgfip.raw")
    columns = [(c.original_name, c.name) for c in platform.dataset("dgfip.raw").columns]
    assert columns == [
        ("Code service CH", "code_service_ch"),
        ("1 Articles CGI", "c1_articles_cgi"),
        ("Valeur fonciere", "valeur_fonciere"),
        ("select", "select_"),
    ]


def test_cp1252_tab_file_is_detected(platform: Platform) -> None:
    source = FIXTURES / "cog2017_France2017_cp1252.txt"
    result = platform.ingest(source, "insee.cog_2017")
    assert result.rows == 39_929
    names = platform.sql("SELECT nccenr FROM insee.cog_2017 WHERE nccenr LIKE 'Saint-%tienne' ORDER BY 1 LIMIT 1").rows
    assert names and names[0][0].startswith("Saint-Étienne")
    assert _types(platform, "insee.cog_2017")["dep"] == "VARCHAR"


def test_pipe_separated_decimal_comma_crlf(platform: Platform) -> None:
    source = FIXTURES / "valeursfoncieres_format_brut_dep59_echantillon_bouchonne.txt"
    result = platform.ingest(source, "dgfip.dvf_brut")
    assert result.rows == 2500
    types = _types(platform, "dgfip.dvf_brut")
    assert types["valeur_fonciere"].startswith("DECIMAL")
    assert types["date_mutation"] == "DATE"
    assert types["code_postal"] == "VARCHAR"


def test_xlsx(platform: Platform) -> None:
    source = EXAMPLES / "dgcl_epcicom_2025.xlsx"
    result = platform.ingest(source, "dgcl.epci")
    assert result.rows == 34_871  # the sheet has 34,872 lines with its header
    types = _types(platform, "dgcl.epci")
    assert types["siren"] == "VARCHAR" and types["insee"] == "VARCHAR"
    assert platform.sql("SELECT count(*) FROM dgcl.epci WHERE insee LIKE '01%'").rows[0][0] > 0


def test_json_array_nested_and_wrapped(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "marches.json"
    records = [
        {"id": "01", "montant": 10.5, "acheteur": {"id": "213300015", "nom": "Abzac"}, "titulaires": [{"id": "x"}]},
        {"id": "02", "montant": 3, "acheteur": {"id": "200066793", "nom": "Ajaccio"}, "titulaires": []},
    ]
    path.write_text(json.dumps({"marches": records}), encoding="utf-8")
    platform.ingest(path, "daj.marches")
    columns = {c.original_name: (c.name, c.type) for c in platform.dataset("daj.marches").columns}
    assert columns["acheteur.id"] == ("acheteur_id", "VARCHAR")
    assert columns["montant"][1] == "DOUBLE"
    assert columns["titulaires"][1] == "VARCHAR"  # arrays kept as JSON text
    assert platform.sql("SELECT id, acheteur_id FROM daj.marches ORDER BY id").rows == [
        ("01", "213300015"),
        ("02", "200066793"),
    ]


def test_ndjson(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "lignes.ndjson"
    path.write_text('{"a": 1, "s": {"x": "01"}}\n{"a": 2, "s": {"x": "02"}}\n', encoding="utf-8")
    assert platform.ingest(path, "insee.lignes").rows == 2
    assert platform.sql("SELECT s_x FROM insee.lignes ORDER BY a").rows == [("01",), ("02",)]


def test_parquet_keeps_its_types(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"code": ["01001", "2A004"], "n": pa.array([1, 2], pa.int16()), "d": [dt.date(2026, 1, 1)] * 2}),
        path,
    )
    platform.ingest(path, "insee.pq")
    assert _types(platform, "insee.pq") == {"code": "VARCHAR", "n": "INTEGER", "d": "DATE"}


def test_late_value_that_breaks_the_sample_type_is_caught(platform: Platform, tmp_path: Path) -> None:
    """The sample says integer; a leading-zero code and a text value beyond it must not be mangled."""
    lines = ["num,valeur"] + [f"{10_000 + i},{i}" for i in range(60_000)] + ["01234,x", "99999,3"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    platform.ingest(path, "insee.late")
    types = _types(platform, "insee.late")
    assert types == {"num": "VARCHAR", "valeur": "VARCHAR"}
    assert platform.sql("SELECT valeur FROM insee.late WHERE num = '01234'").rows == [("x",)]


def test_profile_is_computed(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    rows = ["code,montant"] + [f"{i % 7:05d},{i}" for i in range(1000)] + [",5"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    platform.ingest(path, "insee.profiled")
    columns = {c.name: c for c in platform.dataset("insee.profiled").columns}
    code = columns["code"].profile
    assert code is not None
    assert code.rows == 1001 and code.null_share == pytest.approx(1 / 1001, abs=1e-4)
    assert code.distinct_count == 7 and code.dominant_pattern == "99999" and code.pattern_share == 1.0
    assert code.min == "00000" and code.max == "00006" and code.min_length == code.max_length == 5
    assert code.top_values[0][0] == "00000" and code.top_values[0][1] == 143
    amount = columns["montant"].profile
    assert amount is not None and amount.min == 0 and amount.max == 999
    assert sum(n for _, _, n in amount.histogram) == 1001


def test_integers_beyond_64_bits_are_not_rounded(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("montant,taux_com\n12345678901234567890,1\n12345678901234567891,2\n", encoding="utf-8")
    platform.ingest(path, "insee.big")
    assert _types(platform, "insee.big") == {"montant": "VARCHAR", "taux_com": "BIGINT"}
    assert platform.sql("SELECT count(DISTINCT montant) FROM insee.big").rows == [(2,)]


def test_profile_of_long_texts_is_exact(platform: Platform, tmp_path: Path) -> None:
    """Parquet footers cut text statistics at 256 characters: min and max must come from the data then."""
    path = tmp_path / "long.csv"
    longest = "z" * 300 + "9"
    path.write_text(f"texte,n\na,1\n{'z' * 300 + '1'},2\n{longest},3\n", encoding="utf-8")
    platform.ingest(path, "insee.long")
    profile = {c.name: c.profile for c in platform.dataset("insee.long").columns}
    assert profile["texte"] is not None and profile["texte"].max == longest and profile["texte"].min == "a"
    assert profile["texte"].max_length == 301
    assert profile["n"] is not None and (profile["n"].min, profile["n"].max) == (1, 3)
