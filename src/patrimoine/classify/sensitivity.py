"""Sensitivity levels: an ordered scale, levels derived from labels and legal regimes, each with its reasons.

The scale and the mappings are configuration (`[sensitivity]` in patrimoine.toml); a steward's decision on a
column or a table overrides what is derived, and says so in the reasons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from patrimoine.classify import labels as L
from patrimoine.errors import InputError

DEFAULT_LEVELS = ("public", "interne", "restreint", "secret")
DEFAULT_LABEL_LEVELS = {
    L.NIR: "secret",  # the social security number: its use is framed by a decree of its own
    L.IBAN: "restreint",
    L.BIC: "interne",
    L.EMAIL: "restreint",
    L.PHONE_FR: "restreint",
    L.PERSON_NAME: "restreint",
    L.BIRTH_DATE: "restreint",
    L.POSTAL_ADDRESS: "restreint",
    L.CADASTRAL_PARCEL: "interne",
    L.GPS_COORDINATE: "interne",
}
# Declared legal regimes, as an owner names them, and the level each implies.
REGIMES = {
    "rgpd": ("Données personnelles (RGPD)", "restreint"),
    "secret_fiscal": ("Secret fiscal (LPF, art. L. 103)", "secret"),
    "secret_statistique": ("Secret statistique (loi du 7 juin 1951)", "secret"),
    "secret_affaires": ("Secret des affaires", "restreint"),
    "diffusion_restreinte": ("Diffusion Restreinte", "secret"),
}


@dataclass(frozen=True)
class SensitivityRules:
    levels: tuple[str, ...] = DEFAULT_LEVELS
    label_levels: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LABEL_LEVELS))
    regime_levels: dict[str, str] = field(default_factory=lambda: {k: v[1] for k, v in REGIMES.items()})

    def __post_init__(self) -> None:
        for source, mapping in (("labels", self.label_levels), ("regimes", self.regime_levels)):
            for key, level in mapping.items():
                if level not in self.levels:
                    raise InputError(
                        f"sensitivity.{source}.{key}: level {level!r} is not one of {', '.join(self.levels)}"
                    )

    @property
    def lowest(self) -> str:
        return self.levels[0]

    def check_level(self, level: str) -> str:
        if level not in self.levels:
            raise InputError(f"level {level!r} is not one of {', '.join(self.levels)}")
        return level

    def check_regime(self, regime: str) -> str:
        if regime not in self.regime_levels:
            raise InputError(f"regime {regime!r} is not one of {', '.join(self.regime_levels)}")
        return regime

    def highest(self, levels: Iterable[str]) -> str:
        return max(levels, key=self.levels.index, default=self.lowest)


@dataclass(frozen=True)
class Decided:
    """A level with the reasons that make it."""

    level: str
    reasons: list[str]


def column_level(
    rules: SensitivityRules, labels: list[tuple[str, float, str]], override: tuple[str, str, str] | None
) -> Decided:
    """Level of a column from its kept labels [(label, confidence, status)] and a steward's (level, by, reason)."""
    if override is not None:
        level, by, reason = override
        return Decided(level, [f"set to {level} by {by}: {reason}"])
    reasons, found = [], []
    for label, confidence, status in labels:
        level = rules.label_levels.get(label, rules.lowest)
        if level != rules.lowest:
            found.append(level)
            reasons.append(f"label {label} ({status}, confidence {confidence:.2f}) → {level}")
    level = rules.highest(found)
    return Decided(level, reasons or [f"no sensitive label → {level}"])


def table_level(
    rules: SensitivityRules, columns: dict[str, Decided], regimes: list[str], override: tuple[str, str, str] | None
) -> Decided:
    """The maximum of the columns and the declared regimes, unless a steward set the table's level."""
    if override is not None:
        level, by, reason = override
        return Decided(level, [f"set to {level} by {by}: {reason}"])
    candidates = [(d.level, f"column {name}: {d.level}") for name, d in columns.items() if d.level != rules.lowest]
    candidates += [
        (rules.regime_levels[r], f"regime {REGIMES.get(r, (r,))[0]} → {rules.regime_levels[r]}") for r in regimes
    ]
    level = rules.highest(level for level, _ in candidates)
    reasons = [reason for lvl, reason in candidates if lvl == level] if candidates else [f"nothing sensitive → {level}"]
    return Decided(level, reasons)
