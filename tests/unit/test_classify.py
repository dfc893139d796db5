"""Column classifier: identifiers generated with their checksums, decoys, names as evidence, odd inputs."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from stdnum import iban, luhn
from stdnum.fr import nir

from patrimoine.classify import ALL_LABELS, Classification, classify_column

SIRENE = Path(__file__).resolve().parents[1] / "data" / "sirene_v2_mise_a_jour_quotidienne_2017097_E_Q_first5000.csv"


def labels(result: Classification) -> set[str]:
    return {f.label for f in result.findings}


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_siren(rng: random.Random) -> str:
    body = digits(rng, 8)
    return body + luhn.calc_check_digit(body)


def make_siret(rng: random.Random) -> str:
    body = make_siren(rng) + digits(rng, 4)
    return body + luhn.calc_check_digit(body)


def make_nir(rng: random.Random, dept: str | None = None) -> str:
    body = f"{rng.choice('12')}{rng.randint(40, 99)}{rng.randint(1, 12):02d}{dept or f'{rng.randint(1, 95):02d}'}"
    body += digits(rng, 6)
    return body + nir.calc_check_digits(body)


def make_iban(rng: random.Random) -> str:
    bank, branch, account = digits(rng, 5), digits(rng, 5), digits(rng, 11)
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    return "FR" + iban.calc_check_digits("FR00" + bban) + bban


def luhn_failing(rng: random.Random, n: int) -> str:
    while True:
        value = digits(rng, n)
        if not luhn.is_valid(value):
            return value


def column(make: object, count: int = 200, seed: int = 1) -> list[str | None]:
    rng = random.Random(seed)
    return [make(rng) for _ in range(count)]  # type: ignore[operator]


def test_labels_are_unique_constants() -> None:
    assert len(set(ALL_LABELS)) == len(ALL_LABELS) == 18


def test_valid_siren_named_and_unnamed() -> None:
    values = column(make_siren)
    named = classify_column("siren", values)
    assert labels(named) == {"siren"}
    finding = named.findings[0]
    assert finding.confidence > 0.95
    assert "SIREN checksum (Luhn)" in finding.evidence and "column name 'siren' matches" in finding.evidence
    assert finding.examples and all("*" in e for e in finding.examples)
    unnamed = classify_column("col_a", values)
    assert labels(unnamed) == {"siren"}
    assert unnamed.findings[0].confidence < finding.confidence


def test_name_says_siren_but_checksum_fails() -> None:
    rng = random.Random(2)
    values = [luhn_failing(rng, 9) for _ in range(200)]
    result = classify_column("siren", values)
    assert "siren" not in labels(result)
    reasons = [r.evidence for r in result.rejected if r.label == "siren"]
    assert reasons and "column name 'siren' suggests siren but only 0.0 %" in reasons[0]


def test_mostly_failing_siren_is_rejected_with_the_rate() -> None:
    rng = random.Random(3)
    values = [make_siren(rng) if i % 8 == 0 else luhn_failing(rng, 9) for i in range(400)]
    result = classify_column("SIREN", values)
    assert "siren" not in labels(result)
    assert any("12.5 %" in r.evidence for r in result.rejected if r.label == "siren")


def test_order_numbers_and_amount_decoys_get_no_label() -> None:
    rng = random.Random(4)
    order_numbers = [digits(rng, 9) for _ in range(500)]  # about a tenth pass Luhn by chance
    assert labels(classify_column("numero_commande", order_numbers)) == set()
    amounts = [str(rng.randint(10000, 99999)) for _ in range(300)]
    assert labels(classify_column("col_7", amounts)) == set()
    phone_like = [str(rng.randint(1_000_000_000, 9_999_999_999)) for _ in range(300)]
    assert labels(classify_column("valeur_x", phone_like)) <= {"money_amount"}
    assert "phone_fr" not in labels(
        classify_column("v", [f"{rng.randint(600000000, 699999999)},00" for _ in range(300)])
    )


def test_siret_including_la_poste() -> None:
    values = column(make_siret)
    values[:2] = ["35600000000048", "35600000049837"]  # La Poste: digit sum multiple of 5, not Luhn
    result = classify_column("siret_titulaire", values)
    assert labels(result) == {"siret"}
    assert result.findings[0].confidence == 1.0
    rng = random.Random(5)
    assert "siret" not in labels(classify_column("siret", [luhn_failing(rng, 14) for _ in range(200)]))


def test_nir_with_corsica_and_masking() -> None:
    rng = random.Random(6)
    values = [make_nir(rng, rng.choice([None, "2A", "2B"])) for _ in range(300)]
    assert any("2A" in v for v in values) and any("2B" in v for v in values)
    result = classify_column("x", values)
    assert labels(result) == {"nir"}
    example = result.findings[0].examples[0]
    assert example.endswith("** *** *** **") and example[:1] in "12"
    spaced = [f"{v[0]} {v[1:3]} {v[3:5]} {v[5:7]} {v[7:10]} {v[10:13]} {v[13:]}" for v in values]
    assert labels(classify_column("numero_secu", spaced)) == {"nir"}


def test_nir_with_wrong_keys_is_not_nir() -> None:
    rng = random.Random(7)
    values = [make_nir(rng) for _ in range(200)]
    wrong = [v[:13] + f"{(int(v[13:]) + 1) % 97 + 1:02d}" for v in values]
    assert "nir" not in labels(classify_column("nir", wrong))


def test_iban_email_phone() -> None:
    ibans = column(make_iban)
    result = classify_column("iban", ibans)
    assert labels(result) == {"iban"}
    assert result.findings[0].examples[0].startswith("FR") and " **** ... " in result.findings[0].examples[0]
    corrupted = [v[:-1] + str((int(v[-1]) + 1) % 10) for v in ibans]
    assert "iban" not in labels(classify_column("iban", corrupted))

    emails = [f"agent{i}.service@example.fr" for i in range(100)]
    found = classify_column("courriel", emails)
    assert labels(found) == {"email"} and found.findings[0].examples[0] == "a***@example.fr"
    assert labels(classify_column("courriel", [f"agent{i} at example" for i in range(100)])) == set()

    rng = random.Random(8)
    phones = [
        f"0{rng.randint(1, 9)} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)}" for _ in range(100)
    ]
    phones += [f"+33 6{digits(rng, 8)}" for _ in range(10)]
    found = classify_column("contact", phones)
    assert labels(found) == {"phone_fr"}
    assert found.findings[0].examples[0].startswith("0") and "** ** **" in found.findings[0].examples[0]


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("prenom", ["Marie", "Jean-Pierre", "Élodie", "Luc", "Anne Sophie"] * 5, {"person_name"}),
        ("nom_commune", ["Paris", "Lyon", "Saint-Denis", "Marseille", "Nice"] * 5, set()),
        ("civilite", ["M.", "Mme", "MONSIEUR", "MADAME"] * 5, {"person_name"}),
        ("date_naissance", ["1984-02-12", "1990-11-30", "2001-07-04", "1975-01-01"] * 5, {"birth_date"}),
        ("date_mutation", ["1984-02-12", "1990-11-30", "2001-07-04", "1975-01-01"] * 5, set()),
        (
            "adresse",
            ["12 RUE DE LA PAIX", "3 BIS AVENUE FOCH", "CHEMIN DES VIGNES", "1 PLACE DU MARCHE"] * 5,
            {"postal_address"},
        ),
        (
            "id_parcelle",
            ["33001000AB0123", "330010000C0045", "2A004000AB0001", "59350000ZK0012"] * 5,
            {"cadastral_parcel"},
        ),
        ("latitude", ["44.837789", "-12.512", "48.856613", "43.296482"] * 5, {"gps_coordinate"}),
        ("latitude", ["144.837789", "-120.5", "148.856613", "143.296482"] * 5, set()),
        ("rna", ["W751234567", "W9M1000123", "W332001234"] * 5, {"rna"}),
        ("taux_com", [".1106", "0,25", "12.5", "3"] * 5, {"percentage"}),
        ("part", ["12 %", "3,5 %", "100%"] * 5, {"percentage"}),
        ("montant", ["26130", "47600.87", "1 234,50"] * 5, {"money_amount"}),
        ("prix", ["12,50 €", "1 200 EUR"] * 5, {"money_amount"}),
        ("annee", ["2017", "2018", "1999"] * 5, {"year"}),
        ("bic", ["BNPAFRPP", "AGRIFRPP882", "SOGEFRPPXXX"] * 5, {"bic"}),
        ("tva_intracom", ["FR40303265045", "FR83404833048"] * 5, {"vat_fr"}),
    ],
)
def test_labels_by_content_and_name(name: str, values: list[str | None], expected: set[str]) -> None:
    assert labels(classify_column(name, values)) == expected


def test_vat_from_generated_siren() -> None:
    rng = random.Random(9)
    sirens = column(make_siren, 100)
    values = [f"FR{(12 + 3 * (int(s) % 97)) % 97:02d}{s}" for s in sirens if s]
    assert labels(classify_column("numero", values)) == {"vat_fr"}
    wrong_keys = [f"FR{(int(v[2:4]) + 1 + rng.randint(0, 90)) % 97:02d}{v[4:]}" for v in values]
    assert "vat_fr" not in labels(classify_column("tva", wrong_keys))


@pytest.mark.parametrize(
    "values",
    [
        [],
        [None, None, None],
        pa.nulls(10),
        pa.array([None] * 5, pa.string()),
        ["784671695"],
        ["", "  ", None],
        pa.array([b"\xff\xfe\x00garbage", b"\x80\x81", None, b"123456782"], pa.binary()),
        ["x" * 10_000_000, "784671695"],
        [1, "a", 2.5, b"\xff", None, True, {"k": 1}],
        pa.array([{"a": 1}, None], pa.struct([("a", pa.int64())])),
        pa.array([[1, 2], None]),
        pa.chunked_array([], pa.string()),
        pa.array(["a", "b", "a"]).dictionary_encode(),
        pa.array([200029999.0, float("nan"), None]),
        pa.array([1, 2, None], pa.int64()),
    ],
)
def test_never_crashes(values: object) -> None:
    result = classify_column("siren", values)  # type: ignore[arg-type]
    assert isinstance(result, Classification)
    assert all(0.0 <= f.confidence <= 1.0 for f in result.findings)


def test_huge_cells_are_truncated_not_matched() -> None:
    result = classify_column("email", ["a@example.fr" + "x" * 10_000_000] * 3)
    assert "email" not in labels(result)


def test_sample_is_bounded_and_deterministic() -> None:
    values = column(make_siren, 5000)
    first, second = classify_column("siren", values), classify_column("siren", values)
    assert first == second
    assert "of 1,000 sampled values" in first.findings[0].evidence
    assert labels(classify_column("siren", pa.chunked_array([values[:2500], values[2500:]]))) == {"siren"}
    assert labels(classify_column("siren", pa.array([int(v) for v in values if v], pa.int64()))) == {"siren"}


@pytest.mark.skipif(not SIRENE.exists(), reason="SIRENE extract not available")
def test_sirene_extract_columns() -> None:
    names = [h.strip('"') for h in SIRENE.read_text(encoding="latin-1").splitlines()[0].split(";")]
    table = pacsv.read_csv(
        SIRENE,
        read_options=pacsv.ReadOptions(encoding="latin-1"),
        parse_options=pacsv.ParseOptions(delimiter=";"),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
    )
    assert labels(classify_column("SIREN", table["SIREN"])) == {"siren"}
    siret = pa.compute.binary_join_element_wise(table["SIREN"], table["NIC"], "")
    assert labels(classify_column("x", siret)) == {"siret"}
    assert labels(classify_column("TEL", table["TEL"])) == {"phone_fr"}
    assert labels(classify_column("NIC", table["NIC"])) == set()


def test_an_identifier_supersedes_a_measure() -> None:
    result = classify_column("montant", column(make_siren))
    assert labels(result) == {"siren"}
    assert any(r.label == "money_amount" and r.evidence.startswith("superseded by siren") for r in result.rejected)


def test_cpv_codes() -> None:
    full = [f"{45000000 + i * 100000}-{i % 10}" for i in range(20)]
    assert "cpv" in {f.label for f in classify_column("code", full).findings}
    bare = [f"{45000000 + i * 100000}" for i in range(20)]
    assert "cpv" in {f.label for f in classify_column("codeCPV", bare).findings}
    assert "cpv" not in {f.label for f in classify_column("code_nc8", bare).findings}
