"""Hosting zones: where each table is placed, whether its level and regimes allow it there, the compliance report.

A zone is a declared placement: the store records the zone of each table (`dataset_zones`); moving a table changes
that record, after the rules allowed it. Files are not copied anywhere by patrimoine.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field
from sqlalchemy import Connection, delete, insert, select

from patrimoine import catalog
from patrimoine.classify.records import sensitivity
from patrimoine.classify.sensitivity import SensitivityRules
from patrimoine.errors import ConfigError, Conflict, Forbidden, InputError
from patrimoine.hosting.rules import DEFAULT_FILE, FILE_NAME, HostingRules, RuleFileError, load_rules
from patrimoine.model import Frozen, User
from patrimoine.policy.service import may_manage
from patrimoine.store import as_utc
from patrimoine.store.tables import dataset_zones, datasets

if TYPE_CHECKING:
    from patrimoine.platform import Platform


class NoRules(ConfigError):
    """No rule file fits the configured sensitivity scale: the shipped default is written for the default scale."""


class Violation(Frozen):
    """A table living in a zone that the rules forbid to its level or regimes, and what to do about it."""

    table: str
    level: str
    regimes: list[str] = Field(default_factory=list)
    zone: str
    rules: list[str]  # the rules that forbid it, as written in the rule file
    source: str  # the rule file
    allowed: list[str]  # the zones where it may live
    reasons: list[str] = Field(default_factory=list)  # why the table has its level
    action: str

    def message(self) -> str:
        regimes = f", regimes {', '.join(self.regimes)}" if self.regimes else ""
        return (
            f"{self.table} (level {self.level}{regimes}) may not live in zone {self.zone}: "
            f"forbidden by {'; '.join(self.rules)} in {self.source}"
        )


class Placement(Frozen):
    """The zone of a table, who placed it there, and whether its level and regimes allow it."""

    table: str
    zone: str
    label: str  # the zone's label ("" if the rule file no longer declares it)
    qualification: str
    declared: bool  # False: no zone recorded for the table, the rule file's default_zone applies
    set_by: str | None = None
    set_at: datetime | None = None
    level: str
    regimes: list[str] = Field(default_factory=list)
    allowed: list[str]
    violation: Violation | None = None


def load(home: Path, scale: SensitivityRules) -> HostingRules:
    """The rules in force: HOME/hosting.toml if the deployer wrote one, else the shipped default."""
    own = home / FILE_NAME
    if own.exists():
        return load_rules(own, scale)
    try:
        return load_rules(DEFAULT_FILE, scale)
    except RuleFileError as exc:
        raise NoRules(
            f"the shipped hosting rules are written for the default sensitivity scale and do not fit this one ({exc}); "
            f"write yours: `patrimoine compliance --init`, then adapt {own}"
        ) from None


def init_file(home: Path) -> Path:
    """Copy the shipped, commented rule file to HOME/hosting.toml for the deployer to edit; never overwrites."""
    path = home / FILE_NAME
    home.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as f:
            f.write(DEFAULT_FILE.read_text(encoding="utf-8"))
    except FileExistsError:
        raise Conflict(f"{path} exists already: edit it, or remove it first to start again from the default") from None
    return path


def _action(rules: HostingRules, table: str, level: str, allowed: list[str]) -> str:
    review = f"if its level is wrong, have a steward review it (patrimoine review list {table})"
    if not allowed:
        return f"no zone of {rules.source} allows it: correct the rule file, or {review}"
    return f"move it to {' or '.join(allowed)} (patrimoine zone set {table} ZONE), or, {review}"


def check(
    platform: Platform, table: str, level: str, regimes: Iterable[str], zone: str, reasons: Iterable[str] = ()
) -> Violation | None:
    """The violation of a table of this level and these regimes living in `zone`, or None when allowed."""
    rules: HostingRules = platform.hosting
    regimes = list(regimes)
    broken = rules.breaches(level, regimes, zone)
    if not broken:
        return None
    allowed = rules.allowed(level, regimes)
    return Violation(
        table=table, level=level, regimes=regimes, zone=zone, rules=broken, source=rules.source,
        allowed=allowed, reasons=list(reasons), action=_action(rules, table, level, allowed),
    )  # fmt: skip


def refusal(violation: Violation, what: str, hint: str | None = None) -> Forbidden:
    """The error refusing an ingest or a move: what was refused, the violation with its rule, and what to do."""
    return Forbidden(f"{what}: {violation.message()}; {hint or violation.action}")


def stored_zone(conn: Connection, dataset_id: int) -> Any:
    """The recorded placement (zone, set_by, set_at) of a table, or None."""
    query = select(dataset_zones.c.zone, dataset_zones.c.set_by, dataset_zones.c.set_at)
    return conn.execute(query.where(dataset_zones.c.dataset_id == dataset_id)).first()


def place(conn: Connection, dataset_id: int, zone: str, by: str) -> None:
    """Record a table's first zone (at its ingest); a recorded zone is changed only by `move`."""
    if stored_zone(conn, dataset_id) is None:
        conn.execute(
            insert(dataset_zones).values(dataset_id=dataset_id, zone=zone, set_by=by, set_at=datetime.now(UTC))
        )


