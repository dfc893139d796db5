"""The search index in the metadata store, on SQLite and PostgreSQL: ranking, folding, facets, transactions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, delete, func, insert, select

from patrimoine.errors import InputError, NotFound
from patrimoine.search import index_dataset, remove_dataset, search
from patrimoine.store import Store
from patrimoine.store.tables import datasets, search_documents, search_postings

Columns = list[tuple[str, str | None]]

CATALOGUE: list[tuple[str, str, str, str | None, str, list[str], Columns]] = [
    # namespace, name, title, description, department, keywords, columns
    (
        "fiscalite", "dvf", "Valeurs foncières 2023", "Demandes de valeurs foncières, mutations à titre onéreux.",
        "DGFiP", ["DVF", "Immobilier"], [("code_commune", "Code INSEE de la commune"), ("valeur_fonciere", None)],
    ),
    (
        "fiscalite", "taxe_fonciere", "Taxe foncière par commune", "Taux votés et bases, dont la Corse (2A004).",
        "DGFiP", ["fiscalité", "immobilier"], [("code_commune", None), ("taux_vote", "Taux voté")],
    ),
    (
        "statistiques", "population", "Population légale des communes", None,
        "INSEE", ["Population", "Immobilier"], [("code_commune", None), ("population_municipale", None)],
    ),
    (
        "statistiques", "sirene", "Répertoire SIRENE des entreprises", "Unités légales et établissements actifs.",
        "INSEE", ["Entreprises", "SIRENE"], [("siren", "Numéro SIREN"), ("code_commune", "Commune du siège")],
    ),
    (
        "douane", "importations", "Importations de marchandises", "Valeur des importations par pays d'origine.",
        "DGDDI", ["Commerce extérieur"], [("code_pays", None), ("valeur_euros", None)],
    ),
    (
        "budget", "depenses", "Dépenses du budget de l'État", "Achats de marchandises et de services par mission.",
        "DB", ["Budget"], [("mission", None), ("montant", None)],
    ),
    (
        "finances", "execution", "Exécution budgétaire des programmes", None,
        "DB", ["Finances publiques"], [("programme", None)],
    ),
]  # fmt: skip


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    store.migrate()
    with store.begin() as conn:
        for namespace, name, title, description, department, keywords, columns in CATALOGUE:
            add(conn, namespace, name, title, description, department, keywords, columns)
    yield store
    store.close()


def add(
    conn: Connection,
    namespace: str,
    name: str,
    title: str,
    description: str | None = None,
    department: str = "DGFiP",
    keywords: list[str] | None = None,
    columns: Columns | None = None,
) -> int:
    """Insert a catalogue row and index it in the caller's transaction, as the catalogue service does."""
    now = datetime.now(UTC)
    row = {
        "namespace": namespace,
        "name": name,
        "title": title,
        "description": description,
        "department": department,
        "keywords": keywords or [],
        "created_at": now,
        "updated_at": now,
        "row_count": 0,
        "version": 1,
    }
    key = conn.execute(insert(datasets).values(row)).inserted_primary_key
    assert key is not None
    dataset_id = int(key[0])
    index_dataset(
        conn,
        dataset_id,
        title=title,
        description=description,
        keywords=keywords or [],
        columns=columns or [],
        department=department,
    )
    return dataset_id


def find(store: Store, text: str, **options: object) -> list[str]:
    with store.read() as conn:
        return [hit.table for hit in search(conn, text, **options).hits]  # type: ignore[arg-type]


def test_title_match_beats_description_match(store: Store) -> None:
    assert find(store, "marchandises") == ["douane.importations", "budget.depenses"]


def test_accents_are_folded(store: Store) -> None:
    assert set(find(store, "fonciere ")) == {"fiscalite.dvf", "fiscalite.taxe_fonciere"}
    assert find(store, "depenses etat") == find(store, "Dépenses État") == ["budget.depenses"]


