"""The hosting rule file: storage zones, and the zones each sensitivity level and each legal regime may live in.

A table may live in a zone when the rule of its level lists the zone and so does the rule of every declared regime
that has one. The file is checked against the configured sensitivity scale: every level has a rule, every zone a
rule names is declared. Errors name the file, the key and, when it can be found, the line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import Field

from patrimoine.classify.sensitivity import SensitivityRules
from patrimoine.errors import ConfigError
from patrimoine.model import Frozen

DEFAULT_FILE = Path(__file__).with_name("hosting.toml")  # the shipped, commented default
FILE_NAME = "hosting.toml"  # the deployer's copy, in the platform's home
ZONE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TOP_KEYS = ("default_zone", "zones", "levels", "regimes")
_ZONE_KEYS = ("label", "qualification", "description")


class RuleFileError(ConfigError):
    """A mistake in a hosting rule file, with the file, the line when known and the key at fault."""

    def __init__(self, message: str, *, file: str | Path, key: str | None = None, line: int | None = None) -> None:
        self.file, self.key, self.line = str(file), key, line
        where = [self.file] + ([f"line {line}"] if line else [])
        super().__init__(f"{', '.join(where)}: {f'{key}: ' if key else ''}{message}")


class Zone(Frozen):
    name: str
    label: str
    qualification: str
    description: str = ""


class ZoneSummary(Frozen):
    """A zone and what its rules let live there (for `patrimoine zone list`)."""

    zone: Zone
    default: bool
    levels: list[str]  # levels whose rule lists the zone
    regimes_refused: list[str]  # regimes whose rule does not list it


class HostingRules(Frozen):
    source: str  # the file the rules were read from
    default_zone: str
    zones: dict[str, Zone]  # in the file's order
    levels: dict[str, list[str]]  # level -> zones its tables may live in
    regimes: dict[str, list[str]] = Field(default_factory=dict)  # regime -> zones; a regime without a rule adds none

    def allowed(self, level: str, regimes: Iterable[str] = ()) -> list[str]:
        """The zones a table of this level with these regimes may live in, in the file's order."""
        rules = [self.levels.get(level, [])] + [self.regimes[r] for r in regimes if r in self.regimes]
        return [z for z in self.zones if all(z in zones for zones in rules)]

    def breaches(self, level: str, regimes: Iterable[str], zone: str) -> list[str]:
        """The rules that forbid this zone to such a table, each as written in the file (empty: allowed)."""
        if zone not in self.zones:
            return [f"zones: {zone!r} is not declared (declared: {', '.join(self.zones)})"]
        found = []
        if zone not in self.levels.get(level, []):
            found.append(_rule("levels", level, self.levels.get(level, [])))
        for regime in regimes:
            if regime in self.regimes and zone not in self.regimes[regime]:
                found.append(_rule("regimes", regime, self.regimes[regime]))
        return found

    def allows_everything(self, zone: str) -> bool:
        """True when every level and every regime may live in the zone: nothing to check for it."""
        return zone in self.zones and all(zone in z for z in (*self.levels.values(), *self.regimes.values()))

    def summary(self) -> list[ZoneSummary]:
        return [
            ZoneSummary(
                zone=zone,
                default=name == self.default_zone,
                levels=[level for level, zones in self.levels.items() if name in zones],
                regimes_refused=[regime for regime, zones in self.regimes.items() if name not in zones],
            )
            for name, zone in self.zones.items()
        ]


def _rule(section: str, key: str, zones: list[str]) -> str:
    return f"{section}.{key} = [{', '.join(zones)}]"


