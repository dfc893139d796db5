"""cog_passage: every commune code known to the change history, mapped to its 2026 commune.

Built at load from the mouvements file (13 734 rows, so plain Python is enough here) by following
chains of successive merges: A merged into B in 2016, B into C in 2019 gives A -> C.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

# MOD codes after which the old code is no longer a commune of its own (see the INSEE documentation):
# 31 fusion simple, 32 commune nouvelle, 33 fusion-association, 34 fusion-association -> fusion simple,
# 35 suppression de commune déléguée, 41 changement de département, 50 transfert de chef-lieu.
ABSORBING = frozenset({"31", "32", "33", "34", "35", "41", "50"})
CURRENT_TYPES = frozenset({"COM", "ARM"})
HEADER = ("code_ancien", "libelle_ancien", "code_actuel", "libelle_actuel", "date_effet", "mod")


@dataclass(frozen=True)
class _Edge:
    date: str
    target: str
    mod: str
    label: str


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _edges(mouvements: list[dict[str, str]]) -> dict[str, list[_Edge]]:
    edges: dict[str, list[_Edge]] = {}
    for row in mouvements:
        old, new = row["COM_AV"], row["COM_AP"]
        if row["MOD"] in ABSORBING and old and new and old != new:
            edges.setdefault(old, []).append(_Edge(row["DATE_EFF"], new, row["MOD"], row["LIBELLE_AV"]))
    for out in edges.values():
        out.sort(key=lambda e: e.date)
    return edges


def _resolve(code: str, edges: dict[str, list[_Edge]], current: dict[str, str]) -> tuple[str, _Edge] | None:
    """Follow the merges of `code` from its latest one, each next step on or after the previous date."""
    if code in current or code not in edges:
        return None
    first = edges[code][-1]
    seen, step = {code}, first
    while step.target not in current and step.target not in seen:
        seen.add(step.target)
        later = [e for e in edges.get(step.target, []) if e.date >= step.date]
        if not later:
            break
        step = later[0]
    return step.target, first


def build(communes: Path, mouvements: Path, out: Path) -> Path:
    """Write the passage table as CSV (sorted, so the same inputs give the same file and a reload is a no-op)."""
    current = {r["COM"]: r["LIBELLE"] for r in _read(communes) if r["TYPECOM"] in CURRENT_TYPES}
    edges = _edges(_read(mouvements))
    rows = [(code, label, code, label, "", "") for code, label in current.items()]
    for code in edges:
        resolved = _resolve(code, edges, current)
        if resolved is not None:
            target, first = resolved
            rows.append((code, first.label, target, current.get(target, ""), first.date, first.mod))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(sorted(rows))
    return out
