"""`patrimoine demo`: load the example datasets, then show the catalogue, a search and a SQL join over them."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from patrimoine import examples
from patrimoine.cli.catalogue import datasets_table, search_table
from patrimoine.cli.context import JSON_OPTION, platform
from patrimoine.cli.lake import render_result
from patrimoine.cli.output import console, errors, to_json
from patrimoine.model import Dataset, QueryResult, SearchResult

SEARCHES = ("commune", "valeur foncière")
# One value per sale: geo-DVF repeats a mutation's price on each of its lines (parcels, premises).
JOIN = """\
WITH ventes AS (
    SELECT id_mutation, code_commune, max(valeur_fonciere) AS valeur
    FROM dgfip.dvf_abzac_2021
    WHERE nature_mutation = 'Vente'
    GROUP BY id_mutation, code_commune
)
SELECT c.com AS code_commune, c.libelle AS commune, c.dep AS departement,
       e.raison_sociale AS epci, count(*) AS ventes,
       CAST(round(median(v.valeur)) AS BIGINT) AS prix_median_eur
FROM ventes v
JOIN insee.communes_2026 c ON c.com = v.code_commune AND c.typecom = 'COM'
LEFT JOIN dgcl.epci_2025 e ON e.insee = c.com
GROUP BY ALL
ORDER BY ventes DESC"""
JOIN_TABLES = {"dgfip.dvf_abzac_2021", "insee.communes_2026", "dgcl.epci_2025"}


def next_steps(home: Path | None) -> list[str]:
    """Commands worth trying on the loaded examples, with the --home the demo ran on."""
    cli = "patrimoine" + (f" --home {shlex.quote(str(home))}" if home else "")
    return [
        f"{cli} show dgfip.dvf_abzac_2021",
        f'{cli} search "taxe d\'habitation"',
        f'{cli} sql "SELECT dep, count(*) AS communes FROM insee.communes_2026 '
        "WHERE typecom = 'COM' GROUP BY dep ORDER BY communes DESC LIMIT 5\"",
        f'{cli} sql "SELECT mission_label, cp_eur_jo FROM budget.lfi_2026_credits_missions" --format csv',
        f'{cli} describe insee.naf_rev2 --column niv2="Code de la division, deux chiffres"',
        f'{cli} sql "SELECT count(*) FROM insee.communes_2026" --as-of 1',
        f"{cli} ingest YOUR_FILE.csv --table NAMESPACE.NAME",
    ]


def _progress(loaded: examples.Loaded) -> str:
    r = loaded.ingest
    described = f", {len(loaded.described)} metadata updates" if loaded.described else ""
    return f"  {r.status:<9} {r.table:<32} {r.total_rows:>7,} rows  ({r.seconds:.1f} s{described})"


def _render(
    c: Console, found: list[Dataset], searches: list[SearchResult], result: QueryResult | None, steps: list[str]
) -> None:
    c.print()
    c.print(datasets_table(found, title="Catalogue"))
    for found_search in searches:
        c.print()
        c.print(f"$ patrimoine search {shlex.quote(found_search.query)}", style="bold", markup=False)
        c.print(search_table(found_search))  # hits only: keyword facets would fill the screen
    if result is not None:
        c.print()
        c.print("SQL join of DVF sales, COG communes and EPCI members:", style="bold")
        c.print(JOIN, markup=False, highlight=False)
        render_result(result)
    c.print()
    c.print("What to try next:", style="bold")
    activate = Path(sys.executable).parent / "activate"
    if shutil.which("patrimoine") is None and activate.is_file():  # `make demo` does not put .venv on the PATH
        c.print(f"  source {shlex.quote(str(activate))}", markup=False, highlight=False, soft_wrap=True)
    for step in steps:
        c.print(f"  {step}", markup=False, highlight=False, soft_wrap=True)


def _summary(
    folder: Path,
    loaded: list[examples.Loaded],
    found: list[Dataset],
    searches: list[SearchResult],
    result: QueryResult | None,
    steps: list[str],
) -> dict[str, Any]:
    return {
        "examples": str(folder),
        "loaded": [
            {
                "table": x.ingest.table,
                "file": x.example.file.name,
                "status": x.ingest.status,
                "version": x.ingest.version,
                "rows": x.ingest.total_rows,
                "rows_added": x.ingest.rows,
                "described": x.described,
                "seconds": round(x.ingest.seconds, 3),
            }
            for x in loaded
        ],
        "catalogue": [
            {"table": d.qualified_name, "title": d.title, "rows": d.row_count, "version": d.version} for d in found
        ],
        "searches": [s.model_dump(mode="json") for s in searches],
        "sql": None
        if result is None
        else {
            "query": JOIN,
            "columns": result.columns,
            "rows": [dict(zip(result.columns, row, strict=True)) for row in result.rows],
        },
        "next": steps,
    }


def demo(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--examples",
            help="Folder holding a catalogue.toml manifest and its files (default: the repository's examples/).",
        ),
    ] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Load the example open datasets into the lake and the catalogue, then tour them.

    Safe to run again: files already ingested and metadata already written are left as they are.
    """
    folder = examples.find_folder(folder)
    wanted = examples.read_manifest(folder)
    out = errors if as_json else console  # with --json, stdout holds only the JSON document
    out.print(f"Loading {len(wanted)} example datasets from {folder}", markup=False, highlight=False)
    with platform(ctx) as p:
        loaded = examples.load(
            p, wanted, lambda x: out.print(_progress(x), markup=False, highlight=False, soft_wrap=True)
        )
        found = p.datasets()
        searches = [p.search(text, limit=5) for text in SEARCHES]
        # Another manifest (--examples) may not hold the tables the join reads.
        result = p.sql(JOIN) if {x.ingest.table for x in loaded} >= JOIN_TABLES else None
    steps = next_steps(ctx.find_root().obj)
    if as_json:
        sys.stdout.write(to_json(_summary(folder, loaded, found, searches, result, steps)) + "\n")
    else:
        _render(console, found, searches, result, steps)


def register(app: typer.Typer) -> None:
    app.command()(demo)
