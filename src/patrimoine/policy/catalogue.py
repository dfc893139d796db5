"""The catalogue as a reader may see it: profiles quote values (min, max, most frequent), so they follow the policy.

A column the reader would get masked shows no values in its profile; a table they may not read shows none at all.
Counts and shares (rows, nulls, distinct values, lengths, the dominant pattern) reveal no one and stay.
"""

from __future__ import annotations

from patrimoine.model import ColumnProfile, Dataset, Decision

VALUE_FIELDS: dict[str, object] = {"min": None, "max": None, "top_values": [], "histogram": []}


def _hide(profile: ColumnProfile | None) -> ColumnProfile | None:
    return None if profile is None else profile.model_copy(update=VALUE_FIELDS)


def as_seen_by(dataset: Dataset, decision: Decision) -> Dataset:
    masked = decision.masked
    columns = [
        c.model_copy(update={"profile": _hide(c.profile)}) if not decision.read or c.name in masked else c
        for c in dataset.columns
    ]
    return dataset.model_copy(update={"columns": columns})