def test_inflections_match(store: Store) -> None:
    # "commune" finds the title "… des communes" and every code_commune column, the title first.
    found = find(store, "commune ")
    assert found[0] == "statistiques.population"
    assert set(found) == {"statistiques.population", "fiscalite.taxe_fonciere", "fiscalite.dvf", "statistiques.sirene"}


def test_every_word_must_match_and_matched_words_are_reported(store: Store) -> None:
    with store.read() as conn:
        result = search(conn, "Valeurs foncières")
    assert [hit.table for hit in result.hits] == ["fiscalite.dvf"]
    assert result.total == 1
    assert result.hits[0].matched == ["Valeurs", "foncières"]
    assert result.hits[0].title == "Valeurs foncières 2023"
    assert result.hits[0].department == "DGFiP"
    assert result.hits[0].score > 0


def test_without_a_full_match_the_best_partial_matches_come(store: Store) -> None:
    with store.read() as conn:
        result = search(conn, "foncières zanzibar ")
    assert {hit.table for hit in result.hits} == {"fiscalite.dvf", "fiscalite.taxe_fonciere"}
    assert all(hit.matched == ["foncières"] for hit in result.hits)


def test_codes_and_table_names_are_searchable(store: Store) -> None:
    assert find(store, "2A004") == ["fiscalite.taxe_fonciere"]
    assert find(store, "siren") == ["statistiques.sirene"]  # SIRENE and SIREN share their stem
    assert find(store, "taxe_fonciere") == ["fiscalite.taxe_fonciere"]
    assert find(store, "DGDDI") == ["douane.importations"]


def test_the_last_word_is_also_a_prefix(store: Store) -> None:
    assert set(find(store, "fonc")) == {"fiscalite.dvf", "fiscalite.taxe_fonciere"}
    assert find(store, "valeurs fon") == ["fiscalite.dvf"]
    assert find(store, "marchand") == ["douane.importations", "budget.depenses"]
    assert find(store, "fonc ") == []  # a finished word is not a prefix any more
    assert find(store, "fo") == []  # completions start at the third letter
    with store.read() as conn:
        assert search(conn, "valeurs fon").hits[0].matched == ["valeurs", "fon"]


def test_a_completion_ranks_below_the_word_itself(store: Store) -> None:
    # "budget" is the exact word of depenses, a completion (budgétaire) for execution.
    assert find(store, "budget") == ["budget.depenses", "finances.execution"]
    assert find(store, "budget ") == ["budget.depenses"]


def test_facets_count_the_matching_datasets(store: Store) -> None:
    with store.read() as conn:
        result = search(conn, "commune ")
    assert result.total == 4
    assert result.facets["department"] == {"DGFiP": 2, "INSEE": 2}
    # Two spellings of one keyword count together, shown with the more frequent spelling.
    assert result.facets["keyword"] == {
        "Immobilier": 3, "DVF": 1, "Entreprises": 1, "fiscalité": 1, "Population": 1, "SIRENE": 1,
    }  # fmt: skip


def test_department_filter_keeps_its_facet_open(store: Store) -> None:
    with store.read() as conn:
        result = search(conn, "commune ", department="insee")
    assert {hit.table for hit in result.hits} == {"statistiques.population", "statistiques.sirene"}
    assert result.total == 2
    assert result.facets["department"] == {"DGFiP": 2, "INSEE": 2}  # other departments still offered
    assert result.facets["keyword"] == {"Entreprises": 1, "Immobilier": 1, "Population": 1, "SIRENE": 1}


def test_keyword_filter_ignores_case_and_accents(store: Store) -> None:
    with store.read() as conn:
        result = search(conn, "", keyword="IMMOBILIER")
        fiscal = search(conn, "", keyword="Fiscalite")
    assert [hit.table for hit in result.hits] == [
        "statistiques.population", "fiscalite.taxe_fonciere", "fiscalite.dvf",
    ]  # fmt: skip
    assert result.facets["department"] == {"DGFiP": 2, "INSEE": 1}
    assert result.facets["keyword"]["Budget"] == 1  # the keyword facet ignores the keyword filter
    assert [hit.table for hit in fiscal.hits] == ["fiscalite.taxe_fonciere"]


