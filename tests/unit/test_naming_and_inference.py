"""Safe names, encoding/separator detection and type decisions, without a platform."""

from __future__ import annotations

import pytest

from patrimoine.ingest.infer import looks_like_code
from patrimoine.lake.readers.csv import detect_encoding, detect_separator
from patrimoine.lake.readers.naming import safe_identifier, safe_identifiers


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Valeur foncière (€)", "valeur_fonciere"),
        ("1 Articles CGI", "c1_articles_cgi"),
        ("Nœud", "noeud"),
        ("", "column_3"),
        ("select", "select_"),
        ("Code_Département", "code_departement"),
    ],
)
def test_safe_identifier(name: str, safe: str) -> None:
    assert safe_identifier(name, 3) == safe


def test_names_that_normalise_alike_stay_distinct() -> None:
    assert safe_identifiers(["Code commune", "code_commune", "CODE-COMMUNE"]) == [
        "code_commune",
        "code_commune_2",
        "code_commune_3",
    ]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Île-de-France;Été".encode(), "utf-8"),
        (b"\xef\xbb\xbfa;b", "utf-8"),
        ("Œuvre – 10 €".encode("cp1252"), "cp1252"),
        ("Côte d'Or".encode("latin-1"), "latin-1"),
    ],
)
def test_detect_encoding(data: bytes, encoding: str) -> None:
    assert detect_encoding(data) == encoding


@pytest.mark.parametrize(
    ("sample", "sep"),
    [
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a,b\n1,2\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("Code service CH|Reference document|1 Articles CGI\n|x|y\n", "|"),
        ('nom,adresse\n"Dupont","1; rue de la Paix"\n', ","),
    ],
)
def test_detect_separator(sample: str, sep: str) -> None:
    assert detect_separator(sample) == sep


@pytest.mark.parametrize(
    ("name", "code"),
    [("code_commune", True), ("siren", True), ("id_parcelle", True), ("com", True), ("dep_com", True),
     ("taux_com", False), ("cp_eur_jo", False), ("no_voie", False), ("population", False),
     ("valeur_fonciere", False), ("nombre_lots", False), ("lot1_numero", True)],
)  # fmt: skip
def test_code_like_names(name: str, code: bool) -> None:
    assert looks_like_code(name) is code
