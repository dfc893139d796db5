"""The hosting checks of an ingest: before the file is read, before the commit, and after the record.

1. `admit`, before anything is written: the zone of the ingest (a new table's, or the table's own) checked against
   what is already known of the table: its level for an append; for an overwrite, only what outlives its rows
   (declared regimes and a level a steward set on the whole table).
2. `admit_staged`, after the file was written to its staged Parquet file and before the Iceberg commit (the point of
   no return): labels detected on a sample of that file, merged with the stewards' decisions as the record will merge
   them, give the level the table is about to have. Skipped for a zone that allows every level and regime.
3. `settled`, after the record: the level the catalogue now derives (codes of referentials included, which step 2
   does not match); a violation becomes a warning in the ingest's message, and the compliance report lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
from sqlalchemy import select

from patrimoine import catalog
from patrimoine.classify.classifier import classify_column
from patrimoine.classify.records import sensitivity, table_gate
from patrimoine.classify.sensitivity import Decided, column_level, table_level
from patrimoine.classify.service import CLASSIFY_ROWS
from patrimoine.errors import Conflict, NotFound
from patrimoine.hosting.rules import HostingRules
from patrimoine.hosting.service import NoRules, check, refusal, require_zone, stored_zone
from patrimoine.lake.sample import read_sample
from patrimoine.model import TableSensitivity
from patrimoine.store.tables import sensitivity_decisions

if TYPE_CHECKING:
    from patrimoine.platform import Platform


def _rules(platform: Platform, zone: str | None) -> HostingRules | None:
    """The rules, or None when none fit a changed sensitivity scale and the ingest names no zone (nothing to check)."""
    try:
        rules: HostingRules = platform.hosting
    except NoRules:
        if zone is not None:
            raise
        return None
    return rules


def admit(platform: Platform, table: str, zone: str | None, overwrite: bool) -> str | None:
    """The zone the ingest goes to, refused if what is known of the table forbids it; None: no rules apply."""
    rules = _rules(platform, zone)
    if rules is None:
        return None
    with platform.store.read() as conn:
        try:
            dataset_id = catalog.require_id(conn, *catalog.parse_table_name(table))
        except NotFound:  # a new table: only its labels will tell (admit_staged)
            return require_zone(rules, zone or rules.default_zone)
        row = stored_zone(conn, dataset_id)
        current = row.zone if row else rules.default_zone
        if zone is not None and zone != current:
            raise Conflict(
                f"{table} lives in zone {current}: an ingest does not move a table; "
                f"move it first (patrimoine zone set {table} {zone}), then ingest"
            )
        if rules.allows_everything(current):
            return current
        known = sensitivity(conn, dataset_id, platform.rules)
        level = table_gate(conn, dataset_id, platform.rules) if overwrite else Decided(known.level, known.reasons)
    violation = check(platform, table, level.level, known.regimes, current, level.reasons)
    if violation is not None:
        raise refusal(violation, "ingest refused before reading the file")
    return current


def admit_staged(
    platform: Platform, table: str, zone: str | None, files: list[str], rows: int, overwrite: bool
) -> None:
    """Refuse, before the commit, a file whose detected labels give the table a level its zone forbids."""
    if zone is None or platform.hosting.allows_everything(zone):
        return
    level, regimes, new = staged_level(platform, table, files, rows, overwrite)
    violation = check(platform, table, level.level, regimes, zone, level.reasons)
    if violation is not None:
        hint = f"ingest it into {' or '.join(violation.allowed)} instead" if new and violation.allowed else None
        what = "ingest refused before the commit, on the labels detected in the file (nothing was written)"
        raise refusal(violation, what, hint)


def settled(platform: Platform, table: str, zone: str | None) -> str:
    """After the record: "; warning: ..." if the level the catalogue now derives is not allowed in the zone, else ""."""
    if zone is None or platform.hosting.allows_everything(zone):
        return ""
    with platform.store.read() as conn:
        known = sensitivity(conn, catalog.require_id(conn, *catalog.parse_table_name(table)), platform.rules)
    violation = check(platform, table, known.level, known.regimes, zone, known.reasons)
    if violation is None:
        return ""
    return f"; warning: {violation.message()}; it is in the compliance report: {violation.action}"


def staged_level(
    platform: Platform, table: str, files: list[str], rows: int, overwrite: bool
) -> tuple[Decided, list[str], bool]:
    """The level and regimes the table will have once these files are its new rows (overwrite) or added to them,
    and whether the table is new."""
    sample = read_sample(files, rows)
    if sample.num_rows > CLASSIFY_ROWS:  # spread rows, as the classifier reads them after the commit
        step = sample.num_rows / CLASSIFY_ROWS
        sample = sample.take(pa.array([int(i * step) for i in range(CLASSIFY_ROWS)]))
    fresh = {c: classify_column(c, sample.column(c)).findings for c in sample.column_names}
    known, overrides = _known(platform, table)
    labels = {c.column: c.labels for c in known.columns} if known else {}
    columns = {}
    for column in fresh if overwrite else dict.fromkeys([*labels, *fresh]):
        mine = labels.get(column, [])
        rejected = {lab.label for lab in mine if lab.status == "rejected"}
        kept = [(f.label, f.confidence, "suggested") for f in fresh.get(column, []) if f.label not in rejected]
        # Decisions survive the record; earlier suggestions too when the earlier rows stay (append).
        kept += [(lab.label, lab.confidence, lab.status) for lab in mine
                 if lab.status == "confirmed" or (lab.status == "suggested" and not overwrite)]  # fmt: skip
        columns[column] = column_level(platform.rules, kept, overrides.get(column))
    regimes = known.regimes if known else []
    return table_level(platform.rules, columns, regimes, overrides.get(None)), regimes, known is None


def _known(platform: Platform, table: str) -> tuple[TableSensitivity | None, dict[str | None, tuple[str, str, str]]]:
    """The table's current labels and regimes, and the levels stewards set (by column; None: the table's)."""
    with platform.store.read() as conn:
        try:
            dataset_id = catalog.require_id(conn, *catalog.parse_table_name(table))
        except NotFound:
            return None, {}
        decisions = conn.execute(
            select(
                sensitivity_decisions.c.column_name,
                sensitivity_decisions.c.level,
                sensitivity_decisions.c.decided_by,
                sensitivity_decisions.c.reason,
            ).where(sensitivity_decisions.c.dataset_id == dataset_id)
        ).all()
        overrides = {r.column_name: (r.level, r.decided_by, r.reason) for r in decisions}
        return sensitivity(conn, dataset_id, platform.rules), overrides