def test_both_filters_together(store: Store) -> None:
    with store.read() as conn:
        result = search(conn, "commune", department="DGFiP", keyword="DVF")
    assert [hit.table for hit in result.hits] == ["fiscalite.dvf"]
    assert result.facets["department"] == {"DGFiP": 1}  # datasets with keyword DVF, any department
    assert result.facets["keyword"] == {"Immobilier": 2, "DVF": 1, "fiscalité": 1}  # DGFiP's, any keyword


def test_an_empty_query_browses_by_title(store: Store) -> None:
    with store.read() as conn:
        result = search(conn, "")
        stop_words_only = search(conn, "de la")
    titles = [hit.title for hit in result.hits]
    assert result.total == len(CATALOGUE) == len(titles)
    assert titles[:3] == [
        "Dépenses du budget de l'État",
        "Exécution budgétaire des programmes",
        "Importations de marchandises",
    ]
    assert all(hit.score == 0 and hit.matched == [] for hit in result.hits)
    assert result.facets["department"] == {"DB": 2, "DGFiP": 2, "INSEE": 2, "DGDDI": 1}
    assert stop_words_only.hits == result.hits


def test_paging(store: Store) -> None:
    everything = find(store, "")
    assert find(store, "", limit=3) == everything[:3]
    assert find(store, "", limit=3, offset=3) == everything[3:6]
    assert find(store, "commune ", limit=2, offset=1) == find(store, "commune ")[1:3]
    with store.read() as conn:
        assert search(conn, "commune", limit=0).total == 4
        with pytest.raises(InputError):
            search(conn, "commune", offset=-1)


def test_reindexing_replaces_the_old_terms(store: Store) -> None:
    with store.begin() as conn:
        dataset_id = conn.execute(select(datasets.c.id).where(datasets.c.name == "importations")).scalar_one()
        index_dataset(
            conn,
            dataset_id,
            title="Exportations de vins",
            description=None,
            keywords=[],
            columns=[],
            department="DGDDI",
        )
    assert find(store, "marchandises") == ["budget.depenses"]
    assert find(store, "vins") == ["douane.importations"]


def test_removed_and_deleted_datasets_are_not_found(store: Store) -> None:
    with store.begin() as conn:
        dvf = conn.execute(select(datasets.c.id).where(datasets.c.name == "dvf")).scalar_one()
        remove_dataset(conn, dvf)
        conn.execute(delete(datasets).where(datasets.c.name == "sirene"))  # the postings go by cascade
    assert find(store, "foncières") == ["fiscalite.taxe_fonciere"]
    assert find(store, "entreprises") == []
    with store.read() as conn:
        left = conn.execute(
            select(func.count()).select_from(search_postings).where(search_postings.c.dataset_id == dvf)
        )
        assert left.scalar_one() == 0


def test_a_rolled_back_transaction_leaves_no_index_entry(store: Store) -> None:
    with pytest.raises(RuntimeError), store.begin() as conn:
        add(conn, "meteo", "orages", "Orages et foudre", department="SG")
        assert find_in(conn, "orages") == ["meteo.orages"]  # visible inside its own transaction
        raise RuntimeError("the ingest failed after indexing")
    assert find(store, "orages") == []
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(search_postings)).scalar_one() > 0
        orphans = select(search_documents.c.dataset_id).where(
            search_documents.c.dataset_id.not_in(select(datasets.c.id))
        )
        assert conn.execute(orphans).all() == []
        assert conn.execute(select(func.count()).select_from(search_documents)).scalar_one() == len(CATALOGUE)


def find_in(conn: Connection, text: str) -> list[str]:
    return [hit.table for hit in search(conn, text).hits]


def test_indexing_an_unknown_dataset_fails(store: Store) -> None:
    with pytest.raises(NotFound), store.begin() as conn:
        index_dataset(conn, 10_000, title="x", description=None, keywords=[], columns=[], department="SG")
