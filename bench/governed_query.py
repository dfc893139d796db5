"""Governed SQL against raw DuckDB: the same 5 aggregate queries over a 5,000,000-row table.

Builds once (cached under bench/.work/) a Parquet file of property sales with the buyer's e-mail and birth date,
ingests it into a fresh home and checks that the classifier labels `email` (email) and `date_naissance`
(birth_date), both restreint. An analyst with clearance interne then reads the table with 2 masked columns (the
e-mail pseudonymised: HMAC-SHA256 written in SQL; the birth date cut to its month) and 1 row filter (their
départements, about 90 % of the rows); an admin reads it with neither. After a warm-up, each query runs N times
in each way, the ways interleaved:
  raw        plain DuckDB (same threads and memory limit) over the table's Parquet files, one connection;
  governed   `Platform.sql(q, as_user=analyst)`: parse, guard, policy decision, sandbox, masked view, audit;
  admin      `Platform.sql(q, as_user=admin)`: the same path without masks or filter (the platform's fixed cost);
  masks      plain DuckDB over the analyst's view with only its masks, and `filter` with only its row filter.
Prints medians (wall and CPU seconds) per query, the steps of the platform path, what the pseudonym expression's
parts cost, and as the last line the ratio governed/raw of the summed medians.
Run: python bench/governed_query.py [--rows N] [--runs N]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

import patrimoine
import patrimoine.policy.service
import patrimoine.query
from patrimoine.config import secret
from patrimoine.engine import scan, schema_of
from patrimoine.policy.document import DEFAULT, PolicyDocument
from patrimoine.policy.masks import BLOCK, filter_sql, hmac_sql, literal, mask_sql, quote

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
TABLE = "bench.ventes"
ADMIN = "admin@bench.gouv.fr"
ANALYST = "analyste@bench.gouv.fr"
TARGET_RATIO = 1.15
SAMPLE_ROWS = 1_000_000  # rows over which the parts of the pseudonym are timed
GENERATOR_VERSION = 2  # bump when the generator changes, so the cached file is rebuilt
EXPECTED_MASKS = {"email": "pseudonymise", "date_naissance": "month"}
EXPECTED_LABELS = {"email": ("email", "restreint"), "date_naissance": ("birth_date", "restreint")}
# 101 codes, rows spread evenly over them; the analyst sees all but the overseas ones and 91-95 (~90 % of rows).
DEPARTEMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
OUTSIDE = {"91", "92", "93", "94", "95", "971", "972", "973", "974", "976"}
NATURES = ["Vente", "Vente en l'état futur d'achèvement", "Adjudication", "Echange", "Expropriation"]

QUERIES = {  # what an analyst of the sales would ask; the first two read the masked columns
    "buyers (count distinct e-mail)": "SELECT count(DISTINCT email) AS acheteurs, count(*) AS ventes FROM bench.ventes",
    "sales by month of birth": (
        "SELECT date_trunc('month', date_naissance) AS mois, count(*) AS ventes, sum(montant) AS montant "
        "FROM bench.ventes GROUP BY mois ORDER BY mois"
    ),
    "amount by département": (
        "SELECT code_departement, count(*) AS ventes, sum(montant) AS montant "
        "FROM bench.ventes GROUP BY code_departement ORDER BY code_departement"
    ),
    "averages by nature": (
        "SELECT nature, avg(montant) AS montant_moyen, avg(surface) AS surface_moyenne, "
        "avg(montant / surface) AS prix_m2 FROM bench.ventes GROUP BY nature ORDER BY nature"
    ),
    "surface percentiles by département": (
        "SELECT code_departement, quantile_cont(surface, [0.1, 0.5, 0.9]) AS surface_p10_p50_p90 "
        "FROM bench.ventes GROUP BY code_departement ORDER BY code_departement"
    ),
}
WAYS = ("raw", "governed", "admin", "masks", "filter")
Timings = dict[tuple[str, str], list[float]]  # (query, way) → seconds of each run


# ---------------------------------------------------------------- the table


def build_parquet(rows: int, path: Path) -> None:
    """Deterministic columns from hashes of the row number; a person (e-mail, birth date) buys about 5 times."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    con = duckdb.connect()
    con.execute("CREATE MACRO h(i, salt, n) AS CAST(hash(i, salt) % n AS BIGINT)")
    people = max(1, rows // 5)
    con.execute(
        f"""COPY (
          WITH d AS (SELECT unnest($deps) AS dep, unnest(range(len($deps))) AS k)
          SELECT i AS id,
            'p' || person || '@' || ['example.fr', 'finances.gouv.fr', 'mel.fr'][1 + person % 3] AS email,
            DATE '1940-01-01' + CAST(h(person, 'b', 23000) AS INTEGER) AS date_naissance,
            d.dep AS code_departement,
            d.dep || lpad(CAST(1 + h(i, 'c', 600) AS VARCHAR), CAST(5 - length(d.dep) AS INTEGER), '0')
              AS code_commune,
            round(h(i, 'v', 100000000) / 100.0, 2) AS montant,
            CAST(10 + h(i, 's', 490) AS INTEGER) AS surface,
            $natures[1 + h(i, 'n', len($natures))] AS nature
          FROM (SELECT i, h(i, 'e', {people}) AS person FROM range({int(rows)}) t(i)) JOIN d ON d.k = h(i, 'd', len($deps))
        ) TO '{partial}' (FORMAT parquet)""",
        {"deps": DEPARTEMENTS, "natures": NATURES},
    )
    con.close()
    partial.replace(path)


def dataset(rows: int) -> Path:
    path = WORK / f"ventes_{rows}_v{GENERATOR_VERSION}.parquet"
    if not path.exists():
        started = time.perf_counter()
        print(f"building {path.name} ({rows:,} rows) ...", flush=True)
        build_parquet(rows, path)
        print(f"built in {time.perf_counter() - started:.1f} s, {path.stat().st_size / 1e6:,.0f} MB", flush=True)
    return path


def set_up(home: Path, source: Path) -> Any:
    """A fresh home with the table, an admin, an analyst with their départements, and a policy with one row filter."""
    os.environ["PATRIMOINE_USER"] = ADMIN
    p = patrimoine.open(home)
    started = time.perf_counter()
    result = p.ingest(source, TABLE)
    print(f"ingested {result.rows:,} rows into {TABLE} in {time.perf_counter() - started:.1f} s", flush=True)
    p.user_add(ADMIN, roles=["admin"], clearance="secret")
    p.user_add(ANALYST, roles=["analyst"], clearance="interne")
    p.user_set(ANALYST, "departements", [d for d in DEPARTEMENTS if d not in OUTSIDE])
    document = {
        **DEFAULT.model_dump(exclude_none=True),
        "row_filters": [{"tables": "bench.*", "rule": "code_departement IN user.departements"}],
    }
    p.set_policy(PolicyDocument.model_validate(document), "bench: one row filter by département")
    return p


def check_governance(p: Any) -> Any:
    """Fail loudly unless the classifier labelled the two columns and the analyst gets 2 masks and 1 filter."""
    sensitivity = {c.column: c for c in p.sensitivity(TABLE).columns}
    for column, (label, level) in EXPECTED_LABELS.items():
        found = sensitivity[column]
        labels = [lab.label for lab in found.labels if lab.status != "rejected"]
        if label not in labels or found.level != level:
            sys.exit(f"classifier: {column} got labels {labels} at level {found.level}, expected {label} / {level}")
    decision = p.access(TABLE, ANALYST)
    if decision.masked != EXPECTED_MASKS or len(decision.row_filters) != 1:
        sys.exit(f"policy: {ANALYST} gets masks {decision.masked} and {len(decision.row_filters)} row filters")
    admin = p.access(TABLE, ADMIN)
    if admin.masked or admin.row_filters:
        sys.exit(f"policy: {ADMIN} gets masks {admin.masked} and filters {admin.row_filters}")
    for column, mask in decision.masked.items():
        print(f"  {ANALYST}: {column} masked ({mask}); label {EXPECTED_LABELS[column][0]}, level restreint")
    only = decision.row_filters[0]
    print(f"  {ANALYST}: row filter {only.column} IN ({len(only.values)} of {len(DEPARTEMENTS)} codes)")
    print(f"  {ADMIN}: nothing masked, no row filter")
    return decision


# ---------------------------------------------------------------- the ways of running a query


def raw_connection(p: Any) -> duckdb.DuckDBPyConnection:
    """Plain DuckDB with the platform's query threads and memory limit."""
    con = duckdb.connect()
    con.execute(f"SET threads = {int(p.settings.query.threads)}")
    con.execute("SET memory_limit = ?", [p.settings.query.memory_limit])
    return con


def views(decision: Any, files: list[str], schema: list[tuple[str, str]], key: bytes) -> dict[str, str]:
    """The raw table, and the analyst's view (as patrimoine.query builds it) with only its masks or its filter."""
    masked = ", ".join(
        f"{mask_sql(decision.masked[n], n, t, key)} AS {quote(n)}" if n in decision.masked else quote(n)
        for n, t in schema
    )
    types = dict(schema)
    where = " AND ".join(filter_sql(f.column, f.values, types[f.column]) for f in decision.row_filters)
    return {
        "raw": f"SELECT * FROM {scan(files)}",
        "masks": f"SELECT {masked} FROM {scan(files)}",
        "filter": f"SELECT * FROM {scan(files)} WHERE {where}",
        "analyst": f"SELECT {masked} FROM {scan(files)} WHERE {where}",
    }


def runner(p: Any, con: duckdb.DuckDBPyConnection, way: str, sql: str) -> Callable[[], list[tuple[Any, ...]]]:
    if way == "governed":
        return lambda: p.sql(sql, as_user=ANALYST).rows
    if way == "admin":
        return lambda: p.sql(sql, as_user=ADMIN).rows
    local = sql.replace("bench.ventes", f"{way}.ventes")
    return lambda: con.sql(local).fetchall()


def same(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    """Equal results, floats to 1e-9 relative (parallel sums add in a different order each time)."""

    def close(x: Any, y: Any) -> bool:
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-9)
        if isinstance(x, list | tuple) and isinstance(y, list | tuple):
            return len(x) == len(y) and all(close(u, v) for u, v in zip(x, y, strict=True))
        return bool(x == y)

    return len(a) == len(b) and all(close(r, s) for r, s in zip(a, b, strict=True))


# ---------------------------------------------------------------- the platform path, step by step (timed, not changed)


STEPS: dict[str, dict[str, list[float]]] = {}  # label → way → seconds of each call, in `instrument`'s order
RECORDING: list[str | None] = [None]  # the way being timed


def _timed(owner: Any, attr: str, label: str) -> None:
    original = getattr(owner, attr)
    STEPS[label] = defaultdict(list)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            if RECORDING[0] is not None:
                STEPS[label][RECORDING[0]].append(time.perf_counter() - started)

    setattr(owner, attr, wrapper)


def instrument(p: Any) -> None:
    q = patrimoine.query
    _timed(p, "sql", "Platform.sql (all)")
    _timed(p, "recover", "  recover check")
    _timed(p, "reader", "  reader (as_user, admin check)")
    _timed(q, "run", "  query.run")
    _timed(q, "referenced_tables", "    sqlglot parse")
    _timed(q.guard, "lake_tables", "    guard (DuckDB's parse)")
    _timed(q, "_files", "    lake files (pyiceberg)")
    _timed(patrimoine.policy.service, "decision", "    policy decision (store)")
    _timed(q, "secret", "    pseudonymisation key")
    _timed(q.shadows, "shadows", "    stored masks (shadow files)")
    _timed(p.sandboxes, "cursor", "    sandbox (kept instance, or built)")
    _timed(p, "audit", "  audit record")


# ---------------------------------------------------------------- the pseudonym expression, part by part


def pseudonym_parts(con: duckdb.DuckDBPyConnection, key: bytes, rows: int) -> list[tuple[str, float]]:
    """CPU seconds per million rows of each stage of the pseudonym, over the first `rows` e-mails (one run each)."""
    padded = (hashlib.sha256(key).digest() if len(key) > BLOCK else key).ljust(BLOCK, b"\0")  # as hmac_sql does
    inner = bytes(b ^ 0x36 for b in padded).hex()
    inner_sql = f"sha256(unhex('{inner}') || encode(email))"
    parts = [
        ("scan the column", "sum(length(email))"),
        ("sha256(value)", "sum(length(sha256(email)))"),
        ("HMAC inner hash: sha256(ipad || value)", f"sum(length({inner_sql}))"),
        ("  + unhex of the inner digest", f"sum(octet_length(unhex({inner_sql})))"),
        ("  + outer hash = HMAC-SHA256", f"sum(length({hmac_sql('email', key)}))"),
        (
            "  + 'ps_' || left(.., 32) = the mask on the fly",
            f"sum(length({mask_sql('pseudonymise', 'email', 'VARCHAR', key)}))",
        ),
        (
            "alternative: sha256(key || value), 128 bits",
            f"sum(length(left(sha256(unhex('{key.hex()}') || encode(email)), 32)))",
        ),
    ]
    found = []
    for label, expression in parts:
        started = time.process_time()
        con.sql(f"SELECT {expression} FROM raw.ventes WHERE id < {int(rows)}").fetchall()
        found.append((label, (time.process_time() - started) / rows * 1e6))
    return found


FILTER_QUERY = "amount by département"


def filter_forms(
    con: duckdb.DuckDBPyConnection, decision: Any, schema: list[tuple[str, str]]
) -> list[tuple[str, float]]:
    """CPU ms of one query with no row filter, with the filter as `IN (...)` and as built (list_contains)."""
    (only,) = decision.row_filters
    column = quote(only.column) if dict(schema)[only.column] == "VARCHAR" else f"CAST({quote(only.column)} AS VARCHAR)"
    values = ", ".join(literal(v) for v in only.values)
    con.execute(f"CREATE VIEW raw.ventes_in AS SELECT * FROM raw.ventes WHERE {column} IN ({values})")
    forms = [
        ("no filter", "raw.ventes"),
        (f"{only.column} IN (...) (DuckDB 1.4: a mark join)", "raw.ventes_in"),
        (f"list_contains([...], {only.column}) (as built)", "filter.ventes"),
    ]
    found = []
    for label, view in forms:
        sql = QUERIES[FILTER_QUERY].replace("bench.ventes", view)
        if label != "no filter" and not same(
            con.sql(sql).fetchall(), con.sql(sql.replace(view, "filter.ventes")).fetchall()
        ):
            sys.exit(f"{label}: not the same rows as the filter as built")
        times = []
        for _ in range(3):
            started = time.process_time()
            con.sql(sql).fetchall()
            times.append(time.process_time() - started)
        found.append((label, statistics.median(times) * 1000))
    return found


def measure(p: Any, con: duckdb.DuckDBPyConnection, runs: int) -> tuple[Timings, Timings]:
    """Wall and CPU seconds of each (query, way): a warm-up that also checks the results, then `runs` rounds."""
    wall: Timings = defaultdict(list)
    cpu: Timings = defaultdict(list)
    for name, sql in QUERIES.items():
        run = {way: runner(p, con, way, sql) for way in WAYS}
        first = {way: run[way]() for way in WAYS}  # warm-up, and the results checked once
        if not same(first["admin"], first["raw"]):
            sys.exit(f"{name}: the admin's governed result differs from raw DuckDB's")
        both = con.sql(sql.replace("bench.ventes", "analyst.ventes")).fetchall()
        if not same(first["governed"], both):
            sys.exit(f"{name}: the analyst's result differs from the same view in plain DuckDB")
        for _ in range(runs):
            for way in WAYS:
                RECORDING[0] = way
                started, started_cpu = time.perf_counter(), time.process_time()
                run[way]()
                wall[name, way].append(time.perf_counter() - started)
                cpu[name, way].append(time.process_time() - started_cpu)
                RECORDING[0] = None
        raw, governed = statistics.median(wall[name, "raw"]), statistics.median(wall[name, "governed"])
        print(f"  {name}: raw {raw:.3f} s, governed {governed:.3f} s", flush=True)
    return wall, cpu


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query and way, after a warm-up")
    args = parser.parse_args()
    source = dataset(args.rows)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-governed-") as tmp:
        p = set_up(Path(tmp) / "home", source)
        decision = check_governance(p)
        files = p.lake.files(p.lake.table("bench", "ventes"))
        key = secret(p.settings, "pseudonymisation_key")
        con = raw_connection(p)
        schema = schema_of(con, files)
        for name, select in views(decision, files, schema, key).items():
            con.execute(f"CREATE SCHEMA {quote(name)}")
            con.execute(f"CREATE VIEW {quote(name)}.ventes AS {select}")
        total, kept = con.sql(
            "SELECT (SELECT count(*) FROM raw.ventes), (SELECT count(*) FROM filter.ventes)"
        ).fetchone()
        print(f"  row filter keeps {kept:,} of {total:,} rows ({kept / total:.1%})", flush=True)
        limits = p.settings.query
        print(f"DuckDB: threads {limits.threads}, memory limit {limits.memory_limit} (raw and governed alike)")
        instrument(p)

        wall, cpu = measure(p, con, args.runs)
        parts = pseudonym_parts(con, key, min(total, SAMPLE_ROWS))
        filters = filter_forms(con, decision, schema)
        con.close()

    report(wall, cpu, args.runs, total, parts, filters)


def report(
    wall: Timings, cpu: Timings, runs: int, total: int, parts: list[tuple[str, float]], filters: list[tuple[str, float]]
) -> None:
    print(f"\nmedian of {runs} runs, wall seconds (CPU seconds in brackets); {total:,} rows")
    header = "".join(f"{w:>17}" for w in WAYS)
    print(f"{'query':<36}{header}{'gov/raw':>9}")
    sums = dict.fromkeys(WAYS, 0.0)
    sums_cpu = dict.fromkeys(WAYS, 0.0)
    for name in QUERIES:
        cells = "".join(f"{_med(wall, name, w):>8.3f} ({_med(cpu, name, w):>6.3f})" for w in WAYS)
        print(f"{name:<36}{cells}{_med(wall, name, 'governed') / _med(wall, name, 'raw'):>8.2f}×")
        for w in WAYS:
            sums[w] += _med(wall, name, w)
            sums_cpu[w] += _med(cpu, name, w)
    cells = "".join(f"{sums[w]:>8.3f} ({sums_cpu[w]:>6.3f})" for w in WAYS)
    print(f"{'total':<36}{cells}{sums['governed'] / sums['raw']:>8.2f}×")

    print("\nthe platform path: mean ms per Platform.sql call (all queries and runs)")
    print(f"{'step':<48}{'governed':>10}{'admin':>10}")
    for label in STEPS:
        print(f"  {label:<46}{_mean_ms(label, 'governed'):>10.1f}{_mean_ms(label, 'admin'):>10.1f}")
        if label == "    lock sandbox":
            rest = [
                _mean_ms("  query.run", w) - sum(_mean_ms(k, w) for k in STEPS if k.startswith("    "))
                for w in ("governed", "admin")
            ]
            print(f"  {'    the query: execute, fetch, close':<46}{rest[0]:>10.1f}{rest[1]:>10.1f}")
    fixed = statistics.median(_med(wall, n, "admin") - _med(wall, n, "raw") for n in QUERIES)
    print(f"fixed cost of the platform path (median over queries of admin - raw): {fixed * 1000:.0f} ms per query")

    print(f"\nthe pseudonym, CPU seconds per million rows (first {min(total, SAMPLE_ROWS):,} rows, one run each):")
    for label, seconds in parts:
        print(f"  {label:<46} {seconds:>6.2f}")
    print(f"\nthe row filter, CPU ms added to '{FILTER_QUERY}' (median of 3, no filter: {filters[0][1]:.0f} ms):")
    for label, ms in filters[1:]:
        print(f"  {label:<46} {ms - filters[0][1]:>+6.0f}")
    print(
        f"\nCPU-seconds ratio governed/raw: {sums_cpu['governed'] / sums_cpu['raw']:.2f}; "
        f"load average after: {os.getloadavg()[0]:.2f} (other processes on this machine inflate wall times)"
    )
    print(f"ratio governed/raw: {sums['governed'] / sums['raw']:.2f} (target ≤ {TARGET_RATIO})")


def _med(timings: Timings, name: str, way: str) -> float:
    return float(statistics.median(timings[name, way]))


def _mean_ms(label: str, way: str) -> float:
    """Mean ms of a step per Platform.sql call of `way` (a step not taken in a call counts 0)."""
    calls = len(STEPS["Platform.sql (all)"][way])
    return sum(STEPS[label][way]) / calls * 1000 if calls else float("nan")


if __name__ == "__main__":
    main()
