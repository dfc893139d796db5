"""Grants and access requests: who may give what, and the requester told of the decision.

A grant always has a purpose, a legal basis and an expiry date; an approved request becomes a grant for the
days asked, which lapses by itself. Owners and stewards decide for their tables, data officers and admins
for all. Every step leaves a notification record for the person concerned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select

from patrimoine import catalog
from patrimoine.errors import Conflict, Forbidden, InputError
from patrimoine.model import AccessRequest, Grant, User
from patrimoine.policy import records
from patrimoine.policy.service import MANAGERS, accountable, may_manage, require_manager
from patrimoine.store.tables import dataset_columns, user_roles, users


def _check_columns(conn: Connection, table: str, columns: list[str] | None) -> list[str] | None:
    namespace, name = catalog.parse_table_name(table)
    dataset_id = catalog.require_id(conn, namespace, name)
    if not columns:
        return None
    known = set(
        conn.execute(select(dataset_columns.c.name).where(dataset_columns.c.dataset_id == dataset_id)).scalars()
    )
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise InputError(f"{table} has no column {', '.join(unknown)}")
    return sorted(set(columns))


def give(
    conn: Connection,
    acting: User,
    *,
    subject: str,
    group: bool,
    table: str,
    columns: list[str] | None,
    purpose: str,
    legal_basis: str,
    expires_at: datetime,
) -> Grant:
    require_manager(conn, acting, table)
    columns = _check_columns(conn, table, columns)
    if not group and not conn.execute(select(users.c.id).where(users.c.email == subject.lower())).first():
        raise InputError(f"no user {subject}: register them first (`patrimoine user add`)")
    grant = records.add_grant(
        conn,
        subject_kind="group" if group else "user",
        subject=subject,
        table=table,
        columns=columns,
        purpose=purpose,
        legal_basis=legal_basis,
        expires_at=expires_at,
        by=acting.email,
    )
    if not group:
        records.notify(
            conn, grant.subject, f"Access granted to {table}", f"{acting.email} gave you {grant.describe()}."
        )
    return grant


def withdraw(conn: Connection, acting: User, grant_id: int) -> Grant:
    grant = records.get_grant(conn, grant_id)
    require_manager(conn, acting, grant.table)
    grant = records.revoke_grant(conn, grant_id, acting.email)
    if grant.subject_kind == "user":
        records.notify(
            conn, grant.subject, f"Access to {grant.table} withdrawn", f"{acting.email} revoked {grant.describe()}."
        )
    return grant


def ask(
    conn: Connection,
    acting: User,
    table: str,
    columns: list[str] | None,
    purpose: str,
    legal_basis: str,
    days: int,
) -> AccessRequest:
    if acting.anonymous:
        raise Forbidden(f"{acting.email} is not registered: ask an admin to add you (`patrimoine user add`) first")
    columns = _check_columns(conn, table, columns)
    request = records.add_request(conn, acting.email, table, columns, purpose, legal_basis, days)
    for recipient in deciders(conn, table):
        records.notify(
            conn,
            recipient,
            f"Access request #{request.id} for {table}",
            f"{acting.email} asks to read {table} for {days} days. Purpose: {request.purpose}. "
            f"Legal basis: {request.legal_basis}. Decide with `patrimoine access approve|refuse {request.id}`.",
        )
    return request


def deciders(conn: Connection, table: str) -> list[str]:
    """Who is told of a request: the table's owner and steward when registered, else the data officers and admins."""
    named = accountable(conn, table)
    registered = set(conn.execute(select(users.c.email).where(users.c.email.in_(named))).scalars())
    if registered:
        return sorted(registered)
    managers = select(users.c.email).join(user_roles, user_roles.c.user_id == users.c.id)
    return sorted(set(conn.execute(managers.where(user_roles.c.role.in_(MANAGERS))).scalars()))


def decide_request(conn: Connection, acting: User, request_id: int, approve: bool, comment: str) -> AccessRequest:
    request = records.get_request(conn, request_id)
    require_manager(conn, acting, request.table)
    if request.status != "pending":
        raise Conflict(f"request #{request_id} is already {request.status} (by {request.decided_by})")
    if request.requester == acting.email:
        raise Forbidden("nobody decides their own access request")
    if not approve and not comment.strip():
        raise InputError("say why: a refusal needs a comment")
    grant_id = None
    if approve:
        grant = records.add_grant(
            conn,
            subject_kind="user",
            subject=request.requester,
            table=request.table,
            columns=request.columns,
            purpose=request.purpose,
            legal_basis=request.legal_basis,
            expires_at=datetime.now(UTC) + timedelta(days=request.days),
            by=acting.email,
            request_id=request.id,
        )
        grant_id = grant.id
    status = "approved" if approve else "refused"
    records.close_request(conn, request_id, status, acting.email, comment.strip(), grant_id)
    records.notify(
        conn,
        request.requester,
        f"Access request #{request_id} for {request.table}: {status}",
        f"{acting.email} {status} your request"
        + (f" until {datetime.now(UTC) + timedelta(days=request.days):%Y-%m-%d}." if approve else ".")
        + (f" Comment: {comment.strip()}" if comment.strip() else ""),
    )
    return records.get_request(conn, request_id)


def visible_requests(conn: Connection, acting: User, status: str | None, mine: bool) -> list[AccessRequest]:
    """Requests the acting user made, or may decide."""
    found = records.list_requests(conn, status=status)
    if mine:
        return [r for r in found if r.requester == acting.email]
    return [r for r in found if r.requester == acting.email or may_manage(conn, acting, r.table)]
