"""The business glossary: terms, links to columns reviewed by stewards, synonyms in search (both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from patrimoine import Conflict, InputError, NotFound, Platform
from patrimoine.cli.glossary import app as glossary_app

TVA = "taxe sur la valeur ajoutée"


@pytest.fixture
def loaded(platform: Platform, tmp_path: Path) -> Platform:
    recettes = tmp_path / "recettes.csv"
    recettes.write_text("code_commune,montant_tva,Valeur Foncière\n01001,120.5,1000\n", encoding="utf-8")
    platform.ingest(
        recettes, "dgfip.recettes", title="Recettes fiscales", description=f"Produit de la {TVA} par commune"
    )
    platform.describe("dgfip.recettes", columns={"montant_tva": "Montant de la taxe sur la valeur ajoutée collectée"})
    return platform


def test_add_list_show_and_parent(platform: Platform) -> None:
    parent = platform.glossary.add("impôt", "Prélèvement obligatoire sans contrepartie.", owner="a@x.gouv.fr")
    tva = platform.glossary.add(TVA, "Impôt sur la consommation.", slug="tva", acronyms=["TVA", "tva"], parent="impot")
    assert parent.slug == "impot" and parent.status == "draft"
    assert tva.acronyms == ["TVA"] and tva.parent == "impot" and tva.forms == [TVA, "TVA"]
    assert [t.slug for t in platform.glossary.list()] == ["impot", "tva"]
    assert platform.glossary.get("impot").children == ["tva"]
    assert platform.glossary.list("approved") == []
    with pytest.raises(InputError, match="cycle"):
        platform.glossary.update("impot", parent="tva")
    assert platform.glossary.update("tva", parent="").parent is None


def test_status_goes_from_draft_to_approved_with_an_owner(platform: Platform) -> None:
    platform.glossary.add(TVA, "Impôt sur la consommation.", slug="tva")
    with pytest.raises(InputError, match="needs an owner"):
        platform.glossary.approve("tva")
    approved = platform.glossary.approve("tva", owner="fiscalite@x.gouv.fr")
    assert approved.status == "approved" and approved.owner == "fiscalite@x.gouv.fr"
    with pytest.raises(Conflict, match="already approved"):
        platform.glossary.approve("tva")
    with pytest.raises(InputError, match="status 'published' is not one of"):
        platform.glossary.update("tva", status="published")
    assert platform.glossary.update("tva", status="draft").status == "draft"


def test_bad_input_is_refused_and_writes_nothing(loaded: Platform) -> None:
    g = loaded.glossary
    g.add(TVA, "Impôt sur la consommation.", slug="tva", acronyms=["TVA"])
    before = g.list()
    with pytest.raises(Conflict, match="already has a term 'tva'"):
        g.add("autre", "Autre.", slug="tva")
    with pytest.raises(InputError, match="slug 'Bad Slug'"):
        g.add("autre", "Autre.", slug="Bad Slug")
    with pytest.raises(InputError, match="definition cannot be empty"):
        g.add("autre", " ")
    with pytest.raises(NotFound, match="no term 'inconnu'"):
        g.add("autre", "Autre.", parent="inconnu")
    with pytest.raises(NotFound, match="no term 'inconnu'"):
        g.get("inconnu")
    with pytest.raises(NotFound, match="no term 'inconnu'"):
        g.link("inconnu", "dgfip.recettes", "montant_tva", by="steward")
    with pytest.raises(InputError, match="has no column 'nope'"):
        g.link("tva", "dgfip.recettes", "nope", by="steward")
    with pytest.raises(NotFound, match="no dataset dgfip.nope"):
        g.link("tva", "dgfip.nope", "montant_tva", by="steward")
    with pytest.raises(NotFound, match="not linked"):
        g.unlink("tva", "dgfip.recettes", "montant_tva")
    with pytest.raises(InputError, match="unknown field"):
        g.update("tva", label="changed", colour="blue")
    assert g.list() == before and g.links() == []


def test_a_synonym_finds_a_table_described_with_another_form(platform: Platform, tmp_path: Path) -> None:
    produit = tmp_path / "produit.csv"
    produit.write_text("commune,montant\n01001,120.5\n", encoding="utf-8")
    platform.ingest(produit, "dgfip.produit", title="Produit fiscal", description=f"Produit de la {TVA.upper()}")
    assert platform.search("TVA").total == 0
    platform.glossary.add(TVA, "Impôt sur la consommation.", slug="tva", acronyms=["TVA"])
    assert [h.table for h in platform.search("TVA").hits] == ["dgfip.produit"]  # reindexed with the term
    own = platform.search("produit fiscal").hits[0].score
    assert platform.search("TVA").hits[0].score < own  # a glossary word ranks below the table's own words
    # A term's changed forms reindex every dataset; so does an edit of the dataset.
    platform.glossary.update("tva", acronyms=["T.V.A"], synonyms=["taxe à la valeur ajoutée"])
    assert platform.search("TVA").total == 0
    platform.glossary.update("tva", acronyms=["TVA"])
    platform.describe("dgfip.produit", description="Montants par commune")
    assert platform.search("TVA").total == 0
    platform.describe("dgfip.produit", columns={"montant": "Taxe sur la valeur ajoutée collectée"})
    assert platform.search("TVA").total == 1
    # A new ingest is indexed with the glossary too.
    platform.ingest(produit, "dgfip.autre", title="Autre", description="La TVA des communes")
    assert {h.table for h in platform.search("valeur ajoutee").hits} == {"dgfip.produit", "dgfip.autre"}


def test_suggestions_are_accepted_or_rejected_and_kept(loaded: Platform) -> None:
    g = loaded.glossary
    g.add(TVA, "Impôt sur la consommation.", slug="tva", acronyms=["TVA"])
    g.add("valeur foncière", "Prix d'une mutation.", slug="valeur-fonciere")
    g.add("code commune INSEE", "Code du COG.", slug="code-commune", synonyms=["code commune"])
    suggested = {(s.term, s.column) for s in g.suggest("dgfip.recettes")}
    assert suggested == {
        ("tva", "montant_tva"),
        ("valeur-fonciere", "valeur_fonciere"),
        ("code-commune", "code_commune"),
    }
    accepted = g.link("tva", "dgfip.recettes", "montant_tva", by="steward@x.gouv.fr", reason="c'est bien la TVA")
    assert (
        accepted.status == "accepted" and accepted.origin == "suggested" and accepted.decided_by == "steward@x.gouv.fr"
    )
    assert accepted.decided_at is not None and accepted.reason == "c'est bien la TVA"
    rejected = g.reject("code-commune", "dgfip.recettes", "code_commune", by="steward@x.gouv.fr")
    assert rejected.status == "rejected"
    # Given by original name; a steward's own link.
    own = g.link("valeur-fonciere", "dgfip.recettes", "Valeur Foncière", by="steward@x.gouv.fr")
    assert own.column == "valeur_fonciere" and own.status == "accepted"
    assert g.suggest("dgfip.recettes") == []  # decisions survive a re-suggest: nothing pending again
    assert g.suggest() == []
    statuses = {(x.term, x.status) for x in g.get("code-commune").links + g.get("tva").links}
    assert statuses == {("code-commune", "rejected"), ("tva", "accepted")}
    g.unlink("tva", "dgfip.recettes", "montant_tva")  # forgotten: suggested again
    assert [(s.term, s.status) for s in g.suggest("dgfip.recettes")] == [("tva", "suggested")]


def test_starter_glossary_loads_once_and_enriches_search(loaded: Platform) -> None:
    added = loaded.glossary.load_starter()
    assert len(added) >= 40 and "tva" in added and "siret" in added
    assert loaded.glossary.get("siret").parent == "siren"
    assert loaded.glossary.load_starter() == []
    assert [h.table for h in loaded.search("TVA").hits] == ["dgfip.recettes"]
    assert all(t.status == "draft" for t in loaded.glossary.list())


def test_cli(loaded: Platform, home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATRIMOINE_DATABASE_URL", database_url)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(glossary_app, list(args), obj=home, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    loaded.close()  # the CLI opens its own platform on the same home and database
    run("add", TVA, "--definition", "Impôt.", "--slug", "tva", "--acronym", "TVA", "--json")
    assert '"status": "approved"' in run("update", "tva", "--owner", "o@x.gouv.fr", "--status", "approved", "--json")
    assert '"term": "tva"' in run("suggest", "dgfip.recettes", "--json")
    assert '"status": "rejected"' in run(
        "link", "tva", "dgfip.recettes", "montant_tva", "--reject", "--by", "s", "--json"
    )
    assert "montant_tva" in run("show", "tva")
    assert '"slug": "tva"' in run("list", "--status", "approved", "--json")
    assert '"unlinked": true' in run("unlink", "tva", "dgfip.recettes", "montant_tva", "--json")


def test_labels_found_in_the_values_suggest_terms(platform: Platform, tmp_path: Path) -> None:
    from stdnum import luhn

    platform.glossary.load_starter()
    path = tmp_path / "fournisseurs.csv"
    sirens = [f"{10_000_000 + i:08d}" for i in range(30)]
    path.write_text("identifiant\n" + "\n".join(s + luhn.calc_check_digit(s) for s in sirens) + "\n", encoding="utf-8")
    platform.ingest(path, "daj.fournisseurs")
    suggested = platform.glossary.suggest("daj.fournisseurs")
    siren = [s for s in suggested if s.column == "identifiant" and s.term == "siren"]
    assert siren and "labelled siren" in (siren[0].reason or "")
