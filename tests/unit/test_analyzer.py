"""The French analyzer: the same terms for a document and for the query a user would type to find it."""

from __future__ import annotations

import pytest

from patrimoine.search.analyzer import analyze, fold, tokens


def test_fold_removes_accents_and_expands_ligatures() -> None:
    assert fold("Éléments Œuvre façade Straße") == "elements oeuvre facade strasse"


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Valeurs foncières", "valeurs fonciere"),
        ("Fiscalité", "FISCALITE"),
        ("Œuvres", "oeuvres"),
        ("Français", "francais"),
        ("e\u0301tablissements", "établissements"),  # decomposed (NFD) input, as macOS writes file names
    ],
)
def test_accents_and_case_do_not_matter(written: str, typed: str) -> None:
    assert analyze(written) == analyze(typed)


def test_stop_words_and_single_letters_are_dropped() -> None:
    assert analyze("Taxe d'habitation sur les résidences et de la ville") == analyze("taxe habitation résidences ville")
    assert analyze("le la les des du de et ou en un une au aux pour par dans avec") == []
    assert analyze("l’impôt") == analyze("impôt")  # typographic apostrophe


def test_meaningful_short_words_survive() -> None:
    assert "non" in analyze("propriétés non bâties")
    assert "est" in analyze("Grand Est")


@pytest.mark.parametrize(
    "variants",
    [
        ["commune", "communes", "Communes"],
        ["foncier", "fonciers", "foncière", "foncières", "fonciere"],
        ["fiscal", "fiscale", "fiscaux", "fiscalité", "fiscalite"],
        ["entreprise", "entreprises"],
        ["établissement", "établissements", "etablissement"],
        ["public", "publics", "publique", "publiques"],
        ["douane", "douanes"],
        ["valeur", "valeurs"],
        ["donnée", "données", "donnees"],
    ],
)
def test_inflections_share_a_stem(variants: list[str]) -> None:
    stems = {term for variant in variants for term in analyze(variant)}
    assert len(stems) == 1, stems


def test_unrelated_words_keep_apart() -> None:
    assert analyze("commune") != analyze("commerce")
    assert analyze("dons") != analyze("données")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2A004", ["2a004"]),  # Corsican commune code: one token, not stemmed
        ("Code 75056", ["cod", "75056"]),
        ("NAF 62.01Z", ["naf", "62", "01z"]),
        ("SIRET 12345678900012", ["siret", "12345678900012"]),
        ("année 2024", ["anne", "2024"]),
    ],
)
def test_codes_and_numbers_stay_whole(text: str, expected: list[str]) -> None:
    assert analyze(text) == expected


def test_identifiers_split_on_underscores_and_camel_case() -> None:
    assert analyze("code_commune") == analyze("code commune")
    assert analyze("valeurFonciere") == analyze("valeur foncière")
    assert analyze("codeINSEE") == analyze("code INSEE")
    assert analyze("DGFiP") == ["dgfip"]  # an acronym with a lowercase letter is not camelCase
    assert analyze("iPhone") == analyze("iphone")


def test_tokens_keep_the_words_as_written() -> None:
    assert [(t.surface, t.term) for t in tokens("Valeurs foncières")] == [("Valeurs", "valeur"), ("foncières", "fonci")]


def test_repeats_are_kept_for_term_frequency() -> None:
    assert analyze("commune communes") == ["commun", "commun"]


def test_empty_and_punctuation_only_text() -> None:
    assert analyze("") == []
    assert analyze(" -- ; ... ") == []


def test_very_long_tokens_are_cut() -> None:
    (term,) = analyze("a1" * 200)
    assert len(term) == 64
