"""Labels, legal regimes and level decisions in the store: merged at each ingest, decided by stewards.

A steward's decision (a confirmed or rejected label, a level set by hand) is never undone by a later ingest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from patrimoine.classify.classifier import Finding
from patrimoine.classify.sensitivity import Decided, SensitivityRules, column_level, table_level
from patrimoine.errors import InputError, NotFound
from patrimoine.model import ColumnSensitivity, Label, TableSensitivity
from patrimoine.referentials.matching import Match
from patrimoine.store import as_utc
from patrimoine.store.tables import (
    column_labels,
    dataset_columns,
    datasets,
    legal_regimes,
    referential_matches,
    referentials,
    sensitivity_decisions,
)

STATUSES = ("suggested", "confirmed", "rejected")


def rules_from(settings: dict[str, Any]) -> SensitivityRules:
    """Rules from the `[sensitivity]` configuration, defaults where it is silent."""
    defaults = SensitivityRules()
    try:
        levels = tuple(settings.get("levels", defaults.levels))
        return SensitivityRules(
            levels=levels,
            label_levels={**defaults.label_levels, **dict(settings.get("labels", {}))},
            regime_levels={**defaults.regime_levels, **dict(settings.get("regimes", {}))},
        )
    except (TypeError, ValueError) as exc:
        raise InputError(f"[sensitivity] configuration: {exc}") from None


def store_findings(conn: Connection, dataset_id: int, findings: dict[str, list[Finding]]) -> None:
    """Merge the labels detected on the current version with what is stored, keeping every decision."""
    now = datetime.now(UTC)
    stored = {
        (r.column_name, r.label): r
        for r in conn.execute(select(column_labels).where(column_labels.c.dataset_id == dataset_id))
    }
    detected = {(column, f.label): f for column, found in findings.items() for f in found}
    for key, finding in detected.items():
        values = {
            "confidence": finding.confidence,
            "evidence": finding.evidence,
            "examples": finding.examples,
            "updated_at": now,
        }
        if key in stored:
            conn.execute(update(column_labels).where(column_labels.c.id == stored[key].id).values(**values))
        else:
            conn.execute(
                insert(column_labels).values(
                    dataset_id=dataset_id,
                    column_name=key[0],
                    label=key[1],
                    origin="detected",
                    status="suggested",
                    **values,
                )
            )
    # A suggestion no longer supported by the data goes; decisions and stewards' own labels stay.
    gone = [
        r.id for key, r in stored.items() if key not in detected and r.origin == "detected" and r.status == "suggested"
    ]
    if gone:
        conn.execute(delete(column_labels).where(column_labels.c.id.in_(gone)))


def store_matches(conn: Connection, dataset_id: int, matches: dict[str, list[Match]]) -> None:
    """Replace the table's match rates against referentials with those of its current version."""
    conn.execute(delete(referential_matches).where(referential_matches.c.dataset_id == dataset_id))
    ids = {
        (r.name, r.version): r.id
        for r in conn.execute(select(referentials.c.id, referentials.c.name, referentials.c.version))
    }
    now = datetime.now(UTC)
    rows = [
        {
            "dataset_id": dataset_id,
            "column_name": column,
            "referential_id": ids[(m.referential, m.version)],
            "matched": m.matched,
            "total": m.distinct,
            "computed_at": now,
            "details": {
                "rate": m.rate,
                "message": m.message,
                "unmatched_examples": m.unmatched_examples,
                "merged": [s.model_dump() for s in m.merged],
            },
        }
        for column, found in matches.items()
        for m in found
        if (m.referential, m.version) in ids
    ]
    if rows:
        conn.execute(insert(referential_matches), rows)


def _columns(conn: Connection, dataset_id: int) -> list[str]:
    query = select(dataset_columns.c.name).where(dataset_columns.c.dataset_id == dataset_id)
    return list(conn.execute(query.order_by(dataset_columns.c.position)).scalars())


def _require_column(conn: Connection, dataset_id: int, column: str) -> None:
    if column not in _columns(conn, dataset_id):
        raise NotFound(f"no column {column!r} in this table")


def decide_label(
    conn: Connection, dataset_id: int, column: str, label: str, status: str, by: str, comment: str | None
) -> None:
    """Confirm or reject a label; adding one that was never detected makes it a steward's label."""
    from patrimoine.classify.labels import ALL_LABELS
    from patrimoine.referentials import CODE_KINDS

    if status not in ("confirmed", "rejected"):
        raise InputError(f"status must be confirmed or rejected, not {status!r}")
    _require_column(conn, dataset_id, column)
    now = datetime.now(UTC)
    found = conn.execute(
        select(column_labels.c.id).where(
            column_labels.c.dataset_id == dataset_id,
            column_labels.c.column_name == column,
            column_labels.c.label == label,
        )
    ).scalar_one_or_none()
    decision = {"status": status, "decided_by": by, "decided_at": now, "comment": comment, "updated_at": now}
    if found is not None:
        conn.execute(update(column_labels).where(column_labels.c.id == found).values(**decision))
        return
    if label not in (*ALL_LABELS, *CODE_KINDS):
        raise InputError(f"unknown label {label!r}; labels: {', '.join((*ALL_LABELS, *CODE_KINDS))}")
    conn.execute(
        insert(column_labels).values(
            dataset_id=dataset_id,
            column_name=column,
            label=label,
            confidence=1.0,
            evidence=f"added by {by}",
            examples=[],
            origin="steward",
            **decision,
        )
    )


