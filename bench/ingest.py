"""Ingest throughput and memory on a 2,000,000-row, 40-column CSV shaped like geo-DVF.

Builds the CSV once (cached under bench/.work/) from the value distributions of a real geo-DVF extract, then
runs, each in a fresh process and median of N runs: (a) DuckDB's bare `COPY (SELECT * FROM read_csv(...)) TO
'x.parquet'` with DuckDB's default settings, (b) our full ingest (`patrimoine.open(home).ingest(csv, table)`:
read, infer, write, commit, profile, record) into a fresh home. Prints wall seconds and peak RSS of each process,
the stage breakdown of ours, and as the last line the ratio against the targets.
Run: python bench/ingest.py [--rows N] [--runs N]   (numpy is needed to build the CSV)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
SOURCE = HERE.parent / "examples" / "geodvf_2021_commune_33001_abzac.csv"  # the real extract shipped with the project
TABLE = "dgfip.dvf_bench"
TARGET_RATIO = 2.0
TARGET_MEMORY_GB = 2.0
GENERATOR_VERSION = 2  # bump when the generator changes, so the cached CSV is rebuilt
BATCH_ROWS = 250_000

# Columns whose values are drawn together from the same observed row (keeps pairs such as code_type_local /
# type_local consistent and the empties of a group together). Numeric columns of a group take their emptiness
# from that observed row and their value from the fitted distribution.
GROUPS = {
    "mutation": ["nature_mutation", "valeur_fonciere"],  # one draw per mutation, repeated on its rows
    "disposition": ["numero_disposition"],
    "adresse": ["adresse_numero", "adresse_suffixe", "adresse_nom_voie", "adresse_code_voie"],
    "lots": [
        "numero_volume",
        *(f"lot{i}_{part}" for i in range(1, 6) for part in ("numero", "surface_carrez")),
        "nombre_lots",
    ],
    "local": ["code_type_local", "type_local", "surface_reelle_bati", "nombre_pieces_principales"],
    "culture": [
        "code_nature_culture",
        "nature_culture",
        "code_nature_culture_speciale",
        "nature_culture_speciale",
        "surface_terrain",
    ],
    "position": ["longitude", "latitude", "ancien_code_commune", "ancien_nom_commune", "ancien_id_parcelle"],
}
# Geography: the extract covers one commune; the generated file spreads rows over many communes (skewed
# sizes) so codes vary as in the national file: code_departement 2 chars, code_commune 5, code_postal 5,
# id_parcelle 14 (commune + prefix + section + number), coordinates shifted to each commune's centroid.
COMMUNE_COLUMNS = {"code_postal", "code_commune", "nom_commune", "code_departement"}
DEPARTEMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]
SYLLABLES = (
    "ab bar bel bois bon ca cha char cour fon gar la lan le li lon mar mon neu pey ré ri sain sau ter val vil zac"
)


# ---------------------------------------------------------------- building the CSV (numpy + pyarrow, columnar)


def _observed(path: Path) -> tuple[list[str], dict[str, list[str | None]]]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with path.open(encoding="utf-8") as f:
        names = f.readline().strip().split(",")
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""]
        ),
    )
    return names, {n: table.column(n).to_pylist() for n in names}


_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _kind(values: list[str | None]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "empty"
    numeric = all(_NUMBER.fullmatch(v) for v in present) and not any(re.match(r"-?0[0-9]", v) for v in present)
    return "numeric" if numeric and len(set(present)) >= 20 else "categorical"


class NumericFit:
    """Piecewise (log-)uniform through the observed min, median and max; decimals as observed (trailing
    zeros stripped, as in DVF)."""

    def __init__(self, values: list[str]) -> None:
        import numpy as np

        floats = np.array([float(v) for v in values])
        self.low, self.mid, self.high = float(floats.min()), float(np.median(floats)), float(floats.max())
        self.log = self.low > 0 and self.high / self.low > 20
        decimals = np.array([len(v.split(".")[1]) if "." in v else 0 for v in values])
        self.decimals, counts = np.unique(decimals, return_counts=True)
        self.decimal_p = counts / counts.sum()

    def sample(self, rng: Any, n: int, shift: Any = 0.0) -> Any:
        import numpy as np

        low, mid, high = np.log([self.low, self.mid, self.high]) if self.log else (self.low, self.mid, self.high)
        upper = rng.random(n) < 0.5
        u = rng.random(n)
        x = np.where(upper, mid + u * (high - mid), low + u * (mid - low))
        return (np.exp(x) if self.log else x) + shift

    def format(self, rng: Any, x: Any) -> Any:
        """Strings for floats, each rounded to a number of decimals drawn from the observed ones."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        top = int(self.decimals.max())
        k = rng.choice(self.decimals, size=len(x), p=self.decimal_p)
        scaled = np.rint(np.abs(x) * 10.0**k).astype(np.int64) * (10 ** (top - k))
        whole = pc.cast(pa.array(scaled // 10**top), pa.string())
        if top:
            frac = pc.utf8_lpad(pc.cast(pa.array(scaled % 10**top), pa.string()), width=top, padding="0")
            frac = pc.utf8_rtrim(frac, characters="0")
            whole = pc.if_else(pc.equal(frac, ""), whole, pc.binary_join_element_wise(whole, frac, "."))
        negative = pa.array((x < 0) & (scaled > 0))
        return pc.if_else(negative, pc.binary_join_element_wise("-", whole, ""), whole)


def _with_nulls(values: Any, present: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pa.array(present), values, pa.scalar(None, pa.string()))


def _communes(rng: Any, count: int) -> dict[str, Any]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    deps = np.sort(rng.integers(0, len(DEPARTEMENTS), count))
    first = np.searchsorted(deps, deps, side="left")
    rank = np.arange(count) - first + 1  # 1.. within each departement
    dep = pa.array(np.array(DEPARTEMENTS)[deps])
    number = pc.utf8_lpad(pc.cast(pa.array(rank), pa.string()), width=3, padding="0")
    code = pc.binary_join_element_wise(dep, number, "")
    postal_dep = pc.replace_substring_regex(dep, pattern="^2[AB]$", replacement="20")
    postal = pc.binary_join_element_wise(
        postal_dep, pc.utf8_lpad(pc.cast(pa.array(rng.integers(0, 100, count) * 10), pa.string()), 3, "0"), ""
    )
    syl = np.array(SYLLABLES.split())
    name = np.char.add(syl[rng.integers(0, len(syl), count)], syl[rng.integers(0, len(syl), count)])
    three = rng.random(count) < 0.4
    name = np.where(three, np.char.add(name, syl[rng.integers(0, len(syl), count)]), name)
    name = pc.utf8_capitalize(pa.array(name))
    weights = rng.lognormal(0.0, 1.5, count)
    return {
        "code_departement": dep,
        "code_commune": code,
        "code_postal": postal,
        "nom_commune": name,
        "p": weights / weights.sum(),
        "lon": rng.uniform(-4.5, 7.5, count),
        "lat": rng.uniform(42.5, 51.0, count),
    }


def build_csv(rows: int, path: Path, seed: int = 20210101) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names, observed = _observed(SOURCE)
    m = len(observed[names[0]])
    rng = np.random.default_rng(seed)
    kinds = {n: _kind(observed[n]) for n in names}
    fits = {n: NumericFit([v for v in observed[n] if v is not None]) for n in names if kinds[n] == "numeric"}
    # Dictionaries of observed values (None = empty) to `take` from, per column.
    dicts = {n: pa.array(observed[n], pa.string()) for n in names}
    present = {n: np.array([v is not None for v in observed[n]]) for n in names}
    group_of = {c: g for g, cols in GROUPS.items() for c in cols}
    for c in names:  # any column not named above is drawn by itself
        group_of.setdefault(c, c)

    # Mutations: several rows each (sizes as observed), one id, date, value and nature per mutation.
    ids = [str(i) for i in observed["id_mutation"]]
    sizes_observed = np.array([ids.count(i) for i in dict.fromkeys(ids)])
    first_number = min(int(i.split("-")[1]) for i in ids)
    year = int(str(observed["date_mutation"][0])[:4])
    days = (np.datetime64(f"{year + 1}-01-01") - np.datetime64(f"{year}-01-01")).astype(int)
    communes = _communes(rng, min(34_000, max(1, rows // 60)))
    parcelles = [str(p) for p in observed["id_parcelle"] if p]
    prefixes = pa.array([p[5:8] for p in parcelles])
    sections = pa.array([p[8:10] for p in parcelles])
    parcel_max = max(int(p[10:]) for p in parcelles)
    lon_mid, lat_mid = fits["longitude"].mid, fits["latitude"].mid

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    schema = pa.schema([(n, pa.string()) for n in names])
    next_mutation = 0
    partial.write_text(",".join(names) + "\n", encoding="utf-8")  # Arrow would quote the header names
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    with partial.open("ab") as sink, pacsv.CSVWriter(sink, schema, write_options=options) as writer:
        for start in range(0, rows, BATCH_ROWS):
            size = min(BATCH_ROWS, rows - start)
            sizes = rng.choice(sizes_observed, size=size)  # more than enough mutations
            mutation_of_row = np.repeat(np.arange(size), sizes)[:size]
            k = int(mutation_of_row[-1]) + 1
            # per mutation
            mut_template = rng.integers(0, m, k)
            mut_commune = rng.choice(len(communes["p"]), size=k, p=communes["p"])
            mut_day = np.sort(rng.integers(0, days, k))
            # per row
            template = {g: rng.integers(0, m, size) for g in set(group_of.values())}
            template["mutation"] = mut_template[mutation_of_row]
            commune = mut_commune[mutation_of_row]
            columns: dict[str, Any] = {}
            columns["id_mutation"] = pc.binary_join_element_wise(
                f"{year}-",
                pc.cast(pa.array(first_number + next_mutation + mutation_of_row), pa.string()),
                "",
            )
            dates = (np.datetime64(f"{year}-01-01") + mut_day[mutation_of_row]).astype("datetime64[D]")
            columns["date_mutation"] = pc.cast(pa.array(dates, pa.date32()), pa.string())
            for c in COMMUNE_COLUMNS:
                columns[c] = communes[c].take(pa.array(commune))
            columns["id_parcelle"] = pc.binary_join_element_wise(
                columns["code_commune"],
                prefixes.take(pa.array(rng.integers(0, len(parcelles), size))),
                sections.take(pa.array(rng.integers(0, len(parcelles), size))),
                pc.utf8_lpad(pc.cast(pa.array(rng.integers(1, parcel_max + 1, size)), pa.string()), 4, "0"),
                "",
            )
            for c in names:
                if c in columns:
                    continue
                t = template[group_of[c]]
                if kinds[c] == "numeric":
                    if c == "valeur_fonciere":  # one value per mutation
                        x = fits[c].sample(rng, k)[mutation_of_row]
                    elif c == "longitude":
                        x = fits[c].sample(rng, size, communes["lon"][commune] - lon_mid)
                    elif c == "latitude":
                        x = fits[c].sample(rng, size, communes["lat"][commune] - lat_mid)
                    else:
                        x = fits[c].sample(rng, size)
                    columns[c] = _with_nulls(fits[c].format(rng, x), present[c][t])
                else:  # categorical or empty: the observed value (or emptiness) of the template row
                    columns[c] = dicts[c].take(pa.array(t))
            next_mutation += k
            writer.write_table(pa.table([columns[c] for c in names], schema=schema))
    partial.replace(path)


def dataset(rows: int) -> Path:
    path = WORK / f"geodvf_synthetic_{rows}_v{GENERATOR_VERSION}.csv"
    if not path.exists():
        try:
            import numpy  # noqa: F401
        except ImportError:
            sys.exit("numpy is needed to build the CSV: pip install numpy (into the venv)")
        started = time.perf_counter()
        print(f"building {path.name} ({rows:,} rows) ...", flush=True)
        build_csv(rows, path)
        print(f"built in {time.perf_counter() - started:.1f} s, {path.stat().st_size / 1e6:,.0f} MB", flush=True)
    return path


# ---------------------------------------------------------------- children (one fresh process per measured run)


_PEAK_MB = [0.0]  # the process's peak RSS across resets (a reset also lowers what wait4 reports)


def _reset_peak_rss() -> None:
    _PEAK_MB[0] = max(_PEAK_MB[0], _rss_mb("VmHWM"))
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # Linux: reset VmHWM


def _rss_mb(field: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def child_copy(csv: str, out: str) -> dict[str, Any]:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}'")
    con.close()
    return {"seconds": time.perf_counter() - started}


def child_ingest(csv: str, home: str) -> dict[str, Any]:
    """Our ingest, with the progress stages timed and a few internal steps wrapped (only timed, never changed)."""
    t0 = time.perf_counter()
    import patrimoine
    import patrimoine.ingest
    import patrimoine.ingest.profile

    ingest_module = sys.modules["patrimoine.ingest"]
    profile_module = sys.modules["patrimoine.ingest.profile"]
    timers: dict[str, float] = {}
    peaks: dict[str, float] = {}
    starts: dict[str, float] = {}

    def timed(module: Any, attr: str, label: str) -> None:
        """Time a step; a top-level step also resets the peak RSS at its start and reads it at its end."""
        original = getattr(module, attr, None)
        if original is None:
            return
        top = not label.startswith((" ", "sha256"))

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if top:
                _reset_peak_rss()
                starts.setdefault(label, _rss_mb("VmRSS"))
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timers[label] = timers.get(label, 0.0) + time.perf_counter() - started
                if top:
                    peaks[label] = max(peaks.get(label, 0.0), _rss_mb("VmHWM"))

        setattr(module, attr, wrapper)

    timed(ingest_module, "sha256_of", "sha256 (in a thread, overlaps)")
    timed(ingest_module, "open_source", "open source (sniff)")
    timed(ingest_module, "_infer", "infer types (sample)")
    timed(ingest_module, "_run_with_progress", "DuckDB COPY to Parquet")
    timed(ingest_module, "profile_table", "profile (all)")
    timed(profile_module, "_histograms", "  profile: histograms scan")
    timed(profile_module, "_sample_stats", "  profile: sample, top values, patterns")
    t_import = time.perf_counter()
    platform = patrimoine.open(home)
    timed(platform.lake, "begin_write", "lake: begin write")
    t_open = time.perf_counter()
    stages: list[tuple[str, float]] = []

    def progress(stage: str, _fraction: float | None) -> None:
        if not stages or stages[-1][0] != stage:
            stages.append((stage, time.perf_counter()))

    result = platform.ingest(csv, TABLE, progress=progress)
    t_done = time.perf_counter()
    platform.close()
    t_closed = time.perf_counter()
    timeline = [("import patrimoine", t0, t_import), ("open platform", t_import, t_open)]
    if stages:
        timeline.append(("(before 'reading')", t_open, stages[0][1]))
    for (stage, at), nxt in zip(stages, [s[1] for s in stages[1:]] + [t_done], strict=True):
        timeline.append((stage, at, nxt))
    timeline.append(("close", t_done, t_closed))
    return {
        "seconds": t_done - t_open,
        "rows": result.rows,
        "status": result.status,
        "stages": [(name, b - a) for name, a, b in timeline],
        "timers": timers,
        "peaks": peaks,
        "peak_mb": max(_PEAK_MB[0], _rss_mb("VmHWM")),
        "starts": starts,
    }


# ---------------------------------------------------------------- parent


def run_child(args: list[str]) -> dict[str, Any]:
    """Run this script as a child; wall seconds, CPU seconds and peak RSS of that process alone (wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"child {args[:2]} failed ({proc.returncode}):\n{err.read()[-4000:]}")
        result: dict[str, Any] = json.loads(out.read().strip().splitlines()[-1])
    result["wall"] = wall
    result["rss_mb"] = max(usage.ru_maxrss / 1024, result.get("peak_mb", 0.0))  # ru_maxrss: kilobytes on Linux
    result["cpu"] = usage.ru_utime + usage.ru_stime
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, csv, target = args.child
        result = child_copy(csv, target) if kind == "copy" else child_ingest(csv, target)
        print(json.dumps(result))
        return

    csv = dataset(args.rows)
    import duckdb

    print(
        f"{csv.name}: {args.rows:,} rows x 40 columns, {csv.stat().st_size / 1e6:,.0f} MB; "
        f"{os.cpu_count()} cores, duckdb {duckdb.__version__}; median of {args.runs}; "
        f"load average before: {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    copies, ingests = [], []
    for i in range(args.runs):
        scratch = Path(tempfile.mkdtemp(prefix="ingest-bench-", dir=WORK))
        try:
            out = scratch / "x.parquet"
            copies.append(run_child(["--child", "copy", str(csv), str(out)]))
            copies[-1]["parquet_mb"] = out.stat().st_size / 1e6
            out.unlink()
            ingests.append(run_child(["--child", "ingest", str(csv), str(scratch / "home")]))
            files = list((scratch / "home").rglob("*.parquet"))
            ingests[-1]["parquet_mb"] = sum(f.stat().st_size for f in files) / 1e6
            assert ingests[-1]["rows"] == args.rows, ingests[-1]
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        print(
            f"  run {i + 1}: bare copy {copies[-1]['wall']:.2f} s, {copies[-1]['rss_mb']:.0f} MB; "
            f"ingest {ingests[-1]['wall']:.2f} s, {ingests[-1]['rss_mb']:.0f} MB",
            flush=True,
        )

    def med(results: list[dict[str, Any]], key: str) -> float:
        return float(statistics.median(r[key] for r in results))

    print()
    print(f"{'way':<40} {'wall s':>7} {'in-process s':>13} {'CPU s':>6} {'peak RSS MB':>12} {'Parquet MB':>11}")
    for label, results in (("DuckDB bare COPY read_csv -> Parquet", copies), ("patrimoine ingest (full)", ingests)):
        print(
            f"{label:<40} {med(results, 'wall'):>7.2f} {med(results, 'seconds'):>13.2f} {med(results, 'cpu'):>6.1f} "
            f"{med(results, 'rss_mb'):>12.0f} {med(results, 'parquet_mb'):>11.0f}"
        )

    middle = sorted(ingests, key=lambda r: r["wall"])[len(ingests) // 2]  # one run, so the parts add up
    print(f"\nstage breakdown of our ingest (the median run, {middle['wall']:.2f} s; progress stages in order):")
    for name, value in middle["stages"]:
        print(f"  {name:<40} {value:>7.2f}")
    print("timed steps inside it (seconds; RSS MB at the start of the step -> peak during it):")
    timers, peaks, starts = middle["timers"], middle["peaks"], middle["starts"]
    for name, value in timers.items():
        memory = f" {starts[name]:>7.0f} -> {peaks[name]:.0f} MB" if name in peaks and name in starts else ""
        print(f"  {name:<40} {value:>7.2f}{memory}")
        if name == "profile (all)":
            rest = value - sum(v for k, v in timers.items() if k.startswith("  profile:"))
            print(f"  {'  profile: aggregates pass (the rest)':<40} {rest:>7.2f}")

    ratio = med(ingests, "wall") / med(copies, "wall")
    in_process = med(ingests, "seconds") / med(copies, "seconds")
    peak_gb = med(ingests, "rss_mb") / 1024
    cpu_ratio = med(ingests, "cpu") / med(copies, "cpu")
    print(
        f"\nin-process ratio (without interpreter start, imports, opening the platform): {in_process:.2f}; "
        f"CPU-seconds ratio: {cpu_ratio:.2f}; load average after: {os.getloadavg()[0]:.2f} "
        "(other processes on this machine inflate wall times)"
    )
    print(
        f"ingest/bare-copy ratio: {ratio:.2f} (target <= {TARGET_RATIO}); "
        f"peak memory {peak_gb:.2f} GB (target <= {TARGET_MEMORY_GB:g} GB)"
    )


if __name__ == "__main__":
    main()
