"""The policy service: gathers what the engine needs from the store and answers for a user and a table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from patrimoine import catalog, people
from patrimoine.classify.labels import ALL_LABELS
from patrimoine.classify.records import sensitivity, table_gate
from patrimoine.errors import Forbidden, InputError, NotFound
from patrimoine.model import Decision, User
from patrimoine.policy import records
from patrimoine.policy.document import PolicyDocument
from patrimoine.policy.engine import TableFacts, decide
from patrimoine.referentials.registry import CODE_KINDS
from patrimoine.store.tables import dataset_columns, datasets

if TYPE_CHECKING:
    from patrimoine.classify.sensitivity import SensitivityRules

MANAGERS = ("admin", "data_officer")  # may change the policy, grant anything and decide any request


def anonymous(email: str, rules: SensitivityRules) -> User:
    """The public, or someone not registered: the lowest clearance, public data only."""
    return User(email=email, clearance=rules.lowest, roles=["anonymous"])


def reader(conn: Connection, email: str, rules: SensitivityRules) -> User:
    """The user a read is decided for; someone not registered reads as anonymous (public data only)."""
    try:
        return people.get_user(conn, email, rules)
    except NotFound:
        return anonymous(email, rules)


def facts(conn: Connection, table: str, rules: SensitivityRules, columns: list[str] | None = None) -> TableFacts:
    """What the engine knows of a table; `columns` are those of the version read (default: the current one)."""
    namespace, name = catalog.parse_table_name(table)
    dataset_id = catalog.require_id(conn, namespace, name)
    row = conn.execute(select(datasets.c.owner, datasets.c.steward).where(datasets.c.id == dataset_id)).one()
    if columns is None:
        query = select(dataset_columns.c.name).where(dataset_columns.c.dataset_id == dataset_id)
        columns = list(conn.execute(query.order_by(dataset_columns.c.position)).scalars())
    return TableFacts(
        table=table,
        owner=(row.owner or "").lower() or None,
        steward=(row.steward or "").lower() or None,
        gate=table_gate(conn, dataset_id, rules),
        sensitivity=sensitivity(conn, dataset_id, rules),
        columns=columns,
    )


def decision(
    conn: Connection, user: User, table: str, rules: SensitivityRules, columns: list[str] | None = None
) -> Decision:
    version, document = records.current_policy(conn)
    grants = records.grants_for(conn, table, user.email, user.groups)
    return decide(document, rules, user, facts(conn, table, rules, columns), grants, datetime.now(UTC), version)


def hidden(conn: Connection, user: User, rules: SensitivityRules) -> frozenset[int]:
    """Ids of the datasets the user may not discover (none when the policy lets them discover everything)."""
    version, document = records.current_policy(conn)
    if (document.discover.anonymous if user.anonymous else document.discover.default) == "all":
        return frozenset()
    found = set()
    for dataset_id, namespace, name in conn.execute(select(datasets.c.id, datasets.c.namespace, datasets.c.name)):
        table = f"{namespace}.{name}"
        grants = records.grants_for(conn, table, user.email, user.groups)
        facts_ = facts(conn, table, rules)
        if not decide(document, rules, user, facts_, grants, datetime.now(UTC), version).discover:
            found.add(int(dataset_id))
    return frozenset(found)


def may_manage(conn: Connection, user: User, table: str | None = None) -> bool:
    """Admins and data officers manage every table; a table's owner and steward manage theirs."""
    if set(user.roles) & set(MANAGERS):
        return True
    if table is None or user.anonymous:
        return False
    return user.email in accountable(conn, table)


def accountable(conn: Connection, table: str) -> set[str]:
    """The e-mails (lower case) of a table's owner and steward, as the catalogue records them."""
    namespace, name = catalog.parse_table_name(table)
    row = conn.execute(
        select(datasets.c.owner, datasets.c.steward).where(datasets.c.namespace == namespace, datasets.c.name == name)
    ).first()
    return set() if row is None else {(v or "").lower() for v in (row.owner, row.steward)} - {""}


def require_manager(conn: Connection, user: User, table: str | None = None) -> None:
    if not may_manage(conn, user, table):
        what = f"{table}'s owner or steward, " if table else ""
        raise Forbidden(f"{user.email} may not do this: it is for {what}a data officer or an admin")


def check_document(document: PolicyDocument, rules: SensitivityRules) -> None:
    """Names in a policy must exist: a misspelt label or level would silently never match."""
    known = set(ALL_LABELS) | set(CODE_KINDS)
    for i, rule in enumerate(document.masks):
        if rule.label is None and rule.level is None:
            raise InputError("a mask rule names a label or a level", column=f"masks.{i}")
        if rule.label is not None and rule.label not in known:
            raise InputError(f"unknown label {rule.label!r}", column=f"masks.{i}.label")
        if rule.level is not None and rule.level not in rules.levels:
            raise InputError(f"level {rule.level!r} is not one of {', '.join(rules.levels)}", column=f"masks.{i}.level")
    for i, filt in enumerate(document.row_filters):
        for role in filt.exempt_roles:
            if role not in people.ROLES:
                raise InputError(f"unknown role {role!r}", column=f"row_filters.{i}.exempt_roles")
