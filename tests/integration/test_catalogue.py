"""Catalogue metadata, editing, and search kept in step with it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from patrimoine import InputError, NotFound, Platform


@pytest.fixture
def loaded(platform: Platform, tmp_path: Path) -> Platform:
    communes = tmp_path / "communes.csv"
    communes.write_text("code_commune,libelle\n01001,L'Abergement\n2A004,Ajaccio\n", encoding="utf-8")
    platform.ingest(communes, "insee.communes", title="Communes", description="Code officiel géographique")
    ventes = tmp_path / "ventes.csv"
    ventes.write_text("id_mutation,valeur_fonciere\n2021-1,100000\n", encoding="utf-8")
    platform.ingest(ventes, "dgfip.ventes", title="Demandes de valeurs foncières", owner="dvf@example.gouv.fr")
    return platform


def test_metadata_is_recorded_and_editable(loaded: Platform) -> None:
    loaded.describe(
        "dgfip.ventes",
        columns={"valeur_fonciere": "Prix de la mutation en euros"},
        steward="intendant@example.gouv.fr",
        licence="Licence Ouverte 2.0",
        frequency="semiannual",
        keywords=["immobilier", "DVF", "immobilier"],
        temporal_start="2021-01-01",
        temporal_end="2021-12-31",
        spatial="France entière",
    )
    d = loaded.dataset("dgfip.ventes")
    assert d.title == "Demandes de valeurs foncières" and d.owner == "dvf@example.gouv.fr"
    assert d.department == "dgfip" and d.frequency == "semiannual" and d.keywords == ["DVF", "immobilier"]
    assert d.temporal_start == date(2021, 1, 1) and d.spatial == "France entière"
    assert d.source_name == "ventes.csv" and d.source_sha256 and len(d.source_sha256) == 64
    assert d.columns[1].description == "Prix de la mutation en euros"
    assert d.created_at <= d.updated_at


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"frequency": "sometimes"}, "frequency 'sometimes' is not one of"),
        ({"temporal_start": "31/12/2021"}, "not a date"),
        ({"title": " "}, "title cannot be empty"),
        ({"colour": "blue"}, "unknown field 'colour'"),
    ],
)
def test_bad_edits_are_refused_whole(loaded: Platform, changes: dict[str, str], message: str) -> None:
    before = loaded.dataset("dgfip.ventes")
    with pytest.raises(InputError, match=message):
        loaded.describe("dgfip.ventes", columns={"valeur_fonciere": "changed"}, **changes)
    assert loaded.dataset("dgfip.ventes") == before


def test_unknown_column_or_table(loaded: Platform) -> None:
    with pytest.raises(InputError, match="no column 'prix'"):
        loaded.describe("dgfip.ventes", columns={"prix": "x"})
    with pytest.raises(NotFound, match="no dataset dgfip.absent"):
        loaded.dataset("dgfip.absent")
    with pytest.raises(InputError, match="NAMESPACE.NAME"):
        loaded.dataset("Not A Name")


def test_search_follows_the_catalogue(loaded: Platform) -> None:
    hits = loaded.search("valeur fonciere")
    assert hits.hits[0].table == "dgfip.ventes"
    assert loaded.search("communes").hits[0].table == "insee.communes"
    loaded.describe("insee.communes", description="Référentiel des collectivités territoriales")
    assert not loaded.search("géographique").hits
    assert loaded.search("collectivité").hits[0].table == "insee.communes"
    loaded.describe("dgfip.ventes", keywords=["immobilier"])
    result = loaded.search("", keyword="immobilier")
    assert [h.table for h in result.hits] == ["dgfip.ventes"]
    assert loaded.search("", department="insee").total == 1
    facets = loaded.search("").facets
    assert facets["department"] == {"dgfip": 1, "insee": 1}


def test_list_and_departments(loaded: Platform) -> None:
    assert [d.qualified_name for d in loaded.datasets()] == ["dgfip.ventes", "insee.communes"]
    assert [d.qualified_name for d in loaded.datasets("insee")] == ["insee.communes"]
