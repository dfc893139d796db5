"""Editing a dataset's metadata: checked whole, then written with its search entry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from patrimoine.catalog.entries import reindex, require_id
from patrimoine.catalog.frequencies import FREQUENCIES
from patrimoine.errors import InputError
from patrimoine.store.tables import dataset_columns, datasets

EDITABLE = (
    "title",
    "description",
    "owner",
    "steward",
    "licence",
    "frequency",
    "keywords",
    "temporal_start",
    "temporal_end",
    "spatial",
)


def _check_change(field: str, value: Any) -> Any:
    if field == "frequency" and value is not None and value not in FREQUENCIES:
        raise InputError(f"frequency {value!r} is not one of: {', '.join(FREQUENCIES)}")
    if field in ("temporal_start", "temporal_end") and value is not None:
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise InputError(f"{field.replace('_', ' ')} {value!r} is not a date YYYY-MM-DD") from None
    if field == "keywords" and value is not None:
        return sorted({k.strip() for k in value if k.strip()})
    if field == "title" and not (value or "").strip():
        raise InputError("a title cannot be empty")
    return value


def describe(
    conn: Connection, namespace: str, name: str, changes: dict[str, Any], column_descriptions: dict[str, str]
) -> None:
    """Edit a dataset's metadata and column descriptions; unknown fields or columns are refused whole."""
    dataset_id = require_id(conn, namespace, name)
    values = {}
    for field, value in changes.items():
        if field not in EDITABLE:
            raise InputError(f"unknown field {field!r}; editable fields: {', '.join(EDITABLE)}")
        values[field] = _check_change(field, value)
    names = set(
        conn.execute(
            select(dataset_columns.c.name, dataset_columns.c.original_name).where(
                dataset_columns.c.dataset_id == dataset_id
            )
        ).all()
    )
    by_any = {n: n for n, _ in names} | {o: n for n, o in names}
    for column, text in column_descriptions.items():
        if column not in by_any:
            raise InputError(f"{namespace}.{name} has no column {column!r}")
        conn.execute(
            update(dataset_columns)
            .where(dataset_columns.c.dataset_id == dataset_id, dataset_columns.c.name == by_any[column])
            .values(description=text or None)
        )
    if values or column_descriptions:
        values["updated_at"] = datetime.now(UTC)
        conn.execute(update(datasets).where(datasets.c.id == dataset_id).values(**values))
        reindex(conn, dataset_id)
