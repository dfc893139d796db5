"""Search latency on a catalogue of 10,000 generated datasets in a temporary SQLite store.

Builds the catalogue from word lists of the ministry's domains, runs 200 varied searches (words, phrases,
words being typed, codes, filters, browsing) and prints p50 / p95 / max; the p95 is the last line.
Run: python bench/search.py [--datasets N] [--searches N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from patrimoine.search import index_dataset, search
from patrimoine.store import Store
from patrimoine.store.tables import datasets

TARGET_MS = 50.0

# department → (namespace, subjects, keywords, columns)
DOMAINS: dict[str, tuple[str, list[str], list[str], list[str]]] = {
    "DGFiP": (
        "fiscalite",
        [
            "Demandes de valeurs foncières (DVF)",
            "Impôt sur le revenu des personnes physiques",
            "Taxe foncière sur les propriétés bâties",
            "Taxe foncière sur les propriétés non bâties",
            "Taxe d'habitation sur les résidences secondaires",
            "Cotisation foncière des entreprises",
            "Impôt sur les sociétés",
            "Taxe sur la valeur ajoutée collectée",
            "Fichier des locaux et des parcelles",
            "Revenus fiscaux de référence des foyers",
            "Mutations immobilières",
            "Cadastre et parcelles",
        ],
        ["fiscalité", "impôts", "DVF", "foncier", "immobilier", "cadastre", "TVA", "revenus", "ménages"],
        [
            "code_commune",
            "libelle_commune",
            "code_departement",
            "annee",
            "valeur_fonciere",
            "surface_reelle_bati",
            "nombre_pieces",
            "type_local",
            "date_mutation",
            "nature_mutation",
            "nombre_foyers_fiscaux",
            "revenu_fiscal_reference",
            "montant_impot",
            "id_parcelle",
            "section_cadastrale",
            "taux_vote",
        ],
    ),
    "INSEE": (
        "statistiques",
        [
            "Répertoire SIRENE des entreprises",
            "Établissements actifs du répertoire SIRENE",
            "Population légale des communes",
            "Recensement de la population",
            "Créations d'entreprises",
            "Démographie des entreprises",
            "Emploi salarié par secteur d'activité",
            "Code officiel géographique",
            "Revenus et pauvreté des ménages",
        ],
        ["SIRENE", "entreprises", "établissements", "population", "communes", "NAF", "emploi", "démographie"],
        [
            "siren",
            "siret",
            "code_naf",
            "denomination",
            "date_creation",
            "etat_administratif",
            "tranche_effectifs",
            "code_commune",
            "code_region",
            "population_municipale",
            "codeInsee",
            "libelleCommune",
            "nic",
        ],
    ),
    "DGDDI": (
        "douane",
        [
            "Échanges extérieurs de marchandises",
            "Importations par pays d'origine",
            "Exportations par produit (NC8)",
            "Droits de douane perçus",
            "Saisies de stupéfiants et de contrefaçons",
            "Opérateurs économiques agréés",
            "Accises sur les produits énergétiques",
            "Contributions indirectes sur les alcools",
        ],
        ["douane", "commerce extérieur", "importations", "exportations", "accises", "contrefaçon"],
        [
            "code_pays",
            "libelle_pays",
            "nomenclature_nc8",
            "flux",
            "valeur_euros",
            "masse_nette_kg",
            "mois",
            "bureau_douane",
            "quantite_saisie",
            "type_produit",
            "montant_droits",
            "numero_eori",
        ],
    ),
    "DB": (
        "budget",
        [
            "Dépenses du budget de l'État",
            "Recettes fiscales nettes de l'État",
            "Loi de finances initiale",
            "Exécution budgétaire des programmes",
            "Crédits de paiement par mission",
            "Autorisations d'engagement",
            "Dotations aux collectivités territoriales",
            "Comptes des communes et des groupements",
        ],
        ["budget", "finances publiques", "LOLF", "dépenses", "recettes", "collectivités", "dotations"],
        [
            "mission",
            "programme",
            "action",
            "credits_paiement",
            "autorisations_engagement",
            "exercice",
            "montant_execute",
            "code_commune",
            "siren_collectivite",
            "dotation_globale_fonctionnement",
            "titre",
        ],
    ),
    "DGTrésor": (
        "tresor",
        [
            "Dette négociable de l'État",
            "Émissions d'obligations assimilables du Trésor",
            "Aides aux entreprises exportatrices",
            "Prêts garantis par l'État",
            "Balance des paiements",
        ],
        ["dette", "trésor", "OAT", "PGE", "entreprises", "financement"],
        ["isin", "date_emission", "encours", "taux_nominal", "maturite", "siren", "montant_pret", "secteur"],
    ),
    "DGE": (
        "entreprises",
        [
            "Aides à l'innovation des entreprises",
            "Zones de revitalisation rurale",
            "Commerce de proximité dans les communes",
            "Industrie et territoires d'industrie",
            "Tourisme : fréquentation des hébergements",
        ],
        ["entreprises", "industrie", "innovation", "tourisme", "commerce", "territoires"],
        ["siret", "code_naf", "montant_aide", "code_commune", "zonage", "nuitees", "capacite", "categorie"],
    ),
}
QUALIFIERS = [
    "par commune",
    "par département",
    "par région",
    "par secteur d'activité (NAF)",
    "par pays partenaire",
    "mensuel",
    "annuel",
    "trimestriel",
    "en France métropolitaine",
    "dans les DROM",
    "géolocalisé",
]
SENTENCES = [
    "Ce jeu de données recense {s} {q}, de {y0} à {y1}.",
    "Les montants sont exprimés en euros courants.",
    "Source : {d}, traitement du bureau des statistiques.",
    "Les données sont mises à jour chaque année après la clôture de l'exercice.",
    "Le secret statistique masque les cellules de moins de onze unités.",
    "La variable {c} permet la jointure avec les référentiels géographiques.",
    "Voir la documentation pour la définition de {c}.",
]
COLUMN_DESCRIPTIONS = [
    "Code officiel de la commune (INSEE)",
    "Montant en euros",
    "Année de référence",
    "Libellé en clair",
    "Identifiant de l'entreprise",
    "Nombre d'unités",
    "Date de l'opération",
    "Code du département",
]


def generate(count: int, rng: random.Random) -> list[tuple[dict[str, Any], list[tuple[str, str | None]]]]:
    """`count` catalogue rows (as inserted into `datasets`), each with its (column, description) pairs."""
    now = datetime.now(UTC)
    generated = []
    for i in range(count):
        department = rng.choice(list(DOMAINS))
        namespace, subjects, keywords, columns = DOMAINS[department]
        subject, qualifier, year = rng.choice(subjects), rng.choice(QUALIFIERS), rng.randint(2008, 2024)
        chosen = rng.sample(columns, rng.randint(4, min(12, len(columns))))
        values = {"s": subject.lower(), "q": qualifier, "y0": year - 5, "y1": year, "d": department}
        sentences = [t.format(c=rng.choice(chosen), **values) for t in rng.sample(SENTENCES, 3)]
        row = {
            "id": i + 1,
            "namespace": namespace,
            "name": f"{namespace}_{i:05d}",
            "title": f"{subject} {qualifier} {year}",
            "description": " ".join(sentences),
            "department": department,
            "keywords": rng.sample(keywords, rng.randint(2, 4)),
            "created_at": now,
            "updated_at": now,
            "row_count": rng.randint(10, 10_000_000),
            "version": 1,
        }
        described = [(c, rng.choice(COLUMN_DESCRIPTIONS) if rng.random() < 0.5 else None) for c in chosen]
        generated.append((row, described))
    return generated


def build(store: Store, generated: list[tuple[dict[str, Any], list[tuple[str, str | None]]]]) -> float:
    """Insert and index the catalogue, 1,000 datasets per transaction; return the seconds it took."""
    started = time.perf_counter()
    for start in range(0, len(generated), 1000):
        batch = generated[start : start + 1000]
        with store.begin() as conn:
            conn.execute(insert(datasets), [row for row, _ in batch])
            for row, columns in batch:
                index_dataset(
                    conn,
                    row["id"],
                    title=row["title"],
                    description=row["description"],
                    keywords=row["keywords"],
                    columns=columns,
                    department=row["department"],
                )
    return time.perf_counter() - started


def queries(count: int, rng: random.Random) -> list[tuple[str, str | None, str | None]]:
    """(text, department, keyword): words, phrases, words being typed, codes, browsing, some filtered."""
    words = [
        "valeurs foncières",
        "fonciere",
        "taxe foncière communes",
        "impôt revenu",
        "SIRENE",
        "sirene etablissements",
        "entreprises",
        "dvf 2021",
        "code_commune",
        "douane importations chine",
        "exportations",
        "budget de l'état",
        "dépenses",
        "recettes fiscales",
        "population communes",
        "dette",
        "naf",
        "commune",
        "la",
        "",
        "tourisme hébergements",
        "contrefaçons",
        "prêts garantis",
        "dotations collectivités",
        "siret",
        "valeurFonciere",
        "revenus des ménages",
        "accises énergétiques",
        "cadastre parcelles",
        "emploi salarié",
    ]
    typed = ["fo", "fon", "fonc", "valeurs fon", "sir", "ent", "entrep", "commu", "douan", "budg", "impo", "exp"]
    filters = [(None, None)] * 3 + [("DGFiP", None), ("INSEE", None), (None, "DVF")]
    return [(rng.choice(words + typed), *rng.choice(filters)) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(20240601)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.migrate()
        seconds = build(store, generate(args.datasets, rng))
        print(f"indexed {args.datasets} datasets in {seconds:.1f} s")
        for text, department, keyword in queries(20, rng):  # warm the caches, as a running server has
            with store.read() as conn:
                search(conn, text, department=department, keyword=keyword)
        timings, cpu, totals = [], [], []
        for text, department, keyword in queries(args.searches, rng):
            started, started_cpu = time.perf_counter(), time.process_time()
            with store.read() as conn:
                result = search(conn, text, department=department, keyword=keyword)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            totals.append(result.total)
        store.close()
    p50, p95 = _percentile(timings, 50), _percentile(timings, 95)
    print(f"{len(timings)} searches, median {statistics.median(totals):.0f} matching datasets")
    print(f"wall clock: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(timings):.1f} ms")
    # CPU time shows the cost without the waits a busy machine adds (SQLite runs in this process).
    print(f"CPU time:   p50 {_percentile(cpu, 50):.1f} ms, p95 {_percentile(cpu, 95):.1f} ms")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"search p95: {p95:.1f} ms (target < {TARGET_MS:.0f} ms)")


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(percent / 100 * len(ordered)) - 1)]


if __name__ == "__main__":
    main()
