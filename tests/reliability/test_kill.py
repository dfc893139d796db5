"""kill -9 during an ingest: whatever was last committed reads back, catalogue and lake agree, ingest still works.

A child process ingests a ~30 MB CSV (300,000 rows) into a table that holds version 1, and is killed
with SIGKILL at stratified random moments spread over the ingest's measured duration. The children
import patrimoine beforehand and wait for a word on stdin, so that the delays fall within the ingest
itself rather than within Python's start-up.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from reliability_support import assert_agrees

import patrimoine
from patrimoine import catalog

TABLE = "ns.ventes"
ROWS = 300_000
V1_ROWS = 1_000
KILLS = 5

CHILD = """
import sys
import patrimoine  # the imports take a few seconds: done before the word to start
print("ready", flush=True)
home, url, path, table = sys.argv[1:5]
if sys.stdin.readline().strip() != "go":
    sys.exit(3)
with patrimoine.open(home, database_url=url) as platform:
    platform.ingest(path, table)
print("done", flush=True)
"""


def _generate(path: Path, rows: int, seed: int) -> None:
    """A CSV shaped like DVF: codes with leading zeros, French dates, decimal commas, free text."""
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed % 1000 / 1000})")
    con.execute(
        f"""COPY (
            SELECT i AS id,
                   lpad(CAST(CAST(random() * 97000 AS INTEGER) + 1000 AS VARCHAR), 5, '0') AS code_commune,
                   strftime(DATE '2021-01-01' + CAST(random() * 364 AS INTEGER), '%d/%m/%Y') AS date_mutation,
                   replace(printf('%.2f', random() * 1000000), '.', ',') AS valeur_fonciere,
                   'Parcelle ' || i || ' lieu-dit ' || repeat(chr(97 + CAST(random() * 25 AS INTEGER)), 30)
                       AS libelle
            FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ';')"""
    )
    con.close()


def _child(home: Path, url: str, path: Path, log: Path) -> subprocess.Popen[str]:
    with log.open("w") as stderr:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, str(home), url, str(path), TABLE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )


def _ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"


def _go(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()


def _check(home: Path, url: str) -> tuple[int, bool]:
    """Open the platform afresh and check it; returns (snapshots, whether the catalogue lagged before recovery)."""
    ns, name = TABLE.split(".")
    with patrimoine.open(home, database_url=url) as platform:
        snapshots = {s.snapshot_id for s in platform.lake.require(ns, name).snapshots()}
        with platform.store.read() as conn:
            lagged = catalog.recorded_snapshots(conn, ns, name) != snapshots
        assert [d.qualified_name for d in platform.datasets()] == [TABLE]  # runs the recovery
        dataset = assert_agrees(platform, TABLE)
        big_ingests = len(snapshots) - 1  # every version after the first is one whole variant of the big file
        assert dataset.row_count == V1_ROWS + big_ingests * (ROWS + 1)
        assert platform.sql(f"SELECT count(*) FROM {TABLE} WHERE libelle LIKE 'variante %'").rows == [(big_ingests,)]
        assert platform.sql(f"SELECT count(*) FROM {TABLE}", as_of=1).rows == [(V1_ROWS,)]
        return len(snapshots), lagged


@pytest.mark.slow
def test_kill_9_at_random_moments_of_an_ingest(database_url: str, tmp_path: Path) -> None:
    seed = int(os.environ.get("RELIABILITY_KILL_SEED", random.randrange(1_000_000)))
    print(f"seed {seed} (set RELIABILITY_KILL_SEED={seed} to replay the same data and delays)")
    rng = random.Random(seed)
    home = tmp_path / "home"
    logs = tmp_path / "logs"
    logs.mkdir()
    children: list[subprocess.Popen[str]] = []
    try:
        # The big file and its variants (one unique extra row each, so none is skipped as already ingested).
        big = tmp_path / "big.csv"
        variants = [tmp_path / f"big_{i}.csv" for i in range(KILLS + 1)]
        # Start the children first: their imports overlap with the data generation.
        children = [_child(home, database_url, path, logs / f"{i}.log") for i, path in enumerate(variants)]
        _generate(big, ROWS, seed)
        for i, path in enumerate(variants):
            shutil.copyfile(big, path)
            with path.open("a") as f:
                f.write(f"{ROWS + i};01001;01/01/2021;1,00;variante {i}\n")
        v1 = tmp_path / "v1.csv"
        _generate(v1, V1_ROWS, seed + 1)
        with patrimoine.open(home, database_url=database_url) as platform:
            assert platform.ingest(v1, TABLE).version == 1
        for proc in children:
            _ready(proc)

        # Measure one whole ingest (it commits version 2).
        started = time.perf_counter()
        _go(children[0])
        assert children[0].wait(timeout=120) == 0, (logs / "0.log").read_text()
        duration = time.perf_counter() - started
        count, _ = _check(home, database_url)
        assert count == 2

        # Kill the others at stratified random moments over that duration.
        delays = [duration * (i + rng.random()) / KILLS for i in range(KILLS)]
        outcomes = []
        for i, delay in enumerate(delays, start=1):
            proc = children[i]
            _go(proc)
            time.sleep(delay)
            proc.kill()
            code = proc.wait(timeout=30)
            variants[i].unlink()
            before = count
            count, lagged = _check(home, database_url)
            assert count in (before, before + 1)
            assert code == -9 or count == before + 1, f"the child failed: {(logs / f'{i}.log').read_text()}"
            state = "nothing committed" if count == before else "recorded after restart" if lagged else "committed"
            outcomes.append(f"{delay:.2f}s: {state}")
        print(f"ingest {duration:.2f}s; kills: " + "; ".join(outcomes))

        # A fresh ingest still works.
        last = tmp_path / "last.csv"
        _generate(last, 10, seed + 2)
        with patrimoine.open(home, database_url=database_url) as platform:
            result = platform.ingest(last, TABLE)
            assert result.status == "appended" and result.version == count + 1
            dataset = assert_agrees(platform, TABLE)
            assert dataset.row_count == V1_ROWS + (count - 1) * (ROWS + 1) + 10
    finally:
        for proc in children:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    with contextlib.suppress(BrokenPipeError):  # the child died with unread input
                        pipe.close()