def set_level(
    conn: Connection,
    dataset_id: int,
    column: str | None,
    level: str | None,
    by: str,
    reason: str,
    rules: SensitivityRules,
) -> None:
    """A steward's level for a column (or the table when column is None); level None removes the decision."""
    if column is not None:
        _require_column(conn, dataset_id, column)
    where = (sensitivity_decisions.c.dataset_id == dataset_id) & (
        sensitivity_decisions.c.column_name.is_(None)
        if column is None
        else sensitivity_decisions.c.column_name == column
    )
    conn.execute(delete(sensitivity_decisions).where(where))
    if level is not None:
        if not reason.strip():
            raise InputError("say why: a level set by hand needs a reason")
        conn.execute(
            insert(sensitivity_decisions).values(
                dataset_id=dataset_id,
                column_name=column,
                level=rules.check_level(level),
                reason=reason,
                decided_by=by,
                decided_at=datetime.now(UTC),
            )
        )


def declare_regime(
    conn: Connection, dataset_id: int, regime: str, by: str, remove: bool, rules: SensitivityRules
) -> None:
    rules.check_regime(regime)
    conn.execute(
        delete(legal_regimes).where(legal_regimes.c.dataset_id == dataset_id, legal_regimes.c.regime == regime)
    )
    if not remove:
        conn.execute(
            insert(legal_regimes).values(
                dataset_id=dataset_id, regime=regime, declared_by=by, declared_at=datetime.now(UTC)
            )
        )


def _label(row: Any) -> Label:
    decided_at = as_utc(row.decided_at) if row.decided_at else None
    return Label(
        column=row.column_name,
        label=row.label,
        confidence=row.confidence,
        evidence=row.evidence,
        examples=list(row.examples or []),
        origin=row.origin,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=decided_at,
        comment=row.comment,
    )


def sensitivity(conn: Connection, dataset_id: int, rules: SensitivityRules) -> TableSensitivity:
    """Levels of a table and its columns, derived from kept labels, regimes and stewards' decisions."""
    row = conn.execute(select(datasets.c.namespace, datasets.c.name).where(datasets.c.id == dataset_id)).one()
    labels = [
        _label(r)
        for r in conn.execute(
            select(column_labels)
            .where(column_labels.c.dataset_id == dataset_id)
            .order_by(column_labels.c.column_name, column_labels.c.label)
        )
    ]
    overrides = {
        r.column_name: (r.level, r.decided_by, r.reason)
        for r in conn.execute(select(sensitivity_decisions).where(sensitivity_decisions.c.dataset_id == dataset_id))
    }
    regimes = list(
        conn.execute(select(legal_regimes.c.regime).where(legal_regimes.c.dataset_id == dataset_id)).scalars()
    )
    columns: dict[str, Decided] = {}
    details = []
    for column in _columns(conn, dataset_id):
        mine = [lab for lab in labels if lab.column == column]
        kept = [(lab.label, lab.confidence, lab.status) for lab in mine if lab.status != "rejected"]
        decided = column_level(rules, kept, overrides.get(column))
        columns[column] = decided
        details.append(ColumnSensitivity(column=column, level=decided.level, reasons=decided.reasons, labels=mine))
    table = table_level(rules, columns, regimes, overrides.get(None))
    return TableSensitivity(
        table=f"{row.namespace}.{row.name}", level=table.level, reasons=table.reasons, regimes=regimes, columns=details
    )


def table_gate(conn: Connection, dataset_id: int, rules: SensitivityRules) -> Decided:
    """The level that decides access to the table as a whole: its declared regimes and a steward's table level.

    Columns' levels are not part of it: a sensitive column is masked, it does not close the whole table.
    """
    override = conn.execute(
        select(sensitivity_decisions.c.level, sensitivity_decisions.c.decided_by, sensitivity_decisions.c.reason).where(
            sensitivity_decisions.c.dataset_id == dataset_id, sensitivity_decisions.c.column_name.is_(None)
        )
    ).first()
    regimes = list(
        conn.execute(select(legal_regimes.c.regime).where(legal_regimes.c.dataset_id == dataset_id)).scalars()
    )
    decided = table_level(rules, {}, regimes, tuple(override) if override else None)
    if not override and not regimes:
        return Decided(rules.lowest, ["no regime declared, no level set on the table"])
    return decided