def _placement(platform: Platform, conn: Connection, table: str, dataset_id: int) -> Placement:
    rules: HostingRules = platform.hosting
    row = stored_zone(conn, dataset_id)
    zone = row.zone if row else rules.default_zone
    found = sensitivity(conn, dataset_id, platform.rules)
    known = rules.zones.get(zone)
    return Placement(
        table=table, zone=zone, label=known.label if known else "", qualification=known.qualification if known else "",
        declared=row is not None, set_by=row.set_by if row else None, set_at=as_utc(row.set_at) if row else None,
        level=found.level, regimes=found.regimes, allowed=rules.allowed(found.level, found.regimes),
        violation=check(platform, table, found.level, found.regimes, zone, found.reasons),
    )  # fmt: skip


def zone_of(platform: Platform, table: str) -> Placement:
    with platform.store.read() as conn:
        return _placement(platform, conn, table, catalog.require_id(conn, *catalog.parse_table_name(table)))


def require_zone(rules: HostingRules, zone: str) -> str:
    if zone not in rules.zones:
        raise InputError(f"unknown zone {zone!r}; the zones of {rules.source}: {', '.join(rules.zones)}")
    return zone


def move(platform: Platform, table: str, zone: str, by: str, conn: Connection | None = None) -> Placement:
    """Place a table in another zone, refused with the forbidding rule when its level or regimes do not allow it."""
    if conn is None:
        with platform.store.begin() as conn:
            return move(platform, table, zone, by, conn)
    require_zone(platform.hosting, zone)
    dataset_id = catalog.require_id(conn, *catalog.parse_table_name(table))
    found = sensitivity(conn, dataset_id, platform.rules)
    violation = check(platform, table, found.level, found.regimes, zone, found.reasons)
    if violation is not None:
        raise refusal(violation, "move refused, nothing changed")
    current = stored_zone(conn, dataset_id)
    if current is None or current.zone != zone:
        conn.execute(delete(dataset_zones).where(dataset_zones.c.dataset_id == dataset_id))
        conn.execute(
            insert(dataset_zones).values(dataset_id=dataset_id, zone=zone, set_by=by, set_at=datetime.now(UTC))
        )
    return _placement(platform, conn, table, dataset_id)


def report(platform: Platform, user: User | None = None) -> list[Violation]:
    """Every catalogued table (those `user` manages, if given) living in a zone its level or regimes forbid."""
    rules: HostingRules = platform.hosting
    found = []
    with platform.store.read() as conn:
        query = (
            select(datasets.c.id, datasets.c.namespace, datasets.c.name, dataset_zones.c.zone)
            .outerjoin(dataset_zones, dataset_zones.c.dataset_id == datasets.c.id)
            .order_by(datasets.c.namespace, datasets.c.name)
        )
        for row in conn.execute(query).all():
            table = f"{row.namespace}.{row.name}"
            if user is not None and not may_manage(conn, user, table):
                continue
            level = sensitivity(conn, row.id, platform.rules)
            violation = check(
                platform, table, level.level, level.regimes, row.zone or rules.default_zone, level.reasons
            )
            if violation is not None:
                found.append(violation)
    return found
