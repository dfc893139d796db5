"""People: users with a department and a clearance, the roles they hold and the groups they belong to.

Roles say what someone may do (the policy engine decides reads with them); clearance is a level of the
sensitivity scale. In the embedded default, a local operator who is not registered acts as admin.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from patrimoine.classify.sensitivity import SensitivityRules
from patrimoine.errors import Conflict, InputError, NotFound
from patrimoine.model import User
from patrimoine.store.tables import group_members, user_attributes, user_roles, users

ROLES = ("admin", "data_officer", "owner", "steward", "analyst", "anonymous")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


def _user_id(conn: Connection, email: str) -> int:
    found = conn.execute(select(users.c.id).where(users.c.email == email.lower())).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no user {email}")
    return int(found)


def add_user(
    conn: Connection,
    email: str,
    *,
    roles: list[str],
    clearance: str,
    department: str | None,
    name: str | None,
    groups: list[str],
    by: str,
    rules: SensitivityRules,
) -> None:
    """Register a user; everything is checked before anything is written."""
    email = email.strip().lower()
    if not EMAIL.fullmatch(email):
        raise InputError(f"{email!r} is not an e-mail address")
    rules.check_level(clearance)
    for role in roles:
        _check_role(role)
    for value in [department, *groups]:
        if value is not None and not NAME.fullmatch(value):
            raise InputError(f"{value!r}: departments and groups are lower-case names (letters, digits, _ and -)")
    if conn.execute(select(users.c.id).where(users.c.email == email)).first():
        raise Conflict(f"user {email} already exists; use `patrimoine user grant` to give a role")
    now = datetime.now(UTC)
    user_id = conn.execute(
        insert(users).values(email=email, name=name, department=department, clearance=clearance, created_at=now)
    ).inserted_primary_key[0]  # type: ignore[index]
    for role in dict.fromkeys(roles):
        conn.execute(insert(user_roles).values(user_id=user_id, role=role, granted_by=by, granted_at=now))
    for group in dict.fromkeys(groups):
        conn.execute(insert(group_members).values(group_name=group, user_id=user_id))


def grant(conn: Connection, email: str, role: str, by: str) -> None:
    user_id = _user_id(conn, email)
    _check_role(role)
    held = conn.execute(select(user_roles.c.role).where(user_roles.c.user_id == user_id, user_roles.c.role == role))
    if held.first():
        raise Conflict(f"{email} already holds the role {role}")
    conn.execute(insert(user_roles).values(user_id=user_id, role=role, granted_by=by, granted_at=datetime.now(UTC)))


def revoke(conn: Connection, email: str, role: str) -> None:
    user_id = _user_id(conn, email)
    done = conn.execute(
        delete(user_roles).where(user_roles.c.user_id == user_id, user_roles.c.role == _check_role(role))
    )
    if not done.rowcount:
        raise NotFound(f"{email} does not hold the role {role}")


def set_attribute(conn: Connection, email: str, name: str, values: list[str]) -> None:
    """Replace a user's attribute (e.g. departements = 75, 92), read by row filters as user.<name>."""
    user_id = _user_id(conn, email)
    if not NAME.fullmatch(name) or "-" in name:
        raise InputError(f"{name!r}: attribute names are lower-case letters, digits and _")
    cleaned = [v.strip() for v in values if v.strip()]
    for value in cleaned:
        if len(value) > 256:
            raise InputError(f"attribute {name}: value of {len(value)} characters (at most 256)")
    conn.execute(delete(user_attributes).where(user_attributes.c.user_id == user_id, user_attributes.c.name == name))
    for value in dict.fromkeys(cleaned):
        conn.execute(insert(user_attributes).values(user_id=user_id, name=name, value=value))


def list_users(conn: Connection) -> list[User]:
    roles: dict[int, list[str]] = {}
    for user_id, role in conn.execute(select(user_roles.c.user_id, user_roles.c.role).order_by(user_roles.c.role)):
        roles.setdefault(user_id, []).append(role)
    groups: dict[int, list[str]] = {}
    query = select(group_members.c.user_id, group_members.c.group_name).order_by(group_members.c.group_name)
    for user_id, group in conn.execute(query):
        groups.setdefault(user_id, []).append(group)
    attributes: dict[int, dict[str, list[str]]] = {}
    query = select(user_attributes).order_by(user_attributes.c.name, user_attributes.c.value)
    for row in conn.execute(query):
        attributes.setdefault(row.user_id, {}).setdefault(row.name, []).append(row.value)
    return [
        User(
            email=r.email,
            name=r.name,
            department=r.department,
            clearance=r.clearance,
            roles=roles.get(r.id, []),
            groups=groups.get(r.id, []),
            attributes=attributes.get(r.id, {}),
        )
        for r in conn.execute(select(users).order_by(users.c.email))
    ]


def get_user(conn: Connection, email: str, rules: SensitivityRules) -> User:
    """The user acting; a local operator not registered while nobody is acts as admin (embedded default)."""
    found = [u for u in list_users(conn) if u.email == email.lower()]
    if found:
        return found[0]
    if not conn.execute(select(users.c.id).limit(1)).first():
        return User(email=email, name="local operator", clearance=rules.levels[-1], roles=["admin"])
    raise NotFound(f"no user {email}")