def load_rules(path: Path, scale: SensitivityRules) -> HostingRules:
    """Read and check a rule file against the configured sensitivity scale."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"cannot read the hosting rules: {exc}", file=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        raise RuleFileError(f"invalid TOML: {exc}", file=path, line=int(at.group(1)) if at else None) from None
    return parse_rules(data, scale, path, text)


def parse_rules(data: dict[str, Any], scale: SensitivityRules, path: Path, text: str = "") -> HostingRules:
    """Rules from a parsed file; `text` (the file's content) lets errors give their line."""

    def fail(message: str, key: str | None = None) -> RuleFileError:
        # The line of the key, else of the table it is missing from ([levels], [zones.x]).
        parts = key.split(".") if key else []
        lines = (_line(text, ".".join(parts[:n])) for n in range(len(parts), 0, -1))
        return RuleFileError(message, file=path, key=key, line=next((n for n in lines if n), None))

    for key in data:
        if key not in _TOP_KEYS:
            raise fail(f"unknown key (expected {', '.join(_TOP_KEYS)})", key)
    zones = _zones(data.get("zones"), fail)
    default = data.get("default_zone")
    if not isinstance(default, str):
        raise fail("missing or not a string: the zone of a new table when its ingest names none", "default_zone")
    if default not in zones:
        raise fail(f"{default!r} is not declared in [zones] ({', '.join(zones)})", "default_zone")
    levels = _mapping(data.get("levels"), "levels", scale.levels, zones, fail)
    missing = [level for level in scale.levels if level not in levels]
    if missing:
        raise fail(f"no rule for level {', '.join(missing)}: every level of the scale ({', '.join(scale.levels)}) "
                   "needs the list of zones it may live in", "levels")  # fmt: skip
    regimes = _mapping(data.get("regimes", {}), "regimes", tuple(scale.regime_levels), zones, fail)
    return HostingRules(source=str(path), default_zone=default, zones=zones, levels=levels, regimes=regimes)


def _zones(raw: Any, fail: Any) -> dict[str, Zone]:
    if not isinstance(raw, dict) or not raw:
        raise fail("declare at least one zone, e.g. [zones.on_premise_homologue] with a label and a qualification",
                   "zones")  # fmt: skip
    zones = {}
    for name, fields in raw.items():
        key = f"zones.{name}"
        if not ZONE_NAME.fullmatch(name):
            raise fail("a zone's name is lower-case letters, digits and _ (at most 64)", key)
        if not isinstance(fields, dict):
            raise fail("must be a table with label, qualification and description", key)
        for field in fields:
            if field not in _ZONE_KEYS:
                raise fail(f"unknown key (expected {', '.join(_ZONE_KEYS)})", f"{key}.{field}")
        for field in _ZONE_KEYS:
            value = fields.get(field, "" if field == "description" else None)
            if not isinstance(value, str) or (field != "description" and not value.strip()):
                raise fail("missing or not a string", f"{key}.{field}")
        zones[name] = Zone(name=name, **fields)
    return zones


def _mapping(raw: Any, section: str, known: tuple[str, ...], zones: dict[str, Zone], fail: Any) -> dict[str, list[str]]:
    if not isinstance(raw, dict):
        raise fail(f"must be a table: [{section}] with one list of zones per {section[:-1]}", section)
    found = {}
    for name, listed in raw.items():
        key = f"{section}.{name}"
        if name not in known:
            raise fail(f"not a {section[:-1]} of the configured scale ({', '.join(known)})", key)
        if not isinstance(listed, list) or not listed or not all(isinstance(z, str) for z in listed):
            raise fail("must be a non-empty list of zone names", key)
        for zone in listed:
            if zone not in zones:
                raise fail(f"zone {zone!r} is not declared in [zones] ({', '.join(zones)})", key)
        found[name] = list(dict.fromkeys(listed))
    return found


_HEADER = re.compile(r"\[\s*([^\[\]]+?)\s*\]")
_KEY = re.compile(r"""["']?([A-Za-z0-9_-]+)["']?\s*=""")


def _line(text: str, dotted: str) -> int | None:
    """The line where a key (`levels.restreint`, `zones.x.label`) or a table (`zones.x`) is written, if found."""
    *parents, last = dotted.split(".")
    section, current = ".".join(parents), ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if header := _HEADER.fullmatch(line):
            current = header.group(1).replace(" ", "").replace('"', "")
            if current == dotted:
                return number
        elif (key := _KEY.match(line)) and current == section and key.group(1) == last:
            return number
    return None
