"""The policy engine: one pure function decides what a user gets of a table, and says why.

Inputs are only the policy document, the sensitivity scale, the user, the table's facts and the grants
that name the user or one of their groups. Table rights follow the table's gate level (declared regimes
and a steward's level on the whole table); columns above the reader's clearance are masked unless a
grant covers them; row filters restrict by the reader's attributes. Everything fails closed: a column
without a known level is masked, a filter on an attribute the user lacks shows no rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from patrimoine.classify.sensitivity import Decided, SensitivityRules
from patrimoine.model import ColumnDecision, Decision, Grant, RowFilter, TableSensitivity, User
from patrimoine.policy.document import PolicyDocument


@dataclass(frozen=True)
class TableFacts:
    table: str  # namespace.table
    owner: str | None
    steward: str | None
    gate: Decided  # the level that decides the table as a whole, with its reasons
    sensitivity: TableSensitivity
    columns: list[str]  # the columns readable in the version asked for


def clearance_of(rules: SensitivityRules, user: User) -> str:
    # A clearance the (configurable) scale no longer has reads as the lowest one: fail closed, not crash.
    return rules.lowest if user.anonymous or user.clearance not in rules.levels else user.clearance


def _rank(rules: SensitivityRules, level: str) -> int:
    """Position on the scale; a stored level the scale no longer has ranks above its top (closed, masked)."""
    return rules.levels.index(level) if level in rules.levels else len(rules.levels)


def _names(grant: Grant, user: User, table: str) -> bool:
    """Whether the grant is on this table for this user or one of their groups (the caller should only pass
    those; checked again here so a wrong list can never open a table, nor describe someone else's grant)."""
    if grant.table != table:
        return False
    if grant.subject_kind == "user":
        return grant.subject.lower() == user.email.lower()
    return grant.subject_kind == "group" and grant.subject in user.groups


def decide(
    document: PolicyDocument,
    rules: SensitivityRules,
    user: User,
    facts: TableFacts,
    grants: list[Grant],
    now: datetime,
    policy_version: int = 0,
) -> Decision:
    clearance = clearance_of(rules, user)
    grants = [g for g in grants if _names(g, user, facts.table)]
    active = [g for g in grants if g.active(now)]
    lapsed = [f"{g.describe()} has {'been revoked' if g.revoked_at else 'expired'}" for g in grants if g not in active]
    who = {facts.owner, facts.steward} - {None}
    owner = document.owners_read_clear and not user.anonymous and user.email in who

    gate = f"table level {facts.gate.level} ({'; '.join(facts.gate.reasons)})"
    if owner:
        read, reasons = True, [f"{user.email} is the table's owner or steward"]
    elif _rank(rules, facts.gate.level) <= _rank(rules, clearance):
        read, reasons = True, [f"{gate} within clearance {clearance}"]
    elif active:
        read, reasons = True, [f"{gate} above clearance {clearance}, read under {active[0].describe()}"]
    else:
        read, reasons = False, [f"{gate} above clearance {clearance}, no grant"]
    reasons += lapsed  # also when the table opens: a lapsed column grant explains a mask the reader no longer expects
    mode = document.discover.anonymous if user.anonymous else document.discover.default
    discover = read or mode == "all"
    if not read:
        return Decision(
            user=user.email, table=facts.table, discover=discover, read=False, reasons=reasons,
            policy_version=policy_version,
        )  # fmt: skip
    columns = [_column(document, rules, clearance, name, facts, active, owner) for name in facts.columns]
    return Decision(
        user=user.email,
        table=facts.table,
        discover=True,
        read=True,
        reasons=reasons,
        columns=columns,
        row_filters=_row_filters(document, user, facts),
        policy_version=policy_version,
    )


def _column(
    document: PolicyDocument,
    rules: SensitivityRules,
    clearance: str,
    name: str,
    facts: TableFacts,
    grants: list[Grant],
    owner: bool,
) -> ColumnDecision:
    known = next((c for c in facts.sensitivity.columns if c.column == name), None)
    if known is None:  # not classified (a column of an older version): fail closed
        strategy, _ = document.strategy_for([], rules.levels[-1])
        return ColumnDecision(column=name, level="unknown", mask=strategy, reasons=[f"column {name} not classified"])
    level = known.level
    if owner:
        return ColumnDecision(column=name, level=level, reasons=["read by the table's owner or steward"])
    if _rank(rules, level) <= _rank(rules, clearance):
        return ColumnDecision(column=name, level=level, reasons=[f"level {level} within clearance {clearance}"])
    grant = next((g for g in grants if g.covers(name)), None)
    if grant is not None:
        return ColumnDecision(column=name, level=level, reasons=[f"level {level} above clearance, {grant.describe()}"])
    labels = [lab.label for lab in known.labels if lab.status != "rejected"]
    strategy, rule = document.strategy_for(labels, level)
    why = ", ".join(f"label {lab.upper()}" for lab in labels) or "; ".join(known.reasons)
    return ColumnDecision(
        column=name,
        level=level,
        mask=strategy,
        reasons=[f"column {name} masked ({strategy}, {rule}): {why}, level {level}, clearance {clearance}, no grant"],
    )


def _row_filters(document: PolicyDocument, user: User, facts: TableFacts) -> list[RowFilter]:
    found = []
    for rule in document.row_filters:
        column, _operator, attribute = rule.parts
        if not fnmatchcase(facts.table, rule.tables) or column not in facts.columns:
            continue
        exempt = sorted(set(user.roles) & set(rule.exempt_roles))
        if exempt:
            continue
        values = list(user.attributes.get(attribute, []))
        if attribute == "department" and user.department and not values:
            values = [user.department]
        shown = ", ".join(values) if values else "none: the user has no " + attribute
        found.append(RowFilter(column=column, values=values, reason=f"row filter {rule.rule} → {column} in ({shown})"))
    return found
