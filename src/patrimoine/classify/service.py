"""Classification of a table's columns, and the stewards' review of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
from sqlalchemy import Connection

from patrimoine import catalog
from patrimoine.classify.classifier import Classification, Finding, classify_column
from patrimoine.classify.records import (
    decide_label,
    declare_regime,
    sensitivity,
    set_level,
    store_findings,
    store_matches,
)
from patrimoine.lake.sample import read_sample
from patrimoine.model import ColumnProfile, TableSensitivity
from patrimoine.referentials import list_referentials, match_rates
from patrimoine.referentials.matching import DETECT_THRESHOLD, Match

if TYPE_CHECKING:
    from patrimoine.platform import Platform


# Dominant shapes (from the profile) worth matching against each kind of referential: the match itself is a
# join in DuckDB, so it runs only where a column could be such codes.
CODE_SHAPES = {
    "cog_commune": {"99999", "9A999"},
    "cog_departement": {"99", "9A", "999"},
    "cog_region": {"99"},
    "naf": {"99.99A", "9999A"},
    "nc8": {"99999999", "9999 99 99"},
}


@dataclass(frozen=True)
class Detected:
    classifications: dict[str, Classification]
    matches: dict[str, list[Match]]  # column -> match rates against each loaded version of a referential

    def findings(self) -> dict[str, list[Finding]]:
        found = {c: list(r.findings) for c, r in self.classifications.items()}
        for column, matches in self.matches.items():
            best: dict[str, Match] = {}
            for m in matches:
                if m.rate >= DETECT_THRESHOLD and (m.kind not in best or m.rate > best[m.kind].rate):
                    best[m.kind] = m
            found.setdefault(column, []).extend(Finding(k, round(m.rate, 4), m.message) for k, m in best.items())
        return found


CLASSIFY_ROWS = 20_000  # rows of the profile's sample the classifier reads: it keeps 1,000 distinct values anyway


def detect(
    platform: Platform, files: list[str], profiles: dict[str, ColumnProfile], rows: int, sample: pa.Table | None = None
) -> Detected:
    """What each column holds (identifiers, personal data, codes of a referential), judged on a sample of rows."""
    sample = read_sample(files, rows) if sample is None else sample
    if sample.num_rows > CLASSIFY_ROWS:  # rows spread over the whole sample, not its first row group
        step = sample.num_rows / CLASSIFY_ROWS
        sample = sample.take(pa.array([int(i * step) for i in range(CLASSIFY_ROWS)]))
    columns = [c for c in profiles if c in sample.column_names]
    classifications = {c: classify_column(c, sample.column(c)) for c in columns}
    loaded = {r.kind for r in list_referentials(platform)}
    matches: dict[str, list[Match]] = {}
    for column in columns:
        profile = profiles[column]
        for kind, shapes in CODE_SHAPES.items():
            if kind in loaded and profile.dominant_pattern in shapes and (profile.pattern_share or 0) >= 0.5:
                matches.setdefault(column, []).extend(match_rates(platform, sample.column(column), kind))
    return Detected(classifications, matches)


def classify_table(platform: Platform, table: str) -> TableSensitivity:
    """Detect labels again on the current version, keep stewards' decisions, and explain what was turned down."""
    namespace, name = catalog.parse_table_name(table)
    with platform.store.read() as conn:
        dataset = catalog.get_dataset(conn, namespace, name)
    files = platform.lake.files(platform.lake.require(namespace, name))
    profiles = {c.name: c.profile for c in dataset.columns if c.profile is not None}
    found = detect(platform, files, profiles, dataset.row_count)
    with platform.store.begin() as conn:
        dataset_id = catalog.require_id(conn, namespace, name)
        store_detected(conn, dataset_id, found)
        result = sensitivity(conn, dataset_id, platform.rules)
    refused = {c: [r.evidence for r in k.rejected] for c, k in found.classifications.items()}
    columns = [c.model_copy(update={"turned_down": refused.get(c.column, [])}) for c in result.columns]
    return result.model_copy(update={"columns": columns})


def store_detected(conn: Connection, dataset_id: int, found: Detected) -> None:
    """Labels merged with stewards' decisions, and the referential match rates, in the caller's transaction."""
    store_findings(conn, dataset_id, found.findings())
    store_matches(conn, dataset_id, found.matches)


def _dataset_id(conn: Connection, table: str) -> int:
    return catalog.require_id(conn, *catalog.parse_table_name(table))


def table_sensitivity(platform: Platform, table: str) -> TableSensitivity:
    with platform.store.read() as conn:
        return sensitivity(conn, _dataset_id(conn, table), platform.rules)


def review_label(
    platform: Platform, table: str, column: str, label: str, status: str, by: str, comment: str | None
) -> TableSensitivity:
    with platform.store.begin() as conn:
        decide_label(conn, _dataset_id(conn, table), column, label, status, by, comment)
    return table_sensitivity(platform, table)


def review_level(
    platform: Platform, table: str, column: str | None, level: str | None, by: str, reason: str
) -> TableSensitivity:
    with platform.store.begin() as conn:
        set_level(conn, _dataset_id(conn, table), column, level, by, reason, platform.rules)
    return table_sensitivity(platform, table)


def review_regime(platform: Platform, table: str, regime: str, by: str, remove: bool) -> TableSensitivity:
    with platform.store.begin() as conn:
        declare_regime(conn, _dataset_id(conn, table), regime, by, remove, platform.rules)
    return table_sensitivity(platform, table)
